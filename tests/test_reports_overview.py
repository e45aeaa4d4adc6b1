"""The directors' overview (监督总览): each figure is counted from real records of the month,
the blocks follow the viewer's rights (mystery findings for supervision and directors only),
the page costs a fixed number of queries, and other months or a bad month parameter work."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.complaints import services as cs
from aftersales.complaints.models import Complaint
from aftersales.core.dates import month_of, next_month, previous_month
from aftersales.supervision.models import Callback, FeedbackForm, SurveyInvitation
from aftersales.supervision.services import mystery_inspection_record, survey_invitation_create

from . import factories as f
from .conftest import client_for, make_order
from .test_supervision import close

URL = reverse("reports:overview")


def tile(body: str, name: str) -> str:
    match = re.search(rf'id="tile-{name}".*?class="tile-value[^"]*">(.*?)</span>', body, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def complaint(world, **overrides):
    values = {
        "type": "service",
        "level": "general",
        "channel": "hotline",
        "complainant": "李师傅",
        "contact": "13812345678",
        "description": "上门迟到",
    }
    values.update(overrides)
    return cs.complaint_record(actor=world["agent"], data=cs.ComplaintData(**values))


@pytest.fixture
def month(world, django_capture_on_commit_callbacks):
    """This month: three closed orders (three callbacks), two of them called back (one late),
    one overdue; two counted feedback forms; two survey invitations, one answered; three
    complaints (one overdue, one judged invalid); two mystery inspections."""
    now = timezone.now()
    orders = [close(make_order(world), world, django_capture_on_commit_callbacks) for _ in "abc"]
    callbacks = list(Callback.objects.order_by("pk"))
    Callback.objects.filter(pk=callbacks[0].pk).update(due_at=now - timedelta(hours=1))
    Callback.objects.filter(pk=callbacks[1].pk).update(
        status=Callback.Status.DONE, done_at=now, due_at=now - timedelta(hours=2)
    )
    Callback.objects.filter(pk=callbacks[2].pk).update(
        status=Callback.Status.DONE, done_at=now, due_at=now + timedelta(hours=2)
    )
    FeedbackForm.objects.create(
        order=orders[0], source="survey", timeliness="A", quality="B", attitude="A"
    )
    FeedbackForm.objects.create(
        order=orders[1], source="callback", timeliness="C", quality="E", attitude="A"
    )
    # The closing sent one invitation per order; keep two, one of them answered.
    SurveyInvitation.objects.filter(order=orders[2]).delete()
    SurveyInvitation.objects.filter(order=orders[0]).update(used_at=now)
    overdue = complaint(world)
    Complaint.objects.filter(pk=overdue.pk).update(deadline=now - timedelta(minutes=5))
    complaint(world, type="quality")
    invalid = complaint(world, type="suggestion")
    cs.complaint_transition(
        complaint=invalid, action="reject", actor=world["supervisor"], reason="不属实"
    )
    today = timezone.localdate()
    mystery_inspection_record(
        actor=world["supervisor"], date=today, checks={"uniform", "apology", "shoe_covers"}
    )
    mystery_inspection_record(actor=world["supervisor"], date=today, checks={"uniform"})
    return orders


def test_the_month_figures_come_from_the_records(world, month, django_assert_max_num_queries):
    client = client_for(world["director"])
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert tile(body, "callbacks-overdue") == "1"
    assert "待回访 1" in body
    assert tile(body, "callbacks-done") == "2" and "其中超时 1" in body
    assert tile(body, "survey") == "50.0%" and "1 / 2 份" in body
    assert tile(body, "complaints-overdue") == "1" and "未关闭 2" in body
    assert tile(body, "complaints-received") == "3" and "判定无效 1" in body
    assert tile(body, "mystery") == "2.0 / 7"
    grades = re.search(r'id="overview-grades".*?</section>', body, re.S).group(0)
    # 服务时效 A, C → 1 of 2 satisfied; 维修质量 B, E → 50%; 服务态度 A, A → 100%.
    rows = re.findall(r"<tr><td class=\"nowrap\">(.*?)</td>(.*?)</tr>", grades)
    cells = {label: re.findall(r'class="num">([^<]*)<', rest) for label, rest in rows}
    assert cells["服务时效"] == ["1", "0", "1", "0", "0", "2", "50.0%"]
    assert cells["维修质量"] == ["0", "1", "0", "0", "1", "2", "50.0%"]
    assert cells["服务态度"] == ["2", "0", "0", "0", "0", "2", "100.0%"]
    assert "<svg" in grades and "意见反馈表评分分布" in grades
    mystery = re.search(r'id="overview-mystery".*?</section>', body, re.S).group(0)
    assert re.search(r"统一着装</td><td class=\"num\">2</td><td class=\"num\">100%", mystery)
    assert re.search(r"穿鞋套</td><td class=\"num\">1</td><td class=\"num\">50%", mystery)


def test_the_tiles_open_the_lists_behind_them(world, month):
    body = client_for(world["supervisor"]).get(URL).content.decode()
    assert f'href="{reverse("complaints:ledger")}?overdue=1" id="tile-complaints-overdue"' in body
    assert f'href="{reverse("supervision:callback_list")}" id="tile-callbacks-overdue"' in body
    ledger = client_for(world["supervisor"]).get(reverse("complaints:ledger") + "?overdue=1")
    overdue = Complaint.objects.filter(deadline__lt=timezone.now(), closed_at__isnull=True)
    assert overdue.count() == 1 and overdue.get().number in ledger.content.decode()


def test_another_month_counts_only_its_own_records(world, month):
    last = previous_month(month_of("", default=timezone.localdate()))
    body = client_for(world["director"]).get(URL, {"month": f"{last:%Y-%m}"}).content.decode()
    assert tile(body, "callbacks-done") == "0" and tile(body, "complaints-received") == "0"
    assert tile(body, "survey") == "—" and "本月还没有计入的意见反馈表。" in body
    # What is open or overdue is open now, whichever month is shown.
    assert tile(body, "callbacks-overdue") == "1" and tile(body, "complaints-overdue") == "1"


def test_a_bad_month_shows_this_month_and_there_is_no_link_into_the_future(world):
    body = client_for(world["director"]).get(URL, {"month": "2026-13"}).content.decode()
    this = month_of("", default=timezone.localdate())
    assert f'value="{this:%Y-%m}"' in body
    assert f"?month={next_month(this):%Y-%m}" not in body
    assert f"?month={previous_month(this):%Y-%m}" in body


def test_mystery_figures_only_for_supervision_and_directors(world, month):
    admin = f.UserFactory(username="adm", role=Role.ADMIN)
    for user, sees in ((world["director"], True), (world["supervisor"], True), (admin, False)):
        body = client_for(user).get(URL).content.decode()
        assert ('id="tile-mystery"' in body) is sees
        assert ('id="overview-mystery"' in body) is sees


def test_only_directors_supervision_and_administrators_open_the_overview(world):
    for user in (world["agent"], world["tech"].user, world["customer_user"]):
        assert client_for(user).get(URL).status_code in (302, 403)
    assert client_for(world["director"]).get(URL).status_code == 200


def test_an_empty_month_says_so(world):
    body = client_for(world["director"]).get(URL).content.decode()
    assert "本月还没有计入的意见反馈表。" in body and "没有未关闭的投诉。" in body
    assert tile(body, "mystery") == "—"


def test_the_overview_is_in_the_menu_of_the_roles_that_see_it(world):
    assert URL in client_for(world["director"]).get(URL).content.decode()
    agent_page = client_for(world["agent"]).get(reverse("service:order_list")).content.decode()
    assert URL not in agent_page


def test_the_survey_tile_counts_invitations_sent_this_month(world, order):
    close_time = timezone.now()
    invitation, _token = survey_invitation_create(order=order)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        created_at=close_time - timedelta(days=40)
    )
    body = client_for(world["director"]).get(URL).content.decode()
    assert tile(body, "survey") == "—"
