"""Reads of supervision data, limited by the user's role (S10: supervision and directors)."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy

from aftersales.accounts import roles
from aftersales.accounts.models import Role, User
from aftersales.network.models import Staff
from aftersales.service.selectors import work_orders_for_user

from .models import (
    Callback,
    CustomerVisit,
    FeedbackForm,
    Grade,
    MysteryInspection,
    MysteryInspector,
    Suggestion,
    SupervisionSettings,
    SurveyAnswer,
    SurveyForm,
    SurveyInvitation,
    SurveyQuestion,
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
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and not user.is_superuser
        and user.role in MYSTERY_ROLES
    )


def may_record_mystery(user: Any) -> bool:
    """Supervisors record inspections; the service director reads them."""
    return sees_mystery_findings(user) and user.role == Role.SUPERVISOR


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
    if not may_record_mystery(user):
        return MysteryInspector.objects.none()
    return MysteryInspector.objects.filter(active=True).only("pk", "alias")


def mystery_inspector_candidates(user: Any) -> QuerySet[User]:
    """The people the head of supervision may post as inspectors: active staff who work in
    the service department as usual (no supervisors, customers or superusers)."""
    if not is_supervision_head(user):
        return User.objects.none()
    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .exclude(role__in=[Role.SUPERVISOR, Role.CUSTOMER])
        .order_by("username")
    )


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


def survey_forms_for_user(user: Any) -> QuerySet[SurveyForm]:
    """Survey forms with their invitations sent and answered (one query)."""
    if not sees_supervision(user):
        return SurveyForm.objects.none()
    return SurveyForm.objects.annotate(
        sent=Count("invitations", distinct=True),
        answered=Count("invitations", filter=Q(invitations__used_at__isnull=False), distinct=True),
        responses_count=Count("responses", distinct=True),
    ).order_by("kind", "code")


GRADE_POINTS = {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1}


def survey_form_results(form: SurveyForm) -> dict[str, Any]:
    """Per question: how many chose each grade; per technician (rating forms): the mean points
    (A = 5 … E = 1) per question. Aggregated in SQL; the caller has checked access."""
    counts: dict[int, dict[str, int]] = {}
    for row in (
        SurveyAnswer.objects.filter(response__form=form)
        .exclude(grade="")
        .values("question_id", "grade")
        .annotate(n=Count("pk"))
    ):
        counts.setdefault(row["question_id"], {})[row["grade"]] = row["n"]
    questions = []
    for question in form.questions.all():
        by_grade = counts.get(question.pk, {})
        total = sum(by_grade.values())
        points = sum(GRADE_POINTS[g] * n for g, n in by_grade.items())
        questions.append(
            {
                "question": question,
                "grades": [by_grade.get(g, 0) for g in GRADE_POINTS],
                "total": total,
                "mean": round(points / total, 2) if total else None,
            }
        )
    technicians: dict[int, dict[str, Any]] = {}
    if form.kind == SurveyForm.Kind.TECHNICIAN:
        rows = (
            SurveyAnswer.objects.filter(response__form=form, technician__isnull=False)
            .exclude(grade="")
            .values("technician_id", "question_id", "grade")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            entry = technicians.setdefault(row["technician_id"], {"sums": {}, "ns": {}})
            entry["sums"][row["question_id"]] = (
                entry["sums"].get(row["question_id"], 0) + GRADE_POINTS[row["grade"]] * row["n"]
            )
            entry["ns"][row["question_id"]] = entry["ns"].get(row["question_id"], 0) + row["n"]
        names = {
            staff.pk: str(staff)
            for staff in Staff.objects.filter(pk__in=technicians).select_related("user")
        }
        grade_questions = [q for q in form.questions.all() if q.kind == SurveyQuestion.Kind.GRADE]
        for pk, entry in technicians.items():
            entry["name"] = names.get(pk, "")
            entry["means"] = [
                round(entry["sums"][q.pk] / entry["ns"][q.pk], 2) if entry["ns"].get(q.pk) else None
                for q in grade_questions
            ]
        return {
            "questions": questions,
            "grade_questions": grade_questions,
            "technicians": sorted(technicians.values(), key=lambda e: e["name"]),
        }
    return {"questions": questions, "grade_questions": [], "technicians": []}


# --- the directors' overview (reports.views.overview): one aggregate query per block ------------


def callback_summary(user: Any, *, start: Any, end: Any, now: Any) -> dict[str, int]:
    """Open callbacks, how many of them are past due, and those done in [start, end) with how
    many were done late."""
    if not sees_supervision(user):
        return {"open": 0, "overdue": 0, "done": 0, "late": 0}
    due, done = Callback.Status.DUE, Callback.Status.DONE
    in_period = Q(status=done, done_at__gte=start, done_at__lt=end)
    totals = callbacks_for_user(user).aggregate(
        open=Count("pk", filter=Q(status=due)),
        overdue=Count("pk", filter=Q(status=due, due_at__lt=now)),
        done=Count("pk", filter=in_period),
        late=Count("pk", filter=in_period & Q(done_at__gt=F("due_at"))),
    )
    return {name: value or 0 for name, value in totals.items()}


# The three items of the feedback form (意见反馈表), in the order the form asks them.
FEEDBACK_ITEMS = (
    ("timeliness", gettext_lazy("服务时效")),
    ("quality", gettext_lazy("维修质量")),
    ("attitude", gettext_lazy("服务态度")),
)


def feedback_grade_counts(user: Any, *, start: Any, end: Any) -> dict[str, list[int]]:
    """Per feedback item, how many counted forms of [start, end) gave A, B, C, D and E."""
    grades = [g for g, _label in Grade.choices]
    if not sees_supervision(user):
        return {item: [0] * len(grades) for item, _label in FEEDBACK_ITEMS}
    totals = (
        feedback_forms_for_user(user)
        .filter(counted=True, created_at__gte=start, created_at__lt=end)
        .aggregate(
            **{
                f"{item}_{g}": Count("pk", filter=Q(**{item: g}))
                for item, _label in FEEDBACK_ITEMS
                for g in grades
            }
        )
    )
    return {item: [totals[f"{item}_{g}"] or 0 for g in grades] for item, _label in FEEDBACK_ITEMS}


def survey_rate_between(user: Any, *, start: Any, end: Any) -> dict[str, Any]:
    """The after-service survey's response rate over the invitations sent in [start, end)."""
    if not sees_supervision(user):
        return {"sent": 0, "answered": 0, "rate": None}
    totals = SurveyInvitation.objects.filter(
        order__in=work_orders_for_user(user).values("pk"), created_at__gte=start, created_at__lt=end
    ).aggregate(sent=Count("pk"), answered=Count("pk", filter=Q(used_at__isnull=False)))
    sent, answered = totals["sent"] or 0, totals["answered"] or 0
    return {
        "sent": sent,
        "answered": answered,
        "rate": round(100 * answered / sent, 1) if sent else None,
    }


def mystery_summary(user: Any, *, start: Any, end: Any) -> dict[str, Any] | None:
    """Inspections dated in [start, end): how many, the mean score out of the checklist, and
    how often each item was met. None for whoever may not see the findings."""
    if not sees_mystery_findings(user):
        return None
    names = [name for name, _label in MysteryInspection.CHECKLIST]
    totals = (
        mystery_inspections_for_user(user)
        .filter(date__gte=start, date__lt=end)
        .aggregate(
            n=Count("pk"),
            mean=Avg("score"),
            **{name: Count("pk", filter=Q(**{name: True})) for name in names},
        )
    )
    n = totals["n"] or 0
    return {
        "count": n,
        "mean": round(totals["mean"], 1) if totals["mean"] is not None else None,
        "out_of": len(names),
        "items": [
            {
                "label": label,
                "met": totals[name] or 0,
                "share": round(100 * (totals[name] or 0) / n) if n else None,
            }
            for name, label in MysteryInspection.CHECKLIST
        ],
    }
