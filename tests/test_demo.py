"""`aftersales demo`: a login per role, realistic orders in many states, and idempotent."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from aftersales.accounts.models import Role, User
from aftersales.core.demo import CUSTOMERS, DEMO_PASSWORD, build_demo, login_table
from aftersales.customers.models import Customer
from aftersales.network.models import Staff
from aftersales.service.dispatch import qualification_problems
from aftersales.service.models import Status, WorkOrder
from aftersales.supervision.models import (
    Callback,
    CustomerVisit,
    FeedbackForm,
    MysteryInspection,
    MysteryInspector,
    Suggestion,
    SupervisionSettings,
    SurveyAnswer,
    SurveyForm,
    SurveyInvitation,
    SurveyResponse,
)
from aftersales.supervision.selectors import survey_form_results


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    # The "order closed" hook (callback due) runs on commit, as it does in the real command.
    with django_capture_on_commit_callbacks(execute=True):
        return build_demo()


def test_there_is_one_login_per_role_with_the_shared_password(demo):
    for role in Role.values:
        user = User.objects.get(username=role)
        assert user.role == role
        assert user.check_password(DEMO_PASSWORD)
        assert user.is_staff == (role != Role.CUSTOMER)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()


def test_every_login_starts_on_a_page_it_may_open(demo, client):
    """The printed table sends each role to its own work: the page opens for that login."""
    for row in login_table():
        assert row["start"] != "/", row
        client.force_login(User.objects.get(username=row["username"]))
        assert client.get(row["start"]).status_code == 200, row
    starts = {row["role"]: row["start"] for row in login_table()}
    assert starts["hr"] == "/assessment/" and starts["parts_keeper"] == "/parts/"


def test_the_customer_login_sees_its_own_units_and_orders(demo):
    customer = Customer.objects.get(user__username="customer")
    assert customer.units.count() >= 3
    assert customer.contacts.filter(is_primary=True).exists()
    assert customer.addresses.filter(region__code="110105000000").exists()
    assert WorkOrder.objects.filter(customer=customer).count() >= 5


def test_technicians_and_station_managers_work_in_an_outlet(demo):
    for username in ("technician", "station_manager"):
        staff = Staff.objects.select_related("outlet").get(user__username=username)
        assert staff.outlet is not None and staff.outlet.code == "BJ-CY"
    assert set(Staff.objects.values_list("outlet__code", flat=True)) == {
        "BJ-CY",
        "BJ-HD",
        "SH-PD",
        "GZ-TH",
    }
    assert WorkOrder.objects.filter(technicians__user__username="technician").exists()


def test_orders_cover_the_loop_from_intake_to_callback(demo):
    statuses = set(WorkOrder.objects.values_list("status", flat=True))
    assert {
        Status.RECEIVED,
        Status.RESPONDED,
        Status.DISPATCHED,
        Status.ON_SITE,
        Status.WAITING_PARTS,
        Status.IN_WORKSHOP,
        Status.RESOLVED,
        Status.CONFIRMED,
        Status.CLOSED,
        Status.FOLLOWED_UP,
        Status.CANCELLED,
    } <= statuses
    assert WorkOrder.objects.count() >= 30
    # Every order came through intake, so each starts with its "receive" transition.
    assert not WorkOrder.objects.exclude(transitions__action="receive").exists()
    confirmed = WorkOrder.objects.filter(status=Status.CONFIRMED)
    assert all(o.report.is_signed for o in confirmed)
    assert Callback.objects.filter(status=Callback.Status.DONE).exists()
    closed_on_site = WorkOrder.objects.filter(status=Status.CLOSED, visit_count__gt=0)
    assert closed_on_site.exists()
    assert Callback.objects.filter(order__in=closed_on_site).count() == closed_on_site.count()
    assert set(WorkOrder.objects.values_list("warranty_decision", flat=True)) >= {"free", "paid"}
    assert WorkOrder.objects.filter(duplicate_of__isnull=False).exists()


def test_the_technician_with_an_expired_certificate_is_refused_for_air_conditioning(demo):
    order = WorkOrder.objects.filter(outlet__code="BJ-CY", required_skill__code="AC").first()
    assert order is not None
    lapsed = Staff.objects.get(user__username="tech_bj_li")
    problems = qualification_problems(staff=lapsed, order=order)
    assert any("过期" in p for p in problems)


def test_the_demo_supervisor_heads_supervision_and_records_mystery_inspections(demo):
    head = SupervisionSettings.get().head
    assert head is not None and head.username == "supervisor"
    active = MysteryInspector.objects.filter(active=True).select_related("user")
    assert active.count() >= 1
    # Inspectors keep working in the service department (S10): never supervisors or customers.
    assert all(i.user.department == "service" and i.user.role != Role.SUPERVISOR for i in active)
    inspections = MysteryInspection.objects.all()
    assert inspections.count() >= 2
    assert not inspections.filter(order__isnull=True).exists()
    assert inspections.filter(inspector__isnull=False).exists()
    assert inspections.filter(inspector__isnull=True, recorded_by__username="supervisor").exists()
    assert len(set(inspections.values_list("score", flat=True))) >= 2
    assert inspections.exclude(findings="").count() == inspections.count()
    assert not inspections.filter(order__technicians__user=F("inspector__user")).exists()


def test_the_annual_survey_was_sent_and_answered_by_some_customers(demo):
    annual = SurveyForm.objects.get(code="annual-satisfaction")
    invitations = SurveyInvitation.objects.filter(form=annual)
    responses = SurveyResponse.objects.filter(form=annual)
    assert invitations.count() == len(CUSTOMERS)
    assert 0 < responses.count() < invitations.count()
    assert invitations.filter(used_at__isnull=False).count() == responses.count()
    overall = survey_form_results(annual)["questions"]
    assert all(row["total"] == responses.count() for row in overall if row["question"].required)
    assert len({row["mean"] for row in overall if row["mean"] is not None}) >= 2
    assert SurveyAnswer.objects.filter(response__form=annual).exclude(text="").exists()


def test_closed_orders_have_after_service_surveys_with_technician_ratings(demo):
    surveyed = FeedbackForm.objects.filter(source=FeedbackForm.Source.SURVEY)
    assert surveyed.count() >= 2
    assert surveyed.filter(counted=True).count() == surveyed.count()
    assert not surveyed.exclude(order__closed_at__isnull=False).exists()
    rating = SurveyForm.objects.get(code="technician-rating")
    technicians = survey_form_results(rating)["technicians"]
    assert len(technicians) >= 2
    assert all(None not in t["means"] for t in technicians)
    # The customer login keeps a closed order whose survey is still open (to try the portal).
    assert (
        SurveyInvitation.objects.filter(
            order__customer__user__username="customer",
            order__status=Status.CLOSED,
            used_at__isnull=True,
        )
        .exclude(order__feedback_forms__source=FeedbackForm.Source.SURVEY)
        .exists()
    )


def test_a_visit_is_recorded_a_forum_planned_and_a_paper_suggestion_entered(demo):
    done = CustomerVisit.objects.get(kind=CustomerVisit.Kind.KEY_CUSTOMER)
    assert done.status == CustomerVisit.Status.DONE and done.findings
    assert done.customer is not None and done.customer.is_key_account
    forum = CustomerVisit.objects.get(kind=CustomerVisit.Kind.FORUM)
    assert forum.status == CustomerVisit.Status.PLANNED and forum.attendees
    paper = Suggestion.objects.get(channel=Suggestion.Channel.PAPER)
    assert paper.entered_by is not None and paper.entered_by.username == "supervisor"


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label
        in {
            "accounts",
            "customers",
            "products",
            "network",
            "service",
            "supervision",
            "notifications",
            "core",
        }
    }


def test_running_it_twice_changes_nothing(demo, django_capture_on_commit_callbacks):
    before = _counts()
    assert before["service.WorkOrder"] > 0
    assert before["supervision.MysteryInspection"] > 0 and before["supervision.SurveyResponse"] > 0
    with django_capture_on_commit_callbacks(execute=True):
        again = build_demo()
    assert again.created_orders == 0
    assert _counts() == before


def test_the_command_prints_a_table_of_logins(db):
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    for role in Role.values:
        assert f"\n{role} " in text
    assert DEMO_PASSWORD in text
    assert "/admin/" in text and "/p/" in text


def test_the_command_refuses_to_run_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="PRODUCTION"):
        call_command("demo", stdout=io.StringIO())
    assert not User.objects.filter(username="agent").exists()


def test_the_demo_month_has_verified_forms_and_an_assessment_draft(demo):
    from aftersales.assessment.models import AssessmentResult
    from aftersales.supervision.models import FeedbackForm

    verified = FeedbackForm.objects.filter(counted=True, verified=True).count()
    assert verified >= 1 and FeedbackForm.objects.filter(verified=False).exists()
    drafts = AssessmentResult.objects.filter(status="draft")
    whole = next(r for r in drafts if r.outlet_id is None)
    assert whole.forms_counted == verified and whole.total_points != 0
