"""Intake (S2) through the REST API and the service: numbers, deadlines, warranty, idempotency,
duplicates, and bad input that leaves nothing half-written."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.core.errors import IdempotencyMismatch, ValidationFailed
from aftersales.core.models import Counter
from aftersales.notifications.models import Channel, OutboxMessage
from aftersales.service.models import IdempotencyRecord, Status, WorkOrder, WorkOrderTransition
from aftersales.service.services import IntakeData, normalise_phone, work_order_intake

from . import factories as f
from .conftest import api_client_for, make_order

URL = "/api/v1/work-orders/"
SH = ZoneInfo("Asia/Shanghai")


def body(world, **overrides):
    values = {
        "reporter_name": "李师傅",
        "contact_mobile": "13812345678",
        "fault_description": "空调不制冷",
        "serial": world["unit"].serial,
        "fault_code": "AC01",
    }
    values.update(overrides)
    return values


def post(user, data, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api_client_for(user).post(URL, data, format="json", **headers)


def written():
    """Everything an intake writes, to prove that a refusal wrote none of it."""
    counter = Counter.objects.filter(prefix="WO").values_list("value", flat=True).first()
    return (
        WorkOrder.objects.count(),
        WorkOrderTransition.objects.count(),
        OutboxMessage.objects.count(),
        IdempotencyRecord.objects.count(),
        counter,
    )


def test_the_api_registers_an_order_with_number_deadlines_warranty_and_outlet(world):
    resp = post(world["agent"], body(world))
    assert resp.status_code == 201, resp.json()
    data = resp.json()
    year = timezone.localdate().year
    assert re.fullmatch(rf"WO-{year}-\d{{6}}", data["number"])
    assert data["status"] == Status.RECEIVED
    assert data["warranty_decision"] == "free"
    assert "保修期内" in data["warranty_reason"]
    assert data["outlet_name"] == "朝阳服务站"
    assert data["fault_grade"] == "B"  # the fault code's default grade
    for due in ("response_due", "arrival_due", "resolution_due"):
        assert data[due] is not None
    order = WorkOrder.objects.get(number=data["number"])
    assert order.customer == world["customer"]
    assert order.required_skill == world["skill"]
    assert order.response_due <= order.arrival_due <= order.resolution_due
    assert [t.action for t in order.transitions.all()] == ["receive"]
    assert order.created_by == world["agent"]


def test_the_customer_gets_an_sms_written_with_the_order(world):
    data = post(world["agent"], body(world)).json()
    order = WorkOrder.objects.get(number=data["number"])
    sms = OutboxMessage.objects.get(cause=f"work_order:{order.pk}", channel=Channel.SMS)
    assert sms.to == "13812345678"
    assert order.number in sms.body
    assert sms.template_code == "order_received"


def test_a_landline_contact_gets_no_sms(world):
    data = post(world["agent"], body(world, contact_mobile="010-12345678")).json()
    order = WorkOrder.objects.get(number=data["number"])
    assert order.contact_mobile == "010-12345678"
    assert not OutboxMessage.objects.filter(channel=Channel.SMS).exists()


def test_the_same_idempotency_key_twice_gives_one_order(world):
    first = post(world["agent"], body(world), key="dealer-42")
    second = post(world["agent"], body(world), key="dealer-42")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["number"] == first.json()["number"]
    assert WorkOrder.objects.count() == 1
    assert OutboxMessage.objects.filter(channel=Channel.SMS).count() == 1


def test_the_same_key_with_a_different_body_is_refused_and_writes_nothing(world):
    post(world["agent"], body(world), key="dealer-43")
    before = written()
    resp = post(world["agent"], body(world, fault_description="刹车异响"), key="dealer-43")
    assert resp.status_code == 422
    assert "Idempotency-Key" in resp.json()["detail"]
    assert resp.json()["code"] == "idempotency_key_reused"
    assert written() == before


def test_an_idempotency_key_belongs_to_the_user_who_sent_it(world):
    other_agent = f.UserFactory(username="agent2", role=Role.AGENT)
    a = post(world["agent"], body(world), key="shared")
    b = post(other_agent, body(world), key="shared")
    assert a.status_code == b.status_code == 201
    assert a.json()["number"] != b.json()["number"]


def test_the_service_replays_an_idempotent_intake_and_refuses_a_changed_one(world):
    data = IntakeData(**body(world))
    first, created = work_order_intake(actor=world["agent"], data=data, idempotency_key="k1")
    again, created_again = work_order_intake(actor=world["agent"], data=data, idempotency_key="k1")
    assert created and not created_again
    assert again.pk == first.pk
    changed = IntakeData(**body(world, reporter_name="王师傅"))
    with pytest.raises(IdempotencyMismatch):
        work_order_intake(actor=world["agent"], data=changed, idempotency_key="k1")


def test_a_second_open_order_for_the_same_unit_is_flagged_not_refused(world):
    first = post(world["agent"], body(world)).json()
    second = post(world["agent"], body(world, fault_description="车门无法关闭")).json()
    assert second["duplicate_of"] == first["id"]
    assert first["duplicate_of"] is None
    assert WorkOrder.objects.count() == 2


def test_an_order_for_a_unit_whose_earlier_order_is_closed_is_not_a_duplicate(world):
    first = make_order(world)
    WorkOrder.objects.filter(pk=first.pk).update(status=Status.CLOSED)
    second = make_order(world)
    assert second.duplicate_of is None


def test_an_unregistered_unit_is_registered_and_decided_on_site(world):
    resp = post(
        world["agent"],
        body(
            world,
            serial="",
            unregistered_serial="LBUS-HAND-01",
            product_model_code="BUS-12",
            site_region_code="110105000000",
        ),
    )
    assert resp.status_code == 201, resp.json()
    order = WorkOrder.objects.get(number=resp.json()["number"])
    assert order.unit is None and order.serial_text == "LBUS-HAND-01"
    assert order.warranty_decision == "on_site"
    assert order.outlet == world["outlet"]


def test_the_outlet_is_picked_by_the_site_region(world):
    resp = post(world["agent"], body(world, site_region_code="110108000000"))
    assert resp.json()["outlet_name"] == "海淀服务站"


def test_an_installation_is_free_even_out_of_warranty(world):
    unit = f.UnitFactory(
        serial="OLD-1",
        model=world["model"],
        customer=world["customer"],
        warranty_start=date(2015, 1, 1),
        warranty_end=date(2016, 12, 31),
    )
    repair = post(world["agent"], body(world, serial=unit.serial)).json()
    install = post(world["agent"], body(world, serial=unit.serial, order_type="installation"))
    assert repair["warranty_decision"] == "paid"
    assert "2016-12-31" in repair["warranty_reason"]
    assert install.json()["warranty_decision"] == "free"


@pytest.mark.parametrize(
    "phone",
    [
        "1381234567",  # ten digits
        "138123456789",  # twelve digits
        "23812345678",  # does not start with 1
        "12812345678",  # no such network
        "1381234567a",
        "电话13812345678",
        "+1 415 555 0100",
        "١٣٨١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        "13812345678-",
        "010-123",
        "12345",
        " ",
        "",
    ],
)
def test_a_malformed_phone_number_is_refused_with_a_chinese_message_and_writes_nothing(
    world, phone
):
    before = written()
    resp = post(world["agent"], body(world, contact_mobile=phone))
    assert resp.status_code == 400
    data = resp.json()
    assert "contact_mobile" in data["errors"]
    assert re.search(r"[\u4e00-\u9fff]", data["errors"]["contact_mobile"])
    assert written() == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese IME
        ("(010) 12345678", "01012345678"),
        ("010-12345678", "010-12345678"),
        ("0755-1234567-801", "0755-1234567-801"),
    ],
)
def test_phone_numbers_are_normalised(typed, stored):
    assert normalise_phone(typed) == stored


def test_a_malformed_phone_number_is_refused_by_the_service_too(world):
    with pytest.raises(ValidationFailed) as err:
        make_order(world, contact_mobile="1381234567")
    assert "contact_mobile" in err.value.details["errors"]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"serial": "NO-SUCH-SERIAL"}, "serial", "未建档"),
        ({"serial": ""}, "serial", "序列号"),
        ({"fault_code": "ZZ99"}, "fault_code", "不存在"),
        ({"site_region_code": "999999999999"}, "site_region_code", "不存在"),
        (
            {"serial": "", "unregistered_serial": "X1", "product_model_code": "NOPE"},
            "product_model_code",
            "型号",
        ),
        ({"fault_date": "2099-01-01"}, "fault_date", "晚于今天"),
        ({"fault_grade": "D"}, "fault_grade", ""),
        ({"order_type": "teleport"}, "order_type", ""),
        ({"latitude": 123}, "latitude", ""),
        ({"reporter_name": ""}, "reporter_name", "不能为空"),
        ({"fault_description": "   "}, "fault_description", ""),
    ],
)
def test_bad_input_gives_a_per_field_chinese_message_and_writes_nothing(
    world, overrides, field, words
):
    before = written()
    resp = post(world["agent"], body(world, **overrides), key="bad-1")
    assert resp.status_code == 400, resp.json()
    data = resp.json()
    assert data["code"] == "invalid"
    assert re.search(r"[\u4e00-\u9fff]", data["detail"])
    assert field in data["errors"], data
    assert words in data["errors"][field]
    assert re.search(r"[\u4e00-\u9fff]", data["errors"][field])
    assert written() == before


def test_missing_fields_are_each_named(world):
    before = written()
    resp = post(world["agent"], {"serial": world["unit"].serial})
    assert resp.status_code == 400
    errors = resp.json()["errors"]
    assert set(errors) >= {"reporter_name", "contact_mobile", "fault_description"}
    assert all(re.search(r"[\u4e00-\u9fff]", message) for message in errors.values())
    assert written() == before


def test_a_refused_intake_does_not_use_up_the_idempotency_key(world):
    assert post(world["agent"], body(world, contact_mobile="1"), key="retry-me").status_code == 400
    assert post(world["agent"], body(world), key="retry-me").status_code == 201


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.CUSTOMER, Role.SUPERVISOR, Role.FINANCE])
def test_roles_that_do_not_take_calls_cannot_register_orders(world, role):
    user = f.UserFactory(username=f"u-{role}", role=role)
    resp = post(user, body(world))
    assert resp.status_code == 403
    assert WorkOrder.objects.count() == 0


def test_an_anonymous_intake_is_refused(world):
    resp = api_client_for(None).post(URL, body(world), format="json")
    assert resp.status_code in (401, 403)
    assert WorkOrder.objects.count() == 0


def test_the_receipt_time_is_recorded_and_the_number_uses_its_year(world):
    new_year = datetime(2026, 12, 31, 23, 59, 59, tzinfo=SH)
    order, _ = work_order_intake(actor=world["agent"], data=IntakeData(**body(world)), now=new_year)
    assert order.received_at == new_year
    assert order.number.startswith("WO-2026-")
    nxt, _ = work_order_intake(
        actor=world["agent"],
        data=IntakeData(**body(world)),
        now=new_year + timedelta(seconds=2),
    )
    assert nxt.number == "WO-2027-000001"
