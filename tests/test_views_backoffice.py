"""The back-office pages of the order loop: list, hotline intake, order page, transitions,
dispatch board and attachment downloads — through HTTP, as people use them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.service import services
from aftersales.service.models import (
    Attachment,
    IdempotencyRecord,
    Status,
    WorkOrder,
    WorkOrderTransition,
)

from . import factories as f
from .conftest import client_for, make_order

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"

LIST = reverse("service:order_list")
INTAKE = reverse("service:intake")
BOARD = reverse("service:dispatch_board")


def detail_url(order) -> str:
    return reverse("service:order_detail", args=[order.pk])


def transition_url(order) -> str:
    return reverse("service:order_transition", args=[order.pk])


def intake_post(**overrides):
    data = {
        "reporter_name": "李师傅",
        "contact_mobile": "13812345678",
        "serial": "LBUS0000001",
        "fault_code": "AC01",
        "fault_description": "空调不制冷",
        "order_type": "repair",
        "channel": "hotline",
        "idempotency_key": "key-1",
    }
    data.update(overrides)
    return data


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def respond(order, world):
    return services.work_order_transition(order=order, action="respond", actor=world["agent"])


# --- list -----------------------------------------------------------------------------------


def test_the_order_list_shows_the_orders_the_agent_may_see(world, order):
    resp = client_for(world["agent"]).get(LIST)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert order.number in body
    assert "LBUS0000001" in body
    assert "13812345678" in body  # agents need the full number to call back
    assert "朝阳服务站" in body


def test_the_order_list_masks_phone_numbers_for_finance(world, order):
    finance = f.UserFactory(username="fin", role=Role.FINANCE, department="finance")
    body = client_for(finance).get(LIST).content.decode()
    assert order.number in body
    assert "138****5678" in body
    assert "13812345678" not in body


def test_the_order_list_filters_by_status(world):
    received = make_order(world)
    responded = make_order(world, serial="LBUS0000002")
    respond(responded, world)
    client = client_for(world["agent"])
    body = client.get(LIST, {"status": "responded"}).content.decode()
    assert responded.number in body and received.number not in body
    body = client.get(LIST, {"status": "open"}).content.decode()
    assert responded.number in body and received.number in body
    body = client.get(LIST, {"status": "closed"}).content.decode()
    assert responded.number not in body and received.number not in body


def test_the_order_list_filters_by_received_date(world):
    old = make_order(world)
    new = make_order(world, serial="LBUS0000002")
    WorkOrder.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=10))
    today = timezone.localdate()
    client = client_for(world["agent"])
    body = client.get(LIST, {"date_from": today.isoformat()}).content.decode()
    assert new.number in body and old.number not in body
    body = client.get(LIST, {"date_to": (today - timedelta(days=5)).isoformat()}).content.decode()
    assert old.number in body and new.number not in body


def test_the_order_list_searches_number_reporter_and_serial(world):
    first = make_order(world, reporter_name="王建国")
    second = make_order(world, serial="LBUS0000002", reporter_name="赵六")
    client = client_for(world["agent"])
    body = client.get(LIST, {"q": "王建国"}).content.decode()
    assert first.number in body and second.number not in body
    body = client.get(LIST, {"q": "LBUS0000002"}).content.decode()
    assert second.number in body and first.number not in body


def test_the_order_list_filters_by_outlet(world):
    here = make_order(world)
    there = make_order(world, serial="LBUS0000002", site_region_code="110108000000")
    assert there.outlet == world["other_outlet"]
    body = (
        client_for(world["agent"]).get(LIST, {"outlet": world["other_outlet"].pk}).content.decode()
    )
    assert there.number in body and here.number not in body


def test_a_station_manager_lists_only_the_orders_of_their_outlet(world):
    here = make_order(world)
    there = make_order(world, serial="LBUS0000002", site_region_code="110108000000")
    body = client_for(world["manager"].user).get(LIST).content.decode()
    assert here.number in body and there.number not in body


def test_a_customer_does_not_get_the_back_office_list(world, order):
    other = make_order(world, serial="LBUS0000002")
    resp = client_for(world["customer_user"]).get(LIST)
    assert resp.status_code == 302
    assert other.number not in resp.content.decode()


def test_the_order_list_shows_an_empty_state(world):
    body = client_for(world["agent"]).get(LIST).content.decode()
    assert "还没有工单" in body
    body = client_for(world["agent"]).get(LIST, {"q": "nothing"}).content.decode()
    assert "没有符合筛选条件的工单" in body


def test_the_order_list_flags_a_likely_duplicate_and_an_overdue_deadline(world):
    first = make_order(world)
    second = make_order(world)
    assert second.duplicate_of == first
    WorkOrder.objects.filter(pk=first.pk).update(response_due=timezone.now() - timedelta(hours=1))
    body = client_for(world["agent"]).get(LIST).content.decode()
    assert body.count("疑似重复") == 1
    assert "row-overdue" in body


def test_the_order_list_pages_by_25_without_counting_all_rows(world):
    numbers = [make_order(world).number for _ in range(27)]
    client = client_for(world["agent"])
    with CaptureQueriesContext(connection) as queries:
        first = client.get(LIST)
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert len(first.context["orders"]) == 25
    assert first.context["has_next"] and not first.context["has_previous"]
    second = client.get(LIST, {"page": 2})
    assert [o.number for o in second.context["orders"]] == numbers[1::-1]
    assert not second.context["has_next"] and second.context["has_previous"]


def test_the_list_page_runs_the_same_few_queries_for_any_number_of_rows(
    world, django_assert_max_num_queries
):
    make_order(world)
    client = client_for(world["agent"])
    client.get(LIST)  # warm the session and the content types
    with CaptureQueriesContext(connection) as one_row:
        client.get(LIST, {"status": "open"})
    for _ in range(20):
        make_order(world, serial="LBUS0000002")
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        resp = client.get(LIST, {"status": "open"})
    assert len(resp.context["orders"]) == 21
    assert len(one_row.captured_queries) <= 8


# --- order page -----------------------------------------------------------------------------


def test_a_technician_of_another_outlet_gets_404_on_the_order_page(world, order):
    resp = client_for(world["other_tech"].user).get(detail_url(order))
    assert resp.status_code == 404


def test_a_customer_gets_404_for_another_customers_order(world):
    other = make_order(world, serial="LBUS0000002")
    assert client_for(world["customer_user"]).get(detail_url(other)).status_code == 404


def test_the_order_page_shows_warranty_deadlines_and_the_whole_history(world, order):
    respond(order, world)
    services.work_order_transition(
        order=order, action="cancel", actor=world["agent"], reason="客户自行修好"
    )
    body = client_for(world["agent"]).get(detail_url(order)).content.decode()
    assert order.number in body
    assert order.warranty_reason in body
    assert "响应时限" in body and "到场时限" in body
    for label in ("受理", "响应", "取消"):
        assert label in body
    assert "客户自行修好" in body
    assert "已取消" in body


def test_the_order_page_escapes_what_people_typed(world):
    order = make_order(world, fault_description="<script>alert(1)</script>")
    body = client_for(world["agent"]).get(detail_url(order)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_the_order_page_links_the_likely_duplicate(world):
    first = make_order(world)
    second = make_order(world)
    body = client_for(world["agent"]).get(detail_url(second)).content.decode()
    assert detail_url(first) in body


# --- intake ---------------------------------------------------------------------------------


def test_hotline_intake_creates_the_order_and_tells_the_warranty_decision(world):
    client = client_for(world["agent"])
    resp = client.post(INTAKE, intake_post(), follow=True)
    order = WorkOrder.objects.get()
    assert resp.redirect_chain[-1][0] == detail_url(order)
    text = " ".join(page_messages(resp))
    assert order.number in text
    assert order.get_warranty_decision_display() in text
    assert order.warranty_reason in text
    assert order.created_by == world["agent"]
    assert order.channel == "hotline"


def test_the_intake_form_renders_a_fresh_idempotency_key_each_time(world):
    client = client_for(world["agent"])
    first = client.get(INTAKE).context["form"].initial["idempotency_key"]
    second = client.get(INTAKE).context["form"].initial["idempotency_key"]
    assert first and second and first != second


def test_intake_stores_attachments_and_the_region_typed_by_code(world):
    client = client_for(world["agent"])
    resp = client.post(
        INTAKE,
        intake_post(
            site_address="北京市海淀区中关村大街1号",
            site_region_code="110108000000",
            attachments=[
                SimpleUploadedFile("铭牌.png", PNG, content_type="image/png"),
                SimpleUploadedFile("来函.pdf", PDF, content_type="application/pdf"),
            ],
        ),
    )
    assert resp.status_code == 302
    order = WorkOrder.objects.get()
    assert order.site_region.code == "110108000000"
    assert order.outlet == world["other_outlet"]
    assert sorted(a.content_type for a in order.attachments.all()) == [
        "application/pdf",
        "image/png",
    ]


def test_intake_with_a_bad_phone_keeps_the_input_and_writes_nothing(world):
    client = client_for(world["agent"])
    resp = client.post(
        INTAKE,
        intake_post(
            contact_mobile="12345",
            attachments=[SimpleUploadedFile("ok.png", PNG, content_type="image/png")],
        ),
    )
    assert resp.status_code == 400
    form = resp.context["form"]
    assert "contact_mobile" in form.errors
    assert "格式不正确" in form.errors["contact_mobile"][0]
    body = resp.content.decode()
    assert 'value="李师傅"' in body and 'value="12345"' in body
    assert WorkOrder.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_intake_with_an_unknown_serial_says_so_next_to_the_field(world):
    resp = client_for(world["agent"]).post(INTAKE, intake_post(serial="NOPE-1"))
    assert resp.status_code == 400
    assert "未建档" in resp.context["form"].errors["serial"][0]
    assert WorkOrder.objects.count() == 0


def test_intake_refuses_an_html_attachment_and_writes_nothing(world):
    html = SimpleUploadedFile("photo.png", b"<html><script>x</script></html>", "image/png")
    resp = client_for(world["agent"]).post(INTAKE, intake_post(attachments=[html]))
    assert resp.status_code == 400
    assert "类型不允许" in resp.context["form"].errors["attachments"][0]
    assert WorkOrder.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_intake_refuses_an_oversized_attachment_and_writes_nothing(world, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 2048, content_type="image/png")
    ok = SimpleUploadedFile("ok.png", PNG, content_type="image/png")
    resp = client_for(world["agent"]).post(INTAKE, intake_post(attachments=[ok, big]))
    assert resp.status_code == 400
    assert "上限" in resp.context["form"].errors["attachments"][0]
    assert WorkOrder.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_a_double_submit_with_the_same_idempotency_key_creates_one_order(world):
    client = client_for(world["agent"])
    first = client.post(INTAKE, intake_post(idempotency_key="same-key"))
    second = client.post(INTAKE, intake_post(idempotency_key="same-key"), follow=True)
    assert WorkOrder.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    order = WorkOrder.objects.get()
    assert first["Location"] == detail_url(order)
    assert second.redirect_chain[-1][0] == detail_url(order)
    assert "重复提交" in " ".join(page_messages(second))


def test_a_reused_idempotency_key_with_different_content_is_refused(world):
    client = client_for(world["agent"])
    client.post(INTAKE, intake_post(idempotency_key="k"))
    resp = client.post(INTAKE, intake_post(idempotency_key="k", reporter_name="别人"))
    assert resp.status_code == 400
    assert "已用于另一笔" in resp.content.decode()
    assert WorkOrder.objects.count() == 1


def test_intake_warns_about_a_likely_duplicate(world, order):
    resp = client_for(world["agent"]).post(INTAKE, intake_post(idempotency_key="x"), follow=True)
    text = " ".join(page_messages(resp))
    assert "疑似重复" in text and order.number in text
    assert WorkOrder.objects.exclude(pk=order.pk).get().duplicate_of == order


def test_a_technician_cannot_open_the_intake_form(world):
    assert client_for(world["tech"].user).get(INTAKE).status_code == 403


def test_the_region_endpoint_proposes_the_region_of_a_full_address(world):
    resp = client_for(world["agent"]).get(
        reverse("service:region_suggest"), {"site_address": "北京市朝阳区建国路88号"}
    )
    body = resp.content.decode()
    assert resp.status_code == 200
    assert 'value="110105000000" checked' in body
    assert "220104000000" not in body


def test_an_ambiguous_district_must_be_chosen_by_the_agent(world):
    resp = client_for(world["agent"]).get(
        reverse("service:region_suggest"), {"site_address": "朝阳区建国路88号"}
    )
    body = resp.content.decode()
    assert "110105000000" in body and "220104000000" in body
    assert "checked" not in body
    assert "请确认地区" in body


def test_intake_with_an_ambiguous_address_asks_to_confirm_the_region(world):
    client = client_for(world["agent"])
    resp = client.post(INTAKE, intake_post(site_address="朝阳区建国路88号"))
    assert resp.status_code == 400
    assert "site_region_code" in resp.context["form"].errors
    assert WorkOrder.objects.count() == 0
    resp = client.post(
        INTAKE, intake_post(site_address="朝阳区建国路88号", site_region_code="110105000000")
    )
    assert resp.status_code == 302
    assert WorkOrder.objects.get().site_region.code == "110105000000"


def test_intake_takes_the_region_of_an_unambiguous_address(world):
    resp = client_for(world["agent"]).post(
        INTAKE, intake_post(site_address="北京市海淀区中关村大街1号")
    )
    assert resp.status_code == 302
    order = WorkOrder.objects.get()
    assert order.site_region.code == "110108000000"
    assert order.outlet == world["other_outlet"]


# --- transitions ----------------------------------------------------------------------------


def test_an_invalid_transition_shows_the_message_and_changes_nothing(world, order):
    client = client_for(world["agent"])
    before = WorkOrderTransition.objects.count()
    resp = client.post(transition_url(order), {"action": "close"}, follow=True)
    text = " ".join(page_messages(resp))
    assert "不能执行" in text and "关闭" in text
    order.refresh_from_db()
    assert order.status == Status.RECEIVED
    assert WorkOrderTransition.objects.count() == before


def test_respond_from_the_order_page_moves_the_order_on(world, order):
    resp = client_for(world["agent"]).post(transition_url(order), {"action": "respond"})
    assert resp.status_code == 302 and resp["Location"] == detail_url(order)
    order.refresh_from_db()
    assert order.status == Status.RESPONDED


def test_cancel_asks_for_confirmation_before_changing_anything(world, order):
    client = client_for(world["agent"])
    resp = client.post(transition_url(order), {"action": "cancel", "reason": "重复报修"})
    assert resp.status_code == 200
    assert "确定要取消工单" in resp.content.decode()
    order.refresh_from_db()
    assert order.status == Status.RECEIVED
    client.post(transition_url(order), {"action": "cancel", "reason": "重复报修", "confirmed": "1"})
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert order.transitions.last().reason == "重复报修"


def test_cancel_without_a_reason_is_refused(world, order):
    resp = client_for(world["agent"]).post(
        transition_url(order), {"action": "cancel", "confirmed": "1"}, follow=True
    )
    assert "必须填写原因" in " ".join(page_messages(resp))
    order.refresh_from_db()
    assert order.status == Status.RECEIVED


def test_a_supervisor_cannot_act_on_an_order(world, order):
    resp = client_for(world["supervisor"]).post(transition_url(order), {"action": "respond"})
    assert resp.status_code == 404
    order.refresh_from_db()
    assert order.status == Status.RECEIVED


def test_transitions_only_accept_post(world, order):
    assert client_for(world["agent"]).get(transition_url(order)).status_code == 405


def _on_site(order, world):
    respond(order, world)
    services.work_order_transition(
        order=order,
        action="dispatch",
        actor=world["manager"].user,
        technicians=[world["tech"].pk],
    )
    services.work_order_transition(order=order, action="arrive", actor=world["tech"].user)


def test_the_technician_records_the_diagnosis_and_a_take_back_from_the_order_page(world, order):
    _on_site(order, world)
    client = client_for(world["tech"].user)
    client.post(
        transition_url(order),
        {
            "action": "diagnose",
            "listen": "运行 3000 小时",
            "inspect": "压缩机损坏",
            "run_hours": "3000",
        },
    )
    order.refresh_from_db()
    assert order.status == Status.DIAGNOSED
    visit = order.visits.get()
    assert visit.inspect == "压缩机损坏" and visit.run_hours == 3000
    promised = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        transition_url(order),
        {
            "action": "take_back",
            "items": "压缩机总成",
            "customer_signer": "李师傅",
            "promised_at": promised,
        },
    )
    order.refresh_from_db()
    assert order.status == Status.IN_WORKSHOP
    assert order.handovers.get().customer_signer == "李师傅"
    body = client.get(detail_url(order)).content.decode()
    assert "压缩机总成" in body


def test_a_take_back_with_a_malformed_date_is_refused_clearly(world, order):
    _on_site(order, world)
    client = client_for(world["tech"].user)
    client.post(transition_url(order), {"action": "diagnose", "inspect": "压缩机损坏"})
    resp = client.post(
        transition_url(order),
        {"action": "take_back", "items": "x", "customer_signer": "y", "promised_at": "明天"},
        follow=True,
    )
    assert "格式不正确" in " ".join(page_messages(resp))
    order.refresh_from_db()
    assert order.status == Status.DIAGNOSED


# --- dispatch board -------------------------------------------------------------------------


@pytest.fixture
def expired_tech(world):
    staff = f.StaffFactory(
        user=f.UserFactory(username="expired", role=Role.TECHNICIAN, first_name="过期"),
        outlet=world["outlet"],
    )
    f.certify(staff, world["skill"], valid_until=timezone.localdate() - timedelta(days=1))
    return staff


def test_the_dispatch_board_ranks_technicians_and_shows_why_one_cannot_go(
    world, order, expired_tech
):
    respond(order, world)
    body = client_for(world["manager"].user).get(BOARD).content.decode()
    assert order.number in body
    assert str(world["tech"].user) in body
    assert "过期" in body and "上岗证已于" in body
    assert "#1" in body and "#2" in body


def test_the_dispatch_board_offers_respond_for_received_orders(world, order):
    client = client_for(world["manager"].user)
    body = client.get(BOARD).content.decode()
    assert 'value="respond"' in body
    resp = client.post(transition_url(order), {"action": "respond", "next": BOARD})
    assert resp["Location"] == BOARD
    order.refresh_from_db()
    assert order.status == Status.RESPONDED


def test_dispatching_from_the_board_assigns_the_technician(world, order):
    respond(order, world)
    client = client_for(world["manager"].user)
    resp = client.post(
        transition_url(order),
        {"action": "dispatch", "technicians": [world["tech"].pk], "next": BOARD},
        follow=True,
    )
    assert resp.redirect_chain[-1][0] == BOARD
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED
    assert order.leader == world["tech"]
    assert order.pk not in [item["order"].pk for item in resp.context["board"]]


def test_dispatching_an_uncertified_technician_is_refused_with_the_reason(
    world, order, expired_tech
):
    respond(order, world)
    resp = client_for(world["manager"].user).post(
        transition_url(order),
        {
            "action": "dispatch",
            "technicians": [expired_tech.pk],
            "override_reason": "就近",
            "next": BOARD,
        },
        follow=True,
    )
    text = " ".join(page_messages(resp))
    assert "上岗证已于" in text and "过期" in text
    order.refresh_from_db()
    assert order.status == Status.RESPONDED
    assert not order.technicians.exists()


def test_choosing_someone_other_than_the_top_ranked_needs_an_override_reason(world, order):
    second = f.StaffFactory(
        user=f.UserFactory(username="second", role=Role.TECHNICIAN, first_name="次选"),
        outlet=world["outlet"],
        latitude=40.5,
        longitude=117.5,
    )
    f.certify(second, world["skill"])
    respond(order, world)
    client = client_for(world["manager"].user)
    resp = client.post(
        transition_url(order),
        {"action": "dispatch", "technicians": [second.pk], "next": BOARD},
        follow=True,
    )
    assert "调整原因" in " ".join(page_messages(resp))
    order.refresh_from_db()
    assert order.status == Status.RESPONDED
    client.post(
        transition_url(order),
        {
            "action": "dispatch",
            "technicians": [second.pk],
            "override_reason": "客户指定",
            "next": BOARD,
        },
    )
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED
    assert order.transitions.last().data["override_reason"] == "客户指定"


def test_a_team_of_two_needs_a_leader(world, order):
    mate = f.StaffFactory(
        user=f.UserFactory(username="mate", role=Role.TECHNICIAN), outlet=world["outlet"]
    )
    f.certify(mate, world["skill"])
    respond(order, world)
    client = client_for(world["manager"].user)
    resp = client.post(
        transition_url(order),
        {"action": "dispatch", "technicians": [world["tech"].pk, mate.pk]},
        follow=True,
    )
    assert "组长" in " ".join(page_messages(resp))
    client.post(
        transition_url(order),
        {
            "action": "dispatch",
            "technicians": [world["tech"].pk, mate.pk],
            "leader": world["tech"].pk,
        },
    )
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED
    assert set(order.technicians.all()) == {world["tech"], mate}


def test_agents_and_technicians_cannot_open_the_dispatch_board(world):
    assert client_for(world["agent"]).get(BOARD).status_code == 403
    assert client_for(world["tech"].user).get(BOARD).status_code == 403


def test_the_dispatch_board_shows_only_the_managers_outlet(world):
    here = make_order(world)
    there = make_order(world, serial="LBUS0000002", site_region_code="110108000000")
    body = client_for(world["manager"].user).get(BOARD).content.decode()
    assert here.number in body and there.number not in body


# --- attachments ----------------------------------------------------------------------------


def test_an_attachment_downloads_as_a_file_with_nosniff(world):
    order = make_order(world, attachments=[services.UploadedFile(name="铭牌.png", content=PNG)])
    att = order.attachments.get()
    url = reverse("service:attachment_download", args=[order.pk, att.pk])
    resp = client_for(world["agent"]).get(url)
    assert resp.status_code == 200
    assert resp["Content-Disposition"].startswith("attachment;")
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Type"] == "image/png"
    assert b"".join(resp.streaming_content) == PNG


def test_an_attachment_of_an_order_one_may_not_see_is_404(world):
    order = make_order(world, attachments=[services.UploadedFile(name="a.png", content=PNG)])
    att = order.attachments.get()
    url = reverse("service:attachment_download", args=[order.pk, att.pk])
    assert client_for(world["other_tech"].user).get(url).status_code == 404
    other = make_order(world, serial="LBUS0000002")
    wrong = reverse("service:attachment_download", args=[other.pk, att.pk])
    assert client_for(world["agent"]).get(wrong).status_code == 404


def test_the_order_page_lists_attachments_as_download_links(world):
    order = make_order(world, attachments=[services.UploadedFile(name="a.png", content=PNG)])
    att = order.attachments.get()
    body = client_for(world["agent"]).get(detail_url(order)).content.decode()
    assert reverse("service:attachment_download", args=[order.pk, att.pk]) in body


def test_pages_need_a_login(db, order):
    for url in (LIST, INTAKE, BOARD, detail_url(order)):
        resp = Client().get(url)
        assert resp.status_code == 302 and "/login/" in resp["Location"]
