"""Who may be sent to an order (S5): the covering outlet's technicians with the needed skill and
a valid certificate for it. Supervision staff are never assigned work (S10 separation)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import Department, Role
from aftersales.network.models import Staff

from .models import WorkOrder


def qualification_problems(*, staff: Staff, order: WorkOrder) -> list[str]:
    """Reasons this person cannot take the order; empty when they can. Uses prefetched skills and
    certificates when present."""
    problems: list[str] = []
    user = staff.user
    if user.department == Department.SUPERVISION or user.role == Role.SUPERVISOR:
        problems.append(_("%(name)s 属于监督部门，不能承担工单") % {"name": user})
        return problems
    if user.role != Role.TECHNICIAN:
        problems.append(_("%(name)s 不是服务工程师") % {"name": user})
    if not staff.is_active or not user.is_active:
        problems.append(_("%(name)s 不在岗") % {"name": user})
    skill = order.required_skill
    if skill is not None:
        if all(s.pk != skill.pk for s in staff.skills.all()):
            problems.append(
                _("%(name)s 不具备“%(skill)s”技能") % {"name": user, "skill": skill.name}
            )
        else:
            today = timezone.localdate()
            certs = [c for c in staff.certificates.all() if c.skill_id == skill.pk]
            if not certs:
                problems.append(
                    _("%(name)s 没有“%(skill)s”上岗证") % {"name": user, "skill": skill.name}
                )
            elif all(c.valid_until < today for c in certs):
                latest = max(c.valid_until for c in certs)
                problems.append(
                    _("%(name)s 的“%(skill)s”上岗证已于 %(date)s 过期")
                    % {"name": user, "skill": skill.name, "date": latest}
                )
    if order.outlet_id and staff.outlet_id != order.outlet_id:
        problems.append(_("%(name)s 不属于负责网点") % {"name": user})
    return problems
