"""GB/T 27922 self-assessment (S15): the seeded tree, measures against real records, the
services (all or none, frozen after finish, corrections), the pages for the right roles (404 for
the others), evidence uploads, the readiness report PDF, the API, the command and the demo."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.certification import measures, services
from aftersales.certification.demo import demo_data
from aftersales.certification.models import (
    Adjustment,
    Answer,
    Evidence,
    Item,
    LevelSettings,
    SelfAssessment,
)
from aftersales.certification.seed import seed_certification_defaults
from aftersales.complaints.models import Complaint, ComplaintLevel
from aftersales.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aftersales.supervision.models import SurveyForm, SurveyResponse

from . import factories as f
from .conftest import api_client_for, client_for, user_per_role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%evidence\n"

READERS = {Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.ADMIN, Role.QUALITY_ENGINEER}


@pytest.fixture
def cast(world):
    return user_per_role(world)


@pytest.fixture
def director(world):
    return world["director"]


def new(director, **kw) -> SelfAssessment:
    return services.assessment_create(actor=director, title=kw.pop("title", "2026 自评"), **kw)


def answer(assessment: SelfAssessment, code: str) -> Answer:
    return Answer.objects.select_related("item").get(assessment=assessment, item__code=code)


def answer_everything(assessment: SelfAssessment, actor, *, met: bool = True) -> None:
    changes = []
    for a in Answer.objects.filter(assessment=assessment).select_related("item"):
        if a.item.kind == "qualitative":
            changes.append(services.AnswerChange(code=a.item.code, met=met))
        else:
            changes.append(
                services.AnswerChange(code=a.item.code, sampled=4, conforming=4 if met else 0)
            )
    services.answers_save(assessment=assessment, actor=actor, changes=changes)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- the seeded tree ----------------------------------------------------------------------------


def test_the_tree_holds_the_standards_three_categories_and_fifteen_indicators(db):
    items = Item.objects.select_related("clause__category")
    categories = {i.clause.category.title for i in items}
    clauses = {i.clause.title for i in items}
    assert len(clauses) == 15
    assert categories == {"售后服务体系", "商品服务", "顾客服务"}
    assert {"组织架构", "人员配置", "资源配置", "规范要求", "监督", "改进", "服务文化"} <= clauses
    assert {"商品信息", "技术支持", "配送与安装", "维修", "质量保证", "废弃商品回收"} <= clauses
    assert {"顾客关系", "投诉处理"} <= clauses
    assert all(i.points_are_default for i in items)


def test_the_seed_carries_the_standards_text_for_staffing(db):
    item = Item.objects.get(code="1.2.2")
    assert "按服务管理人员总数的10%配置售后服务管理师" in item.requirement
    assert item.measure == "service_manager_ratio"


def test_seeding_again_keeps_an_administrators_edits(db):
    item = Item.objects.get(code="1.1.1")
    item.points, item.points_are_default = Decimal("7.5"), False
    item.save()
    count = Item.objects.count()
    seed_certification_defaults()
    item.refresh_from_db()
    assert (item.points, item.points_are_default) == (Decimal("7.5"), False)
    assert Item.objects.count() == count


# --- measures -----------------------------------------------------------------------------------


def test_outlet_coverage_counts_regions_with_units_and_which_an_outlet_covers(world):
    today = timezone.localdate()
    first = measures.outlet_coverage(today)
    assert (first.sampled, first.conforming) == (1, 1)  # both units in Chaoyang, covered
    f.UnitFactory(site_region=f.region("310115000000"))  # Pudong: nobody covers it
    f.UnitFactory(site_region=f.region("110108000000"))  # Haidian: the second outlet
    second = measures.outlet_coverage(today)
    assert (second.sampled, second.conforming) == (3, 2)
    assert "3" in second.explanation and "2" in second.explanation


def test_an_outlet_covering_a_city_covers_its_districts(world):
    f.UnitFactory(site_region=f.region("110101000000"))  # Dongcheng
    before = measures.outlet_coverage(timezone.localdate())
    f.OutletFactory(code="BJ", regions=[f.region("110100000000")])
    after = measures.outlet_coverage(timezone.localdate())
    assert after.conforming == before.conforming + 1


def test_a_closed_outlet_covers_nothing(world):
    world["outlet"].is_active = False
    world["outlet"].save()
    m = measures.outlet_coverage(timezone.localdate())
    assert (m.sampled, m.conforming) == (1, 0)


def test_certified_staff_counts_technicians_with_a_valid_certificate(world):
    today = timezone.localdate()
    assert (
        measures.certified_staff(today).sampled,
        measures.certified_staff(today).conforming,
    ) == (
        2,
        2,
    )
    f.StaffFactory(outlet=world["outlet"])  # a technician without a certificate
    expired = f.StaffFactory(outlet=world["outlet"])
    f.certify(expired, world["skill"], valid_until=today - timedelta(days=1))
    m = measures.certified_staff(today)
    assert (m.sampled, m.conforming) == (4, 2)


def test_service_managers_need_one_certified_manager_per_ten(world):
    today = timezone.localdate()
    m = measures.service_manager_ratio(today)  # the director and one station manager
    assert m.met is False
    assert "2" in m.explanation
    world["manager"].is_service_manager_certified = True
    world["manager"].save()
    assert measures.service_manager_ratio(today).met is True


def test_training_records_are_certificates_issued_in_the_last_twelve_months(world):
    today = timezone.localdate()
    assert measures.training_records(today).conforming == 0  # issued 2024-01-01
    cert = world["tech"].certificates.first()
    cert.issued_on = today - timedelta(days=30)
    cert.save()
    m = measures.training_records(today)
    assert (m.sampled, m.conforming) == (2, 1)


def _complaint(world, n: int, *, received, deadline, closed=None) -> Complaint:
    return Complaint.objects.create(
        number=f"CP-T-{n}",
        type="service",
        level=ComplaintLevel.objects.order_by("order").first(),
        channel="hotline",
        complainant="张先生",
        description="上门不及时",
        received_at=received,
        deadline=deadline,
        closed_at=closed,
        recorded_by=world["agent"],
    )


def test_complaints_on_time_judges_closed_and_overdue_complaints(world):
    now = timezone.now()
    day = timedelta(days=1)
    _complaint(world, 1, received=now - 10 * day, deadline=now - 8 * day, closed=now - 9 * day)
    _complaint(world, 2, received=now - 10 * day, deadline=now - 8 * day, closed=now - 7 * day)
    _complaint(world, 3, received=now - 10 * day, deadline=now - 8 * day)  # open, overdue
    _complaint(world, 4, received=now - day, deadline=now + day)  # open, not yet due
    _complaint(world, 5, received=now - 400 * day, deadline=now - 399 * day, closed=now)
    m = measures.complaints_on_time(timezone.localdate())
    assert (m.sampled, m.conforming) == (3, 1)


def test_satisfaction_surveys_are_in_use_when_answers_came_back(world):
    today = timezone.localdate()
    assert measures.satisfaction_surveys(today).met is False
    form = SurveyForm.objects.create(code="annual-t", title="年度满意度调查", kind="annual")
    SurveyResponse.objects.create(form=form, customer=world["customer"])
    assert measures.satisfaction_surveys(today).met is True


# --- services -----------------------------------------------------------------------------------


def test_a_new_assessment_answers_the_measured_items_from_the_system(world, director):
    a = new(director)
    assert a.answers.count() == Item.objects.filter(is_active=True).count()
    coverage = answer(a, "1.1.2")
    assert (coverage.sampled, coverage.conforming, coverage.source) == (1, 1, "measured")
    assert "销售区域" in coverage.measured_explanation
    managers = answer(a, "1.2.2")
    assert (managers.met, managers.source) == (False, "measured")
    complaints = answer(a, "3.2.2")  # no complaint yet: left to the assessor
    assert (complaints.sampled, complaints.source) == (None, "")
    assert answer(a, "1.1.1").source == ""


def test_only_writers_create_assessments(cast):
    for role in (Role.QUALITY_ENGINEER, Role.AGENT, Role.STATION_MANAGER, Role.HR):
        with pytest.raises(PermissionDenied):
            services.assessment_create(actor=cast[role], title="x")
    assert not SelfAssessment.objects.exists()


def test_answers_score_all_or_nothing_and_in_proportion(world, director):
    a = new(director, prefill=False)
    services.answers_save(
        assessment=a,
        actor=director,
        changes=[
            services.AnswerChange(code="1.1.1", met=True, note="有部门职责说明书"),
            services.AnswerChange(code="1.3.3", sampled=4, conforming=3),
        ],
    )
    assert answer(a, "1.1.1").source == "assessor"
    view = services.selectors.overview(a)
    earned = {r.code: r.earned for r in view.result.items}
    assert earned["1.1.1"] == 4  # default points 4, met: all of them
    assert earned["1.3.3"] == 3  # 4 points × 3/4
    assert view.result.earned == 7


def test_a_bad_answer_changes_nothing(world, director):
    a = new(director, prefill=False)
    with pytest.raises(ValidationFailed) as exc:
        services.answers_save(
            assessment=a,
            actor=director,
            changes=[
                services.AnswerChange(code="1.1.1", met=True),
                services.AnswerChange(code="1.3.3", sampled=2, conforming=3),
            ],
        )
    assert "1.3.3" in str(exc.value.message)
    assert "不能大于抽样数" in str(exc.value.message)
    assert answer(a, "1.1.1").met is None


def test_nothing_sampled_counts_as_not_assessed(world, director):
    a = new(director, prefill=False)
    services.answers_save(
        assessment=a,
        actor=director,
        changes=[services.AnswerChange(code="1.3.3", sampled=0, conforming=0)],
    )
    got = answer(a, "1.3.3")
    assert (got.sampled, got.conforming, got.source) == (None, None, "")


def test_a_non_applicable_item_leaves_the_score_and_its_denominator(world, director):
    a = new(director, prefill=False)
    answer_everything(a, director, met=True)
    services.answers_save(
        assessment=a, actor=director, changes=[services.AnswerChange(code="1.1.1", met=False)]
    )
    before = services.selectors.overview(a).result
    assert before.score < 100
    services.answers_save(
        assessment=a,
        actor=director,
        changes=[services.AnswerChange(code="1.1.1", applicable=False)],
    )
    after = services.selectors.overview(a).result
    assert after.score == Decimal("100.00")
    assert after.applicable_points == before.applicable_points - 4


def test_saving_an_unchanged_answer_keeps_who_answered_it(world, director, cast):
    a = new(director, prefill=False)
    services.answers_save(
        assessment=a, actor=director, changes=[services.AnswerChange(code="1.1.1", met=True)]
    )
    services.answers_save(
        assessment=a,
        actor=cast[Role.SUPERVISOR],
        changes=[
            services.AnswerChange(code="1.1.1", met=True),
            services.AnswerChange(code="1.1.2", sampled=3, conforming=3),
        ],
    )
    assert answer(a, "1.1.1").answered_by == director
    assert answer(a, "1.1.2").answered_by == cast[Role.SUPERVISOR]


def test_use_measured_takes_the_systems_figure(world, director):
    a = new(director, prefill=False)
    services.answers_save(
        assessment=a,
        actor=director,
        changes=[services.AnswerChange(code="1.2.1", use_measured=True)],
    )
    got = answer(a, "1.2.1")
    assert (got.sampled, got.conforming, got.source) == (2, 2, "measured")
    with pytest.raises(ValidationFailed):
        services.answers_save(
            assessment=a,
            actor=director,
            changes=[services.AnswerChange(code="1.1.1", use_measured=True)],
        )


def test_a_quality_engineer_reads_but_does_not_write(cast, director):
    a = new(director)
    with pytest.raises(PermissionDenied):
        services.answers_save(
            assessment=a,
            actor=cast[Role.QUALITY_ENGINEER],
            changes=[services.AnswerChange(code="1.1.1", met=True)],
        )
    assert answer(a, "1.1.1").met is None


def test_finishing_is_refused_while_items_are_unassessed(world, director):
    a = new(director)
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_finish(assessment=a, actor=director)
    assert "未评" in str(exc.value.message)
    a.refresh_from_db()
    assert a.status == SelfAssessment.Status.DRAFT


def test_a_finished_assessment_is_frozen(world, director):
    a = new(director, prefill=False)
    answer_everything(a, director)
    services.adjustment_add(assessment=a, actor=director, kind="deduction", reason="媒体曝光")
    a = services.assessment_finish(assessment=a, actor=director)
    assert (a.status, a.score, a.level) == ("finished", Decimal("99.00"), "five")
    assert a.thresholds["passing"] == "70.00"
    with pytest.raises(InvalidTransition):
        services.answers_save(
            assessment=a, actor=director, changes=[services.AnswerChange(code="1.1.1", met=False)]
        )
    with pytest.raises(InvalidTransition):
        services.adjustment_add(assessment=a, actor=director, kind="bonus", reason="获奖")
    with pytest.raises(InvalidTransition):
        services.evidence_add(
            answer=answer(a, "1.1.1"), actor=director, upload=services.UploadedFile("a.png", PNG)
        )
    with pytest.raises(InvalidTransition):
        services.assessment_finish(assessment=a, actor=director)
    assert answer(a, "1.1.1").met is True
    assert Adjustment.objects.filter(assessment=a).count() == 1


def test_editing_the_trees_points_moves_drafts_but_not_finished_assessments(world, director, cast):
    finished = new(director, prefill=False)
    answer_everything(finished, director)
    services.answers_save(
        assessment=finished,
        actor=director,
        changes=[services.AnswerChange(code="1.1.1", met=False)],
    )
    finished = services.assessment_finish(assessment=finished, actor=director)
    draft = new(director, prefill=False)
    answer_everything(draft, director)
    services.answers_save(
        assessment=draft, actor=director, changes=[services.AnswerChange(code="1.1.1", met=False)]
    )
    before = services.selectors.overview(draft).result.score
    assert before == finished.score
    item = Item.objects.get(code="1.1.1")
    services.tree_update_points(
        actor=cast[Role.ADMIN],
        changes=[services.PointsChange(item_id=item.pk, points="20", confirmed=False)],
    )
    assert services.selectors.overview(draft).result.score < before
    assert services.selectors.overview(finished).result.score == finished.score
    item.refresh_from_db()
    assert item.points_are_default is False


def test_levels_and_points_are_for_administrators_only(cast):
    item = Item.objects.get(code="1.1.1")
    with pytest.raises(PermissionDenied):
        services.tree_update_points(
            actor=cast[Role.SERVICE_DIRECTOR],
            changes=[services.PointsChange(item_id=item.pk, points="9", confirmed=True)],
        )
    with pytest.raises(ValidationFailed):
        services.levels_update(
            actor=cast[Role.ADMIN], passing="80", three_star="80", four_star="90", five_star="95"
        )
    assert LevelSettings.get().passing == 70
    services.levels_update(
        actor=cast[Role.ADMIN], passing="75", three_star="82", four_star="90", five_star="96"
    )
    assert LevelSettings.get().thresholds().passing == 75


def test_a_correction_is_a_new_draft_copied_from_the_finished_one(world, director):
    a = new(director, prefill=False)
    answer_everything(a, director)
    services.evidence_add(
        answer=answer(a, "1.1.1"), actor=director, upload=services.UploadedFile("org.pdf", PDF)
    )
    services.adjustment_add(assessment=a, actor=director, kind="bonus", reason="行业奖项")
    a = services.assessment_finish(assessment=a, actor=director)
    with pytest.raises(ValidationFailed):
        services.assessment_correct(assessment=a, actor=director, reason="")
    copy = services.assessment_correct(assessment=a, actor=director, reason="漏报一项投诉")
    assert (copy.status, copy.corrects_id) == ("draft", a.pk)
    assert answer(copy, "1.3.3").sampled == 4
    assert Evidence.objects.get(answer__assessment=copy).file.name == (
        Evidence.objects.get(answer__assessment=a).file.name
    )
    assert copy.adjustments.get().kind == "bonus"
    a.refresh_from_db()
    assert a.status == "finished"


# --- evidence -----------------------------------------------------------------------------------


def test_evidence_of_another_type_is_refused_and_nothing_is_saved(world, director, settings):
    a = new(director)
    url = reverse("certification:evidence-upload", args=[a.pk, answer(a, "1.1.1").pk])
    html = SimpleUploadedFile("note.pdf", b"<html><script>alert(1)</script>", "application/pdf")
    response = client_for(director).post(url, {"file": html}, follow=True)
    assert "类型不允许" in response.content.decode()
    assert not Evidence.objects.exists()
    assert media_files(settings) == []


def test_evidence_over_the_size_limit_is_refused(world, director, settings, monkeypatch):
    monkeypatch.setattr(services, "EVIDENCE_MAX_BYTES", 100)
    a = new(director)
    url = reverse("certification:evidence-upload", args=[a.pk, answer(a, "1.1.1").pk])
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 100, "image/png")
    response = client_for(director).post(url, {"file": big}, follow=True)
    assert "超过" in response.content.decode()
    assert not Evidence.objects.exists()
    assert media_files(settings) == []


def test_evidence_is_served_as_a_download_to_readers_only(world, director, cast):
    a = new(director)
    target = answer(a, "1.1.1")
    url = reverse("certification:evidence-upload", args=[a.pk, target.pk])
    png = SimpleUploadedFile("组织架构图.png", PNG, "text/html")  # the claim is not trusted
    client_for(director).post(url, {"file": png})
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/png"
    download = reverse("certification:evidence-download", args=[a.pk, evidence.pk])
    response = client_for(cast[Role.QUALITY_ENGINEER]).get(download)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PNG
    assert client_for(cast[Role.AGENT]).get(download).status_code == 404
    other = new(director, title="另一份")
    wrong = reverse("certification:evidence-download", args=[other.pk, evidence.pk])
    assert client_for(director).get(wrong).status_code == 404


# --- pages --------------------------------------------------------------------------------------


def test_the_list_shows_an_empty_state(world, director):
    response = client_for(director).get(reverse("certification:list"))
    assert response.status_code == 200
    assert 'id="assessment-empty"' in response.content.decode()


def test_pages_open_for_readers_and_404_for_everybody_else(cast, director):
    a = new(director)
    pages = [
        reverse("certification:list"),
        reverse("certification:detail", args=[a.pk]),
    ]
    for role, user in cast.items():
        for url in pages:
            status = client_for(user).get(url).status_code
            assert status == (200 if role in READERS else 404), (role, url)


def test_a_quality_engineer_sees_the_page_without_forms(cast, director):
    a = new(director)
    url = reverse("certification:detail", args=[a.pk])
    engineer = client_for(cast[Role.QUALITY_ENGINEER]).get(url).content.decode()
    assert 'id="answers"' not in engineer
    assert 'id="finish-form"' not in engineer
    page = client_for(director).get(url).content.decode()
    assert 'id="answers"' in page
    assert "默认分值，待按标准核定" in page
    assert "销售区域按系统数据认定" in page


def test_the_page_saves_the_tree_form(world, director):
    a = new(director, prefill=False)
    first, sampled = answer(a, "1.1.1"), answer(a, "1.3.3")
    data = {
        f"a{first.pk}-present": "1",
        f"a{first.pk}-applicable": "1",
        f"a{first.pk}-met": "yes",
        f"a{first.pk}-note": "职能划分合理",
        f"a{sampled.pk}-present": "1",
        f"a{sampled.pk}-applicable": "1",
        f"a{sampled.pk}-sampled": "5",
        f"a{sampled.pk}-conforming": "4",
    }
    response = client_for(director).post(reverse("certification:answers", args=[a.pk]), data)
    assert response.status_code == 302
    first.refresh_from_db()
    sampled.refresh_from_db()
    assert (first.met, first.note) == (True, "职能划分合理")
    assert (sampled.sampled, sampled.conforming) == (5, 4)


def test_a_refused_form_keeps_what_was_typed_and_saves_nothing(world, director):
    a = new(director, prefill=False)
    first, sampled = answer(a, "1.1.1"), answer(a, "1.3.3")
    data = {
        f"a{first.pk}-present": "1",
        f"a{first.pk}-applicable": "1",
        f"a{first.pk}-met": "yes",
        f"a{sampled.pk}-present": "1",
        f"a{sampled.pk}-applicable": "1",
        f"a{sampled.pk}-sampled": "3",
        f"a{sampled.pk}-conforming": "9",
    }
    response = client_for(director).post(reverse("certification:answers", args=[a.pk]), data)
    assert response.status_code == 400
    assert 'value="9"' in response.content.decode()
    first.refresh_from_db()
    assert first.met is None


def test_a_quality_engineer_posting_answers_changes_nothing(cast, director):
    a = new(director, prefill=False)
    first = answer(a, "1.1.1")
    data = {f"a{first.pk}-present": "1", f"a{first.pk}-applicable": "1", f"a{first.pk}-met": "no"}
    client = client_for(cast[Role.QUALITY_ENGINEER])
    client.post(reverse("certification:answers", args=[a.pk]), data)
    first.refresh_from_db()
    assert first.met is None
    agent = client_for(cast[Role.AGENT])
    assert agent.post(reverse("certification:answers", args=[a.pk]), data).status_code == 404


def test_finish_and_adjustments_through_the_page(world, director):
    a = new(director, prefill=False)
    answer_everything(a, director)
    services.answers_save(
        assessment=a, actor=director, changes=[services.AnswerChange(code="1.1.1", met=False)]
    )
    client = client_for(director)
    for kind in ("bonus", "bonus", "deduction"):
        client.post(
            reverse("certification:adjustment-add", args=[a.pk]), {"kind": kind, "reason": "理由"}
        )
    client.post(reverse("certification:finish", args=[a.pk]))
    a.refresh_from_db()
    # 96 − 1 deduction + 1 (two bonuses claimed, one counts)
    assert (a.status, a.base_score, a.score, a.level) == (
        "finished",
        Decimal("96.00"),
        Decimal("96.00"),
        "five",
    )
    page = client.get(reverse("certification:detail", args=[a.pk])).content.decode()
    assert 'id="answers"' not in page
    assert 'id="correct-form"' in page


def test_the_assessment_page_query_count_does_not_grow_with_answers(
    world, director, django_assert_max_num_queries
):
    a = new(director, prefill=False)
    url = reverse("certification:detail", args=[a.pk])
    client = client_for(director)
    client.get(url)  # warm the session and the seeded rows
    with CaptureQueriesContext(connection) as empty:
        assert client.get(url).status_code == 200
    answer_everything(a, director)
    for code in ("1.1.1", "1.2.2", "2.1.1", "3.2.1"):
        services.evidence_add(
            answer=answer(a, code), actor=director, upload=services.UploadedFile("e.png", PNG)
        )
        services.adjustment_add(assessment=a, actor=director, kind="deduction", reason=code)
    with django_assert_max_num_queries(len(empty.captured_queries)):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(30):
        client.get(url)


def test_the_readiness_report_pdf_holds_the_score_level_and_gaps(world, director, tmp_path):
    a = new(director, prefill=False)
    answer_everything(a, director)
    services.answers_save(
        assessment=a,
        actor=director,
        changes=[
            services.AnswerChange(code="1.3.2", sampled=10, conforming=5),  # loses 2.5
            services.AnswerChange(code="2.6.1", met=False),  # loses 2
            services.AnswerChange(code="2.3.1", applicable=False),
        ],
    )
    score = services.selectors.overview(a).result
    response = client_for(director).get(reverse("certification:report", args=[a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "售后服务认证准备情况报告" in text
    assert f"{score.score}" in text
    assert services.selectors.level_label(score.level) in text
    assert text.index("1.3.2") < text.index("2.6.1")  # gaps ranked by points lost
    assert "售后服务体系" in text and "顾客服务" in text
    assert (
        client_for(world["agent"]).get(reverse("certification:report", args=[a.pk])).status_code
        == 404
    )


def test_the_tree_editor_is_for_administrators(cast):
    url = reverse("certification:tree")
    assert client_for(cast[Role.SERVICE_DIRECTOR]).get(url).status_code == 404
    admin = client_for(cast[Role.ADMIN])
    page = admin.get(url)
    assert page.status_code == 200
    assert "默认分值，待按标准核定" in page.content.decode()
    item = Item.objects.get(code="1.1.1")
    refused = admin.post(url, {f"points-{item.pk}": "-3"})
    assert refused.status_code == 400
    item.refresh_from_db()
    assert item.points == 4
    admin.post(url, {f"points-{item.pk}": "6.5"})
    item.refresh_from_db()
    assert (item.points, item.points_are_default) == (Decimal("6.5"), False)
    admin.post(
        reverse("certification:levels"),
        {"passing": "72", "three_star": "81", "four_star": "91", "five_star": "96"},
    )
    assert LevelSettings.get().passing == 72


# --- API ----------------------------------------------------------------------------------------


API = "/api/v1/certification/assessments/"


def test_the_api_creates_answers_and_finishes(world, director, tmp_path):
    client = api_client_for(director)
    response = client.post(API, {"title": "API 自评", "prefill": False}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    assert body["status"] == "draft" and body["score"] == "0.00"
    assert len(body["answers"]) == Item.objects.count()
    codes = [row["code"] for row in body["answers"]]
    payload = {
        "answers": [
            {"code": c, "met": True}
            if Item.objects.get(code=c).kind == "qualitative"
            else {"code": c, "sampled": 2, "conforming": 1}
            for c in codes
        ]
    }
    saved = client.post(f"{API}{pk}/answers/", payload, format="json")
    assert saved.status_code == 200, saved.content
    detail = saved.json()
    assert detail["unassessed"] == []
    assert detail["gaps"][0] == {
        "code": "1.1.2",
        "title": "服务网点覆盖与管理",
        "points": "5.00",
        "earned": "2.50",
        "lost": "2.50",
        "assessed": True,
    }
    bad = client.post(
        f"{API}{pk}/answers/",
        {"answers": [{"code": "1.3.3", "sampled": 1, "conforming": 2}]},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["field"] == "conforming"
    finished = client.post(f"{API}{pk}/finish/")
    assert finished.status_code == 200
    assert finished.json()["status"] == "finished"
    # 41 points of sampled items at half: 79.5 of 100
    assert (finished.json()["score"], finished.json()["level"]) == ("79.50", "pass")
    again = client.post(f"{API}{pk}/finish/")
    assert again.status_code == 409
    pdf = client.get(f"{API}{pk}/report/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "售后服务认证准备情况报告" in pdf_text(pdf.content, tmp_path)
    listed = client.get(API).json()["results"]
    assert [r["id"] for r in listed] == [pk]


def test_the_api_hides_assessments_from_other_roles(cast, director):
    a = new(director)
    agent = api_client_for(cast[Role.AGENT])
    assert agent.get(API).json()["results"] == []
    assert agent.get(f"{API}{a.pk}/").status_code == 404
    assert agent.post(API, {"title": "x"}, format="json").status_code == 404
    engineer = api_client_for(cast[Role.QUALITY_ENGINEER])
    assert engineer.get(f"{API}{a.pk}/").status_code == 200
    assert engineer.post(API, {"title": "x"}, format="json").status_code == 403
    assert engineer.post(f"{API}{a.pk}/finish/").status_code == 403


# --- command and demo ---------------------------------------------------------------------------


def test_the_command_creates_and_scores(world, director):
    out = StringIO()
    call_command(
        "certification", "new", "--user", director.username, "--title", "命令行", stdout=out
    )
    a = SelfAssessment.objects.get(title="命令行")
    assert answer(a, "1.1.2").source == "measured"
    assert "已创建自评" in out.getvalue()
    out = StringIO()
    call_command("certification", "score", str(a.pk), "--top", "3", stdout=out)
    lines = out.getvalue().splitlines()
    assert "得分" in lines[0] and "未达标" in lines[0]
    assert len(lines) == 4 and lines[1].startswith("1. ")


def test_the_command_refuses_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("certification", "new", "--user", "nobody", "--title", "x")


def test_demo_data_creates_one_assessment_in_progress(world, director):
    first = demo_data()
    assert first is not None and first.status == "draft"
    assert answer(first, "2.3.1").applicable is False
    assert first.adjustments.count() == 1
    assert demo_data().pk == first.pk
    assert SelfAssessment.objects.count() == 1


WRITERS = {Role.SERVICE_DIRECTOR, Role.SUPERVISOR, Role.ADMIN}


def test_every_role_against_every_api_endpoint(cast, director):
    a = new(director)
    one = {"answers": [{"code": "1.1.1", "met": True}]}
    for role, user in cast.items():
        client = api_client_for(user)
        reads = role in READERS
        listed = client.get(API)
        assert listed.status_code == 200, role
        assert bool(listed.json()["results"]) == reads, role
        assert client.get(f"{API}{a.pk}/").status_code == (200 if reads else 404), role
        write = 200 if role in WRITERS else 403 if reads else 404
        answered = client.post(f"{API}{a.pk}/answers/", one, format="json")
        assert answered.status_code == write, role
        created = client.post(API, {"title": f"{role} 自评", "prefill": False}, format="json")
        assert created.status_code == (201 if write == 200 else write), role
        # Finishing is refused for writers too while items are unassessed (400), never 500.
        finished = client.post(f"{API}{a.pk}/finish/")
        assert finished.status_code == (400 if write == 200 else write), role
        if not reads:
            assert client.get(f"{API}{a.pk}/report/").status_code == 404, role
    assert SelfAssessment.objects.filter(status="draft").count() == 1 + len(WRITERS)
    assert answer(a, "1.1.1").met is True


def test_the_api_refuses_counts_out_of_range(world, director):
    a = new(director, prefill=False)
    client = api_client_for(director)
    huge = {"answers": [{"code": "1.3.3", "sampled": 10**12, "conforming": 1}]}
    assert client.post(f"{API}{a.pk}/answers/", huge, format="json").status_code == 400
    unknown = {"answers": [{"code": "9.9.9", "met": True}]}
    response = client.post(f"{API}{a.pk}/answers/", unknown, format="json")
    assert response.status_code == 400
    assert "9.9.9" in response.json()["detail"]


def test_a_finished_assessment_keeps_the_default_mark_it_had(world, director, cast):
    a = new(director, prefill=False)
    answer_everything(a, director)
    a = services.assessment_finish(assessment=a, actor=director)
    services.tree_update_points(
        actor=cast[Role.ADMIN],
        changes=[
            services.PointsChange(item_id=i.pk, points=str(i.points), confirmed=True)
            for i in Item.objects.all()
        ],
    )
    assert not Item.objects.filter(points_are_default=True).exists()
    client = client_for(director)
    finished = client.get(reverse("certification:detail", args=[a.pk])).content.decode()
    assert "data-default-points" in finished
    draft = new(director, title="核定后")
    page = client.get(reverse("certification:detail", args=[draft.pk])).content.decode()
    assert "data-default-points" not in page
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("certification:detail", args=[a.pk]))
    assert len(queries.captured_queries) <= 20
