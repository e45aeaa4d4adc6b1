"""Reads of supervision data, limited by the user's role (S10: supervision and directors)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.service.selectors import work_orders_for_user

from .models import (
    Callback,
    CustomerVisit,
    FeedbackForm,
    MysteryInspection,
    MysteryInspector,
    Suggestion,
    SupervisionSettings,
    SurveyInvitation,
)


def sees_supervision(user: Any) -> bool:
    return roles.has_role(user, Role.SUPERVISOR, Role.SERVICE_DIRECTOR, Role.ADMIN)


def callbacks_for_user(user: Any) -> QuerySet[Callback]:
    """Callbacks of the orders the user may see (the order selector decides)."""
    if not sees_supervision(user):
        return Callback.objects.none()
    return Callback.objects.filter(order__in=work_orders_for_user(user).values("pk"))


def feedback_forms_for_user(user: Any) -> QuerySet[FeedbackForm]:
    if not sees_supervision(user):
        return FeedbackForm.objects.none()
    return FeedbackForm.objects.filter(order__in=work_orders_for_user(user).values("pk"))


# Mystery inspection is the one place where a superuser or the admin role sees nothing: the
# findings are for supervision and the directors, the inspectors' names for the head alone (S10).
MYSTERY_ROLES = frozenset({Role.SUPERVISOR, Role.SERVICE_DIRECTOR})


def sees_mystery_findings(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in MYSTERY_ROLES)


def is_supervision_head(user: Any) -> bool:
    if not (user and user.is_authenticated and user.is_active and user.role == Role.SUPERVISOR):
        return False
    return SupervisionSettings.get().head_id == user.pk


def mystery_inspections_for_user(user: Any) -> QuerySet[MysteryInspection]:
    """Findings are for supervision and the directors only (S10)."""
    if not sees_mystery_findings(user):
        return MysteryInspection.objects.none()
    return MysteryInspection.objects.all()


def mystery_inspectors_for_user(user: Any) -> QuerySet[MysteryInspector]:
    """Who the undisclosed inspectors are: the head of supervision alone."""
    if not is_supervision_head(user):
        return MysteryInspector.objects.none()
    return MysteryInspector.objects.all()


def mystery_inspector_aliases_for_user(user: Any) -> QuerySet[MysteryInspector]:
    """The active inspectors' aliases, for supervisors recording a report (no names)."""
    if not (sees_mystery_findings(user) and user.role == Role.SUPERVISOR):
        return MysteryInspector.objects.none()
    return MysteryInspector.objects.filter(active=True).only("pk", "alias")


def survey_response_rate(user: Any) -> dict[str, Any]:
    """Answered / sent over the invitations of the orders the user may see (one SQL query)."""
    if not sees_supervision(user):
        return {"sent": 0, "answered": 0, "rate": None}
    totals = SurveyInvitation.objects.filter(
        order__in=work_orders_for_user(user).values("pk")
    ).aggregate(sent=Count("pk"), answered=Count("pk", filter=Q(used_at__isnull=False)))
    sent, answered = totals["sent"] or 0, totals["answered"] or 0
    return {
        "sent": sent,
        "answered": answered,
        "rate": round(100 * answered / sent, 1) if sent else None,
    }


def visits_for_user(user: Any) -> QuerySet[CustomerVisit]:
    if not sees_supervision(user):
        return CustomerVisit.objects.none()
    return CustomerVisit.objects.all()


def suggestions_for_user(user: Any) -> QuerySet[Suggestion]:
    if not sees_supervision(user):
        return Suggestion.objects.none()
    return Suggestion.objects.all()
