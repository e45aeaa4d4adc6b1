"""Writes on users: roles and departments, with the separation of duties of S10."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Department, Role

# Roles that execute service work (the service department's jobs).
SERVICE_ROLES = frozenset(
    {Role.AGENT, Role.TECHNICIAN, Role.STATION_MANAGER, Role.SERVICE_DIRECTOR}
)


def separation_problem(*, role: str, department: str, in_outlet: bool = False) -> str | None:
    """Why this combination breaks the separation of supervision from service (S10), or None.
    Supervision records and reports; it never belongs to the service department nor does its
    work."""
    supervision = role == Role.SUPERVISOR or department == Department.SUPERVISION
    if role == Role.SUPERVISOR and department == Department.SERVICE:
        return _("监督员不能属于售后服务部：监督部门独立于服务执行。请将部门设为监督部。")
    if department == Department.SUPERVISION and role in SERVICE_ROLES:
        return _(
            "监督部成员不能担任服务岗位（客服坐席、服务工程师、服务站经理、售后服务部主管）。"
            "请更换角色或部门。"
        )
    if supervision and in_outlet:
        return _("监督部成员不能成为服务网点的员工，也不能承担工单。")
    return None
