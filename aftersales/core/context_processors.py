from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Menu entries for the workflow pages, by role, and the calendar warning for admins."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from aftersales.accounts.roles import menu_groups

    context: dict[str, Any] = {"nav_items": menu_groups(user)}
    if user.is_superuser or getattr(user, "role", "") == "admin":
        from .calendar import missing_calendar_years

        context["calendar_missing_years"] = missing_calendar_years()
    return context
