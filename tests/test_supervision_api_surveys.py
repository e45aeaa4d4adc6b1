"""The supervision API's survey forms and mystery inspections (/api/v1/supervision/).

Survey forms (S11) with their questions, response counts and results: supervision, the service
director and the administrators read; everyone else gets empty lists and 404. Mystery
inspections (S10): supervisors and the service director only — superusers and the admin role see
nothing — and the inspector appears by alias, never by name. Supervisors record inspections;
the director gets 403, everyone else 404, and bad input 400 with the field, writing nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.api_urls import supervision_router
from aftersales.supervision.models import (
    MysteryInspection,
    SupervisionSettings,
    SurveyAnswer,
    SurveyForm,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from aftersales.supervision.services import (
    mystery_inspection_record,
    mystery_inspector_appoint,
    mystery_inspector_withdraw,
)

from . import factories as f
from .conftest import api_client_for, make_order, user_per_role

BASE = "/api/v1/supervision"
SURVEY_READERS = {Role.SUPERVISOR, Role.SERVICE_DIRECTOR, Role.ADMIN}
MYSTERY_READERS = {Role.SUPERVISOR, Role.SERVICE_DIRECTOR}


def form(code: str) -> SurveyForm:
    return SurveyForm.objects.get(code=code)


def cast(world):
    """Every role, plus a superuser (whose role is admin): the users the tables below try."""
    users: dict[str, object] = dict(user_per_role(world))
    users["superuser"] = f.UserFactory(
        username="root", role=Role.ADMIN, is_staff=True, is_superuser=True
    )
    return users


def answer(survey: SurveyForm, grades: dict[str, str], *, technician=None, text=None):
    """One answer sheet: `grades` maps question text to a grade; `text` answers the text
    questions."""
    response = SurveyResponse.objects.create(form=survey)
    for question in survey.questions.all():
        if question.kind == SurveyQuestion.Kind.GRADE and question.text in grades:
            SurveyAnswer.objects.create(
                response=response,
                question=question,
                technician=technician,
                grade=grades[question.text],
            )
        elif question.kind == SurveyQuestion.Kind.TEXT and text:
            SurveyAnswer.objects.create(response=response, question=question, text=text)
    return response


def invite(survey: SurveyForm, n: int, *, answered: int = 0) -> None:
    now = timezone.now()
    start = SurveyInvitation.objects.count()
    SurveyInvitation.objects.bulk_create(
        SurveyInvitation(
            form=survey,
            token_hash=f"{start + i:064d}",
            expires_at=now + timedelta(days=14),
            used_at=now if i < answered else None,
        )
        for i in range(n)
    )


# --- survey forms -------------------------------------------------------------------------------


def test_supervision_lists_the_survey_forms_with_their_questions_and_counts(world):
    annual = form("annual-satisfaction")
    invite(annual, 4, answered=1)
    # Three sheets against four invitations: the counts must not multiply each other.
    for _ in range(3):
        answer(annual, {"总体满意度": "A"})
    client = api_client_for(world["supervisor"])
    resp = client.get(f"{BASE}/survey-forms/")
    assert resp.status_code == 200, resp.content
    rows = {row["code"]: row for row in resp.json()["results"]}
    assert set(rows) == {"technician-rating", "annual-satisfaction", "opinion-card"}
    row = rows["annual-satisfaction"]
    assert (row["kind"], row["title"], row["active"]) == ("annual", annual.title, True)
    assert (row["sent"], row["answered"], row["responses_count"], row["rate"]) == (4, 1, 3, 25.0)
    assert [(q["text"], q["kind"]) for q in row["questions"]] == [
        ("产品质量", "grade"),
        ("服务及时性", "grade"),
        ("维修质量", "grade"),
        ("服务态度", "grade"),
        ("总体满意度", "grade"),
        ("您对我们的意见和建议", "text"),
    ]
    assert row["questions"][-1]["required"] is False
    card = rows["opinion-card"]
    assert (card["sent"], card["answered"], card["responses_count"], card["rate"]) == (
        0,
        0,
        0,
        None,
    )
    detail = client.get(f"{BASE}/survey-forms/{annual.pk}/")
    assert detail.status_code == 200
    assert detail.json() == row


def test_the_response_rate_is_rounded_to_one_decimal(world):
    annual = form("annual-satisfaction")
    invite(annual, 3, answered=2)
    row = api_client_for(world["supervisor"]).get(f"{BASE}/survey-forms/{annual.pk}/").json()
    assert row["rate"] == 66.7


def test_the_survey_form_list_filters_by_kind_and_active(world):
    SurveyForm.objects.filter(code="opinion-card").update(active=False)
    client = api_client_for(world["supervisor"])

    def codes(**query):
        return [r["code"] for r in client.get(f"{BASE}/survey-forms/", query).json()["results"]]

    assert codes(kind="annual") == ["annual-satisfaction"]
    assert codes(active="false") == ["opinion-card"]
    assert sorted(codes(active="true")) == ["annual-satisfaction", "technician-rating"]
    assert codes(kind="technician", active="false") == []


def test_the_results_count_each_grade_per_question(world):
    card = form("opinion-card")
    for grade in "AAB":
        answer(card, {"总体满意度": grade}, text="希望增加网点")
    answer(card, {"总体满意度": "E"})
    resp = api_client_for(world["supervisor"]).get(f"{BASE}/survey-forms/{card.pk}/results/")
    assert resp.status_code == 200, resp.content
    graded, text = resp.json()["questions"]
    overall = card.questions.get(text="总体满意度")
    assert graded == {
        "id": overall.pk,
        "text": "总体满意度",
        "kind": "grade",
        "grades": {"A": 2, "B": 1, "C": 0, "D": 0, "E": 1},
        "total": 4,
        "mean": round((5 + 5 + 4 + 1) / 4, 2),
    }
    # Text answers are not graded.
    assert (text["kind"], text["total"], text["mean"]) == ("text", 0, None)
    assert text["grades"] == dict.fromkeys("ABCDE", 0)
    assert resp.json()["technicians"] == []


def test_the_rating_results_give_each_technicians_mean_per_question(world):
    rating = form("technician-rating")
    tech, other = world["tech"], world["other_tech"]
    answer(rating, {"服务态度": "A", "技术水平": "B", "到达时间": "A"}, technician=tech)
    answer(rating, {"服务态度": "C", "技术水平": "B", "到达时间": "B"}, technician=tech)
    answer(rating, {"服务态度": "E", "履行承诺": "D"}, technician=other)
    resp = api_client_for(world["director"]).get(f"{BASE}/survey-forms/{rating.pk}/results/")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    ids = {q.text: q.pk for q in rating.questions.all()}
    assert [(q["id"], q["total"]) for q in body["questions"]] == [
        (ids["服务态度"], 3),
        (ids["技术水平"], 2),
        (ids["到达时间"], 2),
        (ids["履行承诺"], 1),
    ]
    assert body["questions"][0]["grades"] == {"A": 1, "B": 0, "C": 1, "D": 0, "E": 1}
    assert body["questions"][0]["mean"] == 3.0
    means = {
        row["name"]: [(m["question"], m["mean"]) for m in row["means"]]
        for row in body["technicians"]
    }
    order = [ids["服务态度"], ids["技术水平"], ids["到达时间"], ids["履行承诺"]]
    assert means == {
        str(tech): list(zip(order, [4.0, 4.0, 4.5, None], strict=True)),
        str(other): list(zip(order, [1.0, None, None, 2.0], strict=True)),
    }
    assert [row["name"] for row in body["technicians"]] == sorted(means)


def test_every_role_against_the_survey_form_reads(world):
    card = form("opinion-card")
    answer(card, {"总体满意度": "A"})
    wrong = []
    for role, user in cast(world).items():
        client = api_client_for(user)
        reads = role in SURVEY_READERS or role == "superuser"
        listed = client.get(f"{BASE}/survey-forms/")
        got = (
            listed.status_code,
            len(listed.json()["results"]),
            client.get(f"{BASE}/survey-forms/{card.pk}/").status_code,
            client.get(f"{BASE}/survey-forms/{card.pk}/results/").status_code,
        )
        expected = (200, 3, 200, 200) if reads else (200, 0, 404, 404)
        if got != expected:
            wrong.append((role, got))
    assert wrong == []


def test_an_unknown_survey_form_is_a_404_like_one_not_yours(world):
    client = api_client_for(world["supervisor"])
    assert client.get(f"{BASE}/survey-forms/99999999/").status_code == 404
    assert client.get(f"{BASE}/survey-forms/99999999/results/").status_code == 404


def test_the_survey_forms_are_read_only_and_send_nothing(world):
    annual = form("annual-satisfaction")
    client = api_client_for(world["supervisor"])
    assert client.post(f"{BASE}/survey-forms/", {"code": "x", "title": "x"}).status_code == 405
    assert client.post(f"{BASE}/survey-forms/{annual.pk}/").status_code == 405
    assert client.post(f"{BASE}/survey-forms/{annual.pk}/results/").status_code == 405
    resp = client.patch(f"{BASE}/survey-forms/{annual.pk}/", {"active": False}, format="json")
    assert resp.status_code == 405
    assert client.delete(f"{BASE}/survey-forms/{annual.pk}/").status_code == 405
    annual.refresh_from_db()
    assert annual.active and not SurveyInvitation.objects.exists()


def test_the_survey_form_list_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for code in ("annual-satisfaction", "opinion-card", "technician-rating"):
        invite(form(code), 5, answered=2)
        for _ in range(3):
            answer(form(code), {"总体满意度": "B", "服务态度": "A"})
    client = api_client_for(world["supervisor"])
    client.get(f"{BASE}/survey-forms/")  # warm the session
    # Session, user, the forms with their counts, their questions.
    with django_assert_max_num_queries(4):
        resp = client.get(f"{BASE}/survey-forms/")
    assert [r["sent"] for r in resp.json()["results"]] == [5, 5, 5]


# --- mystery inspections ------------------------------------------------------------------------


@pytest.fixture
def head(world):
    head = f.UserFactory(username="head", role=Role.SUPERVISOR, department="supervision")
    config = SupervisionSettings.get()
    config.head = head
    config.save()
    return head


@pytest.fixture
def undercover(world):
    """The person posted as an inspector: a technician with a name to look for."""
    return f.StaffFactory(
        user=f.UserFactory(
            username="undercover-wang",
            first_name="秘书",
            last_name="王",
            role=Role.TECHNICIAN,
            mobile="13700001234",
            email="wang.undercover@example.com",
        ),
        outlet=world["outlet"],
    ).user


@pytest.fixture
def inspector(head, undercover):
    return mystery_inspector_appoint(actor=head, user=undercover, alias="MI-07")


@pytest.fixture
def posted(world, order, inspector):
    """One report by the undisclosed inspector and one open inspection by the supervisor."""
    report = mystery_inspection_record(
        actor=world["supervisor"],
        inspector=inspector,
        order=order,
        date=timezone.localdate(),
        checks={"uniform", "apology", "shoe_covers"},
        findings="未铺垫布",
    )
    open_one = mystery_inspection_record(
        actor=world["supervisor"],
        date=timezone.localdate() - timedelta(days=3),
        checks=set(),
        findings="未着装",
    )
    return report, open_one


def traces_of(user) -> list[str]:
    """What would tell who the inspector is."""
    return [user.username, str(user), user.first_name + user.last_name, user.mobile, user.email]


def body_text(resp) -> str:
    return json.dumps(resp.json(), ensure_ascii=False) + resp.content.decode()


FIELDS = {
    "id",
    "date",
    "order",
    "order_number",
    "inspector",
    "recorded_by",
    "uniform",
    "apology",
    "shoe_covers",
    "work_cloth",
    "no_drink",
    "no_cigarette",
    "service_card",
    "score",
    "findings",
    "created_at",
}


def test_supervisors_and_the_director_read_inspections_with_the_alias_only(
    world, order, posted, undercover, head
):
    report, open_one = posted
    for user in (world["supervisor"], world["director"], head):
        client = api_client_for(user)
        resp = client.get(f"{BASE}/mystery-inspections/")
        assert resp.status_code == 200, user
        rows = resp.json()["results"]
        assert [r["id"] for r in rows] == [report.pk, open_one.pk]
        first, second = rows
        assert set(first) == FIELDS
        assert (first["inspector"], first["recorded_by"]) == ("MI-07", "supervisor")
        assert (first["order"], first["order_number"]) == (order.pk, order.number)
        assert (first["score"], first["uniform"], first["work_cloth"]) == (3, True, False)
        assert first["findings"] == "未铺垫布"
        assert (second["inspector"], second["order"], second["order_number"]) == (None, None, None)
        assert second["score"] == 0
        detail = client.get(f"{BASE}/mystery-inspections/{report.pk}/")
        assert detail.status_code == 200
        assert detail.json() == first
        for text in (body_text(resp), body_text(detail)):
            for trace in traces_of(undercover):
                assert trace not in text, (user, trace)


def test_every_role_against_the_mystery_reads(world, posted):
    report, _open_one = posted
    wrong = []
    for role, user in cast(world).items():
        client = api_client_for(user)
        listed = client.get(f"{BASE}/mystery-inspections/")
        got = (
            listed.status_code,
            len(listed.json()["results"]),
            client.get(f"{BASE}/mystery-inspections/{report.pk}/").status_code,
        )
        expected = (200, 2, 200) if role in MYSTERY_READERS else (200, 0, 404)
        if got != expected:
            wrong.append((role, got))
    assert wrong == []


def test_a_supervisor_records_an_undisclosed_inspectors_report_by_alias(
    world, order, inspector, undercover
):
    today = timezone.localdate()
    resp = api_client_for(world["supervisor"]).post(
        f"{BASE}/mystery-inspections/",
        {
            "date": today.isoformat(),
            "order": f" {order.number} ",
            "inspector": "MI-07",
            "checks": ["uniform", "no_drink"],
            "findings": "  未穿鞋套  ",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert set(body) == FIELDS
    assert (body["inspector"], body["recorded_by"], body["order_number"]) == (
        "MI-07",
        "supervisor",
        order.number,
    )
    assert (body["score"], body["uniform"], body["no_drink"], body["apology"]) == (
        2,
        True,
        True,
        False,
    )
    assert body["date"] == today.isoformat() and body["findings"] == "未穿鞋套"
    for trace in traces_of(undercover):
        assert trace not in body_text(resp), trace
    row = MysteryInspection.objects.get(pk=body["id"])
    assert (row.inspector, row.order, row.recorded_by) == (inspector, order, world["supervisor"])


def test_an_open_inspection_needs_no_inspector_nor_order(world):
    resp = api_client_for(world["supervisor"]).post(
        f"{BASE}/mystery-inspections/",
        {"date": timezone.localdate().isoformat()},
        format="json",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["inspector"], body["order"], body["score"]) == (None, None, 0)
    row = MysteryInspection.objects.get()
    assert row.inspector is None and row.recorded_by == world["supervisor"]


def test_an_unknown_order_is_a_400_on_the_order_and_writes_nothing(world, inspector):
    resp = api_client_for(world["supervisor"]).post(
        f"{BASE}/mystery-inspections/",
        {"date": timezone.localdate().isoformat(), "order": "WO-1999-000001", "inspector": "MI-07"},
        format="json",
    )
    assert resp.status_code == 400, resp.content
    assert resp.json()["code"] == "invalid"
    assert list(resp.json()["errors"]) == ["order"]
    assert "WO-1999-000001" in resp.json()["errors"]["order"]
    assert not MysteryInspection.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inspector": "MI-99"}, "inspector"),
        ({"inspector": "withdrawn"}, "inspector"),
        ({"date": ""}, "date"),
        ({"date": "not a date"}, "date"),
        ({"date": "future"}, "date"),
        ({"checks": "uniform"}, "checks"),
    ],
)
def test_bad_inspection_input_is_a_400_with_the_field_and_writes_nothing(
    world, order, head, inspector, change, field
):
    body = {
        "date": timezone.localdate().isoformat(),
        "order": order.number,
        "checks": ["uniform"],
        **change,
    }
    if body.get("inspector") == "withdrawn":
        mystery_inspector_withdraw(actor=head, inspector=inspector)
        body["inspector"] = "MI-07"
    if body["date"] == "future":
        body["date"] = (timezone.localdate() + timedelta(days=1)).isoformat()
    resp = api_client_for(world["supervisor"]).post(
        f"{BASE}/mystery-inspections/", body, format="json"
    )
    assert resp.status_code == 400, resp.content
    assert field in resp.json()["errors"]
    assert not MysteryInspection.objects.exists()


def test_an_unknown_check_item_is_a_400_and_writes_nothing(world):
    resp = api_client_for(world["supervisor"]).post(
        f"{BASE}/mystery-inspections/",
        {"date": timezone.localdate().isoformat(), "checks": ["uniform", "beer"]},
        format="json",
    )
    assert resp.status_code == 400, resp.content
    assert resp.json()["code"] == "invalid" and "beer" in resp.json()["detail"]
    assert not MysteryInspection.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [{}, {"inspector": "MI-07"}, {"order": "WO-1999-000001"}, {"inspector": "MI-99"}],
)
def test_the_director_reads_but_recording_is_a_403(world, posted, extra):
    before = MysteryInspection.objects.count()
    resp = api_client_for(world["director"]).post(
        f"{BASE}/mystery-inspections/",
        {"date": timezone.localdate().isoformat(), "checks": ["uniform"], **extra},
        format="json",
    )
    assert resp.status_code == 403, resp.content
    assert resp.json()["code"] == "permission_denied"
    assert MysteryInspection.objects.count() == before


def test_every_role_against_recording_an_inspection(world, inspector):
    order = make_order(world)
    body = {
        "date": timezone.localdate().isoformat(),
        "order": order.number,
        "inspector": "MI-07",
        "checks": ["uniform"],
    }
    wrong = []
    for role, user in cast(world).items():
        with transaction.atomic():
            resp = api_client_for(user).post(f"{BASE}/mystery-inspections/", body, format="json")
            transaction.set_rollback(True)
        expected = {Role.SUPERVISOR: 201, Role.SERVICE_DIRECTOR: 403}.get(role, 404)
        if resp.status_code != expected:
            wrong.append((role, resp.status_code, resp.content[:200]))
    assert wrong == []
    assert not MysteryInspection.objects.exists()


def test_anonymous_requests_are_refused(posted):
    report, _open_one = posted
    client = api_client_for(None)
    for path in (
        "survey-forms/",
        f"survey-forms/{form('opinion-card').pk}/results/",
        "mystery-inspections/",
        f"mystery-inspections/{report.pk}/",
    ):
        assert client.get(f"{BASE}/{path}").status_code in (401, 403), path
    resp = client.post(
        f"{BASE}/mystery-inspections/", {"date": timezone.localdate().isoformat()}, format="json"
    )
    assert resp.status_code in (401, 403)
    assert MysteryInspection.objects.count() == 2


def test_inspections_are_neither_changed_nor_deleted_over_the_api(world, posted):
    report, _open_one = posted
    client = api_client_for(world["supervisor"])
    url = f"{BASE}/mystery-inspections/{report.pk}/"
    assert client.patch(url, {"findings": "改"}, format="json").status_code == 405
    assert client.put(url, {"findings": "改"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405
    report.refresh_from_db()
    assert report.findings == "未铺垫布"


def test_the_inspection_list_runs_a_fixed_number_of_queries(
    world, inspector, django_assert_max_num_queries
):
    for i in range(6):
        mystery_inspection_record(
            actor=world["supervisor"],
            inspector=inspector if i % 2 else None,
            order=make_order(world),
            date=timezone.localdate(),
            checks={"uniform"},
        )
    client = api_client_for(world["director"])
    client.get(f"{BASE}/mystery-inspections/")  # warm the session
    # Session, user, the inspections joined to their inspector, recorder and order.
    with django_assert_max_num_queries(3):
        resp = client.get(f"{BASE}/mystery-inspections/")
    assert len(resp.json()["results"]) == 6


# --- the routes and the schema ------------------------------------------------------------------


def test_these_tables_cover_the_survey_form_and_mystery_routes():
    """A new action on these two viewsets must join the tables above."""
    registry = {prefix: viewset for prefix, viewset, _basename in supervision_router.registry}
    # `send` is a write: in the role table of tests/test_supervision_api_write.py.
    assert sorted(a.url_path for a in registry["survey-forms"].get_extra_actions()) == [
        "results",
        "send",
    ]
    assert registry["mystery-inspections"].get_extra_actions() == []
    assert not hasattr(registry["survey-forms"], "create")
    assert hasattr(registry["mystery-inspections"], "create")


@pytest.mark.django_db
def test_the_schema_describes_the_new_endpoints_without_the_inspectors_person(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/supervision/survey-forms/",
        "/api/v1/supervision/survey-forms/{id}/",
        "/api/v1/supervision/survey-forms/{id}/results/",
        "/api/v1/supervision/mystery-inspections/",
        "/api/v1/supervision/mystery-inspections/{id}/",
    ):
        assert path in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/supervision/mystery-inspections/"]
    assert "post" not in schema["paths"]["/api/v1/supervision/survey-forms/{id}/results/"]
    components = schema["components"]["schemas"]
    assert set(components["MysteryInspection"]["properties"]) == FIELDS


def test_sending_a_campaign_over_the_api_answers_202_with_the_job(
    world, django_capture_on_commit_callbacks
):
    form = SurveyForm.objects.get(code="annual-satisfaction")
    client = api_client_for(world["supervisor"])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/api/v1/supervision/survey-forms/{form.pk}/send/")
    assert resp.status_code == 202, resp.content
    job = resp.json()
    assert resp["Location"] == f"/api/v1/jobs/{job['id']}/" and job["kind"] == "survey_campaign"
    # The job ran on commit (immediate Huey): its state says so.
    state = client.get(resp["Location"]).json()
    assert (
        state["status"] == "done" and state["percent"] == 100 and "发送调查邀请" in state["summary"]
    )
    # A technician rating is asked with every survey, never sent on its own.
    rating = SurveyForm.objects.get(code="technician-rating")
    refused = client.post(f"/api/v1/supervision/survey-forms/{rating.pk}/send/")
    assert refused.status_code == 400 and "年度调查或意见卡" in refused.json()["detail"]
