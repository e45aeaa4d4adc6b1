"""Role predicates. Every access rule is built from these, in the selectors of each app."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Role

BACK_OFFICE = {
    Role.AGENT,
    Role.TECHNICIAN,
    Role.STATION_MANAGER,
    Role.SERVICE_DIRECTOR,
    Role.SUPERVISOR,
    Role.QUALITY_ENGINEER,
    Role.PARTS_KEEPER,
    Role.FINANCE,
    Role.HR,
    Role.ADMIN,
}
# Roles that see every order of the company (not limited to an outlet or to their own jobs).
COMPANY_WIDE = {
    Role.AGENT,
    Role.SERVICE_DIRECTOR,
    Role.SUPERVISOR,
    Role.QUALITY_ENGINEER,
    Role.FINANCE,
    Role.ADMIN,
}


def has_role(user: Any, *roles: str) -> bool:
    # A deactivated account holds no role: a request cannot come from one, but a background
    # job started before the account was closed still runs as it.
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in roles)
    )


def is_admin(user: Any) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))


def is_customer(user: Any) -> bool:
    return bool(
        user and user.is_authenticated and not user.is_superuser and user.role == Role.CUSTOMER
    )


def is_technician(user: Any) -> bool:
    return bool(
        user and user.is_authenticated and not user.is_superuser and user.role == Role.TECHNICIAN
    )


def is_station_manager(user: Any) -> bool:
    return bool(
        user
        and user.is_authenticated
        and not user.is_superuser
        and user.role == Role.STATION_MANAGER
    )


def sees_company_wide(user: Any) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in COMPANY_WIDE))


def can_take_intake(user: Any) -> bool:
    return has_role(user, Role.AGENT, Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN)


def can_dispatch(user: Any) -> bool:
    return has_role(user, Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN)


def can_edit_master_data(user: Any) -> bool:
    return has_role(user, Role.ADMIN, Role.SERVICE_DIRECTOR)


def sees_personal_data(user: Any) -> bool:
    """PIPL: who may see full mobile numbers and addresses (others see 138****5678). The
    supervision department calls every customer back, so it needs the number."""
    return has_role(
        user,
        Role.SUPERVISOR,
        Role.AGENT,
        Role.TECHNICIAN,
        Role.STATION_MANAGER,
        Role.SERVICE_DIRECTOR,
        Role.ADMIN,
        Role.CUSTOMER,
    )


# The top bar's drop-downs: which entries (by URL name) sit under which heading. Everything
# else is a top-level link; a heading with one entry for this user shows that entry alone.
MENU_GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (
        _("统计与考核"),
        (
            "reports:dashboard",
            "assessment:home",
            "assessment:pay",
            "evaluation:project_list",
            "certification:list",
        ),
    ),
    (
        _("监督"),
        (
            "reports:overview",
            "supervision:callback_list",
            "supervision:visit_list",
            "supervision:suggestion_list",
            "supervision:survey_list",
            "supervision:mystery_list",
        ),
    ),
    (_("备件与质量"), ("parts:home", "quality:home", "quality:costs")),
    (pgettext_lazy("menu heading", "投诉"), ("complaints:ledger", "complaints:penalties")),
)


def menu_groups(user: Any) -> list[dict[str, Any]]:
    """The menu as the top bar shows it: links and headings with their links, in the order of
    `menu_for` (a heading stands where its first entry would)."""
    group_of = {name: index for index, (_label, names) in enumerate(MENU_GROUPS) for name in names}
    entries: list[dict[str, Any]] = []
    placed: dict[int, dict[str, Any]] = {}
    for item in menu_for(user):
        index = group_of.get(item["name"])
        if index is None:
            entries.append({"label": item["label"], "url": item["url"]})
            continue
        if index not in placed:
            placed[index] = {"label": str(MENU_GROUPS[index][0]), "entries": []}
            entries.append(placed[index])
        placed[index]["entries"].append(item)
    # A heading over a single entry is only a detour. ("entries", not "items": a template
    # would read `item.items` as the dict's method.)
    return [e["entries"][0] if "entries" in e and len(e["entries"]) == 1 else e for e in entries]


def menu_for(user: Any) -> list[dict[str, str]]:
    oversees = has_role(user, Role.SUPERVISOR, Role.SERVICE_DIRECTOR, Role.ADMIN)
    items: list[tuple[Any, str, bool]] = [
        (_("工单"), "service:order_list", not is_customer(user)),
        (_("热线登记"), "service:intake", can_take_intake(user)),
        (_("派工台"), "service:dispatch_board", can_dispatch(user)),
        (_("我的任务"), "field:my_jobs", is_technician(user)),
        (
            _("统计分析"),
            "reports:dashboard",
            # A station manager sees their own station's figures there.
            has_role(
                user,
                Role.SERVICE_DIRECTOR,
                Role.SUPERVISOR,
                Role.QUALITY_ENGINEER,
                Role.STATION_MANAGER,
                Role.ADMIN,
            ),
        ),
        (
            _("月度考核"),
            "assessment:home",
            has_role(user, Role.SERVICE_DIRECTOR, Role.HR, Role.ADMIN),
        ),
        (
            _("绩效薪酬"),
            "assessment:pay",
            has_role(user, Role.SERVICE_DIRECTOR, Role.HR, Role.ADMIN),
        ),
        (
            _("服务质量评价"),
            "evaluation:project_list",
            has_role(
                user, Role.SERVICE_DIRECTOR, Role.QUALITY_ENGINEER, Role.SUPERVISOR, Role.ADMIN
            ),
        ),
        (
            _("认证自评"),
            "certification:list",
            has_role(
                user, Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.QUALITY_ENGINEER, Role.ADMIN
            ),
        ),
        (_("监督总览"), "reports:overview", oversees),
        (_("回访"), "supervision:callback_list", oversees),
        (_("客户走访"), "supervision:visit_list", oversees),
        (_("意见箱"), "supervision:suggestion_list", oversees),
        (_("满意度调查"), "supervision:survey_list", oversees),
        (
            _("秘密监察"),
            "supervision:mystery_list",
            # Not the admin role, not a superuser: findings are for supervision and directors.
            bool(user.is_authenticated and user.role in (Role.SUPERVISOR, Role.SERVICE_DIRECTOR)),
        ),
        (
            _("备件"),
            "parts:home",
            has_role(
                user, Role.PARTS_KEEPER, Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN
            ),
        ),
        (
            _("责任裁定与索赔"),
            "quality:home",
            has_role(user, Role.QUALITY_ENGINEER, Role.SERVICE_DIRECTOR, Role.ADMIN),
        ),
        (
            _("工单成本"),
            "quality:costs",
            has_role(user, Role.FINANCE, Role.SERVICE_DIRECTOR, Role.ADMIN),
        ),
        (
            _("客户投诉"),
            "complaints:ledger",
            has_role(
                user,
                Role.AGENT,
                Role.QUALITY_ENGINEER,
                Role.SERVICE_DIRECTOR,
                Role.SUPERVISOR,
                Role.ADMIN,
            ),
        ),
        (
            _("处罚执行"),
            "complaints:penalties",
            has_role(user, Role.HR, Role.SERVICE_DIRECTOR, Role.ADMIN),
        ),
        (_("我的设备与报修"), "portal:home", is_customer(user)),
        (_("后台管理"), "admin:index", user.is_staff),
    ]
    menu = []
    for label, name, ok in items:
        if not ok:
            continue
        try:
            menu.append({"label": str(label), "url": reverse(name), "name": name})
        except NoReverseMatch:
            continue  # an app that is not installed in this deployment
    return menu
