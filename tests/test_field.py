"""The technician's phone pages: my jobs, on-site actions, the four steps, the service report,
charges and their approval, the customer's signature and amendments."""

from __future__ import annotations

import base64
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from aftersales.service import services
from aftersales.service.models import (
    Handover,
    ReportAmendment,
    ServiceReport,
    Status,
    WorkOrder,
)

from . import factories as f
from .conftest import client_for, make_order


def png_data_url() -> str:
    image = Image.new("RGBA", (300, 120), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 100), (80, 20), (150, 90), (290, 15)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def dispatched(world: dict[str, Any], order: WorkOrder | None = None, **intake: Any) -> WorkOrder:
    order = order or make_order(world, **intake)
    services.work_order_transition(order=order, action="respond", actor=world["agent"])
    services.work_order_transition(
        order=order, action="dispatch", actor=world["manager"].user, technicians=[world["tech"].pk]
    )
    order.refresh_from_db()
    return order


def on_site(world: dict[str, Any], **intake: Any) -> WorkOrder:
    order = dispatched(world, **intake)
    services.work_order_transition(order=order, action="arrive", actor=world["tech"].user)
    order.refresh_from_db()
    return order


def resolved_with_report(world: dict[str, Any], **intake: Any) -> WorkOrder:
    order = on_site(world, **intake)
    tech = world["tech"].user
    visit = order.visits.get()
    services.visit_record_steps(visit=visit, actor=tech, inspect="冷凝风扇继电器烧蚀")
    services.work_order_transition(order=order, action="diagnose", actor=tech)
    services.report_update(
        order=order,
        actor=tech,
        work_done="更换冷凝风扇继电器，试机正常",
        cause="继电器触点烧蚀导致风扇不转",
        responsibility="supplier",
        labour_hours=Decimal("1.5"),
        travel_km=Decimal("12"),
    )
    services.work_order_transition(order=order, action="resolve", actor=tech)
    order.refresh_from_db()
    return order


def post_action(client, order: WorkOrder, action: str, **data: Any):
    return client.post(reverse("field:transition", args=[order.pk, action]), data)


def paid_unit(world: dict[str, Any]):
    return f.UnitFactory(
        serial="LBUS0000099",
        model=world["model"],
        customer=world["customer"],
        sale_date=date(2019, 1, 1),
        acceptance_date=date(2019, 1, 1),
        warranty_start=date(2019, 1, 1),
        warranty_end=date(2020, 12, 31),
    )


# --- my jobs --------------------------------------------------------------------------------


def test_the_technician_sees_only_own_jobs(world):
    mine = dispatched(world)
    theirs = make_order(world, site_region_code=world["haidian"].code)
    services.work_order_transition(order=theirs, action="respond", actor=world["agent"])
    services.work_order_transition(
        order=theirs,
        action="dispatch",
        actor=world["director"],
        technicians=[world["other_tech"].pk],
    )
    client = client_for(world["tech"].user)

    page = client.get(reverse("field:my_jobs")).content.decode()

    assert mine.number in page
    assert theirs.number not in page
    assert client.get(reverse("field:job", args=[theirs.pk])).status_code == 404


def test_my_jobs_shows_the_deadline_and_status(world):
    order = dispatched(world)
    page = client_for(world["tech"].user).get(reverse("field:my_jobs")).content.decode()
    assert "已派工" in page
    assert "到场时限" in page
    assert timezone.localtime(order.arrival_due).strftime("%m-%d %H:%M") in page


def test_field_pages_are_refused_to_an_agent_and_send_a_customer_to_the_portal(world, order):
    assert client_for(world["agent"]).get(reverse("field:my_jobs")).status_code == 403
    assert client_for(world["agent"]).get(reverse("field:job", args=[order.pk])).status_code == 403
    response = client_for(world["customer_user"]).get(reverse("field:my_jobs"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


# --- on-site actions ------------------------------------------------------------------------


def test_the_job_page_offers_only_the_actions_the_state_allows(world):
    order = dispatched(world)
    page = (
        client_for(world["tech"].user).get(reverse("field:job", args=[order.pk])).content.decode()
    )
    assert 'id="action-depart"' in page
    assert 'id="action-arrive"' in page
    assert 'id="action-resolve"' not in page
    assert 'id="action-diagnose"' not in page


def test_the_technician_walks_the_on_site_actions(world):
    order = dispatched(world)
    client = client_for(world["tech"].user)

    assert post_action(client, order, "depart", reason="已出发").status_code == 302
    order.refresh_from_db()
    assert order.status == Status.EN_ROUTE

    assert post_action(client, order, "arrive").status_code == 302
    order.refresh_from_db()
    assert order.status == Status.ON_SITE
    assert order.visits.count() == 1

    response = client.post(
        reverse("field:steps", args=[order.pk]),
        {
            "listen": "行驶 3 万公里，昨天开始不制冷",
            "run_hours": "1200",
            "mileage_km": "30000",
            "look": "未见拆修痕迹",
            "within_warranty_scope": "true",
            "disassembled_before": "false",
            "inspect": "压缩机离合器线圈断路",
            "handle": "更换离合器线圈",
            "and_diagnose": "1",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.DIAGNOSED
    visit = order.visits.get()
    assert visit.inspect == "压缩机离合器线圈断路"
    assert visit.run_hours == 1200 and visit.mileage_km == 30000
    assert visit.within_warranty_scope is True and visit.disassembled_before is False

    assert post_action(client, order, "wait_parts", reason="等压缩机").status_code == 302
    order.refresh_from_db()
    assert order.status == Status.WAITING_PARTS

    assert post_action(client, order, "arrive").status_code == 302
    assert post_action(client, order, "resolve").status_code == 302
    order.refresh_from_db()
    assert order.status == Status.RESOLVED
    assert order.visit_count == 2
    actions = list(order.transitions.values_list("action", flat=True))
    assert actions[-6:] == ["depart", "arrive", "diagnose", "wait_parts", "arrive", "resolve"]


def test_diagnosis_without_a_root_cause_is_refused_with_the_reason(world):
    order = on_site(world)
    response = post_action(client_for(world["tech"].user), order, "diagnose")
    assert response.status_code == 400
    assert "三查" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.ON_SITE


def test_the_four_steps_are_saved_without_changing_the_state(world):
    order = on_site(world)
    response = client_for(world["tech"].user).post(
        reverse("field:steps", args=[order.pk]), {"listen": "早上启动后异响", "inspect": ""}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.ON_SITE
    assert order.visits.get().listen == "早上启动后异响"


def test_the_four_steps_need_an_arrival_first(world):
    order = dispatched(world)
    response = client_for(world["tech"].user).post(
        reverse("field:steps", args=[order.pk]), {"listen": "x"}
    )
    assert response.status_code == 409
    assert "到场" in response.content.decode()


def test_an_action_the_state_does_not_allow_is_refused_and_changes_nothing(world):
    order = dispatched(world)
    response = post_action(client_for(world["tech"].user), order, "resolve")
    assert response.status_code == 409
    assert "不能执行" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED


def test_a_technician_of_another_outlet_cannot_act_on_the_order(world):
    order = dispatched(world)
    response = post_action(client_for(world["other_tech"].user), order, "depart")
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED


def test_only_on_site_actions_are_accepted_by_the_field_pages(world):
    order = dispatched(world)
    response = post_action(client_for(world["manager"].user), order, "cancel", reason="x")
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED


def test_take_back_needs_the_handover_and_records_it(world):
    order = on_site(world)
    client = client_for(world["tech"].user)
    client.post(
        reverse("field:steps", args=[order.pk]), {"inspect": "电机烧毁", "and_diagnose": "1"}
    )

    refused = post_action(client, order, "take_back", items="", customer_signer="")
    assert refused.status_code == 400
    assert Handover.objects.count() == 0

    promised = timezone.localtime() + timedelta(days=3)
    response = post_action(
        client,
        order,
        "take_back",
        items="驱动电机一台，外壳完好",
        customer_signer="王经理",
        promised_at=promised.strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.IN_WORKSHOP
    handover = Handover.objects.get(order=order)
    assert handover.customer_signer == "王经理"
    assert abs(handover.promised_at - promised) < timedelta(minutes=1)


def test_take_back_with_a_promise_in_the_past_is_refused(world):
    order = on_site(world)
    client = client_for(world["tech"].user)
    client.post(
        reverse("field:steps", args=[order.pk]), {"inspect": "电机烧毁", "and_diagnose": "1"}
    )
    past = timezone.localtime() - timedelta(days=1)
    response = post_action(
        client,
        order,
        "take_back",
        items="电机",
        customer_signer="王经理",
        promised_at=past.strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 400
    assert "承诺完成时间须晚于现在" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.DIAGNOSED


# --- the service report ---------------------------------------------------------------------


def report_post(client, order: WorkOrder, **extra: Any):
    data = {
        "work_done": "更换继电器",
        "cause": "继电器烧蚀",
        "responsibility": "supplier",
        "parts_text": "继电器 ×1，触点烧蚀",
        "old_parts_text": "旧继电器带回",
        "labour_hours": "1.5",
        "travel_km": "12",
    }
    data.update(extra)
    return client.post(reverse("field:report", args=[order.pk]), data)


def test_the_technician_writes_the_service_report(world):
    order = on_site(world)
    response = report_post(client_for(world["tech"].user), order)
    assert response.status_code == 302
    report = ServiceReport.objects.get(order=order)
    assert report.cause == "继电器烧蚀"
    assert report.labour_hours == Decimal("1.5")
    assert not report.is_chargeable


def test_a_free_order_takes_no_charges(world):
    order = on_site(world)
    assert order.warranty_decision == "free"
    report_post(client_for(world["tech"].user), order, charge_code="L-STD", charge_qty="2")
    report = ServiceReport.objects.get(order=order)
    assert report.charge_lines.count() == 0
    assert report.charge_total == 0


def test_a_signature_on_an_empty_report_is_refused(world):
    order = dispatched(world)
    client = client_for(world["tech"].user)
    post_action(client, order, "arrive")
    post_action(client, order, "resolve")
    order.refresh_from_db()
    assert order.status == Status.RESOLVED

    response = client.post(
        reverse("field:report_sign", args=[order.pk]),
        {"signer_name": "王经理", "signature": png_data_url()},
    )

    assert response.status_code == 400
    assert "尚无内容" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.RESOLVED
    assert not ServiceReport.objects.filter(order=order, signed_at__isnull=False).exists()


def test_a_signature_before_resolve_is_refused(world):
    order = on_site(world)
    client = client_for(world["tech"].user)
    report_post(client, order)
    response = client.post(
        reverse("field:report_sign", args=[order.pk]),
        {"signer_name": "王经理", "signature": png_data_url()},
    )
    assert response.status_code == 409
    assert "解决" in response.content.decode()
    assert ServiceReport.objects.get(order=order).signed_at is None


def test_a_signature_needs_a_drawing(world):
    order = resolved_with_report(world)
    response = client_for(world["tech"].user).post(
        reverse("field:report_sign", args=[order.pk]), {"signer_name": "王经理", "signature": ""}
    )
    assert response.status_code == 400
    assert "手写签名" in response.content.decode()
    assert ServiceReport.objects.get(order=order).signed_at is None


def test_the_sign_page_loads_the_pad_from_an_external_script(world):
    order = resolved_with_report(world)
    page = client_for(world["tech"].user).get(reverse("field:report_sign", args=[order.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="signature-pad"' in html
    assert "field-signature.js" in html
    assert 'name="signature"' in html


def test_signing_freezes_the_report(world):
    order = resolved_with_report(world)
    client = client_for(world["tech"].user)

    response = client.post(
        reverse("field:report_sign", args=[order.pk]),
        {"signer_name": "王经理", "signature": png_data_url()},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    report = ServiceReport.objects.get(order=order)
    assert report.signer_name == "王经理"
    assert len(report.content_hash) == 64
    assert report.content_hash == services.report_content_hash(report)
    page = client.get(reverse("field:report", args=[order.pk])).content.decode()
    assert 'id="report-frozen"' in page
    assert report.content_hash in page
    assert 'id="report-form"' not in page

    refused = report_post(client, order, cause="改过的原因")
    assert refused.status_code in (403, 409)
    report.refresh_from_db()
    assert report.cause == "继电器触点烧蚀导致风扇不转"
    with pytest.raises(services.InvalidTransition):
        services.report_update(
            order=WorkOrder.objects.get(pk=order.pk), actor=world["tech"].user, cause="x"
        )


def test_a_signed_report_is_corrected_by_an_amendment(world):
    order = resolved_with_report(world)
    client = client_for(world["tech"].user)
    client.post(
        reverse("field:report_sign", args=[order.pk]),
        {"signer_name": "王经理", "signature": png_data_url()},
    )
    report = ServiceReport.objects.get(order=order)
    original_hash = report.content_hash

    response = client.post(
        reverse("field:report_amend", args=[order.pk]), {"text": "工时应为 2 小时"}
    )

    assert response.status_code == 302
    amendment = ReportAmendment.objects.get(report=report)
    assert amendment.text == "工时应为 2 小时"
    assert amendment.author == world["tech"].user
    report.refresh_from_db()
    assert report.content_hash == original_hash
    assert report.labour_hours == Decimal("1.5")
    assert (
        "工时应为 2 小时" in client.get(reverse("field:report", args=[order.pk])).content.decode()
    )


def test_an_unsigned_report_takes_no_amendment(world):
    order = resolved_with_report(world)
    response = client_for(world["tech"].user).post(
        reverse("field:report_amend", args=[order.pk]), {"text": "x"}
    )
    assert response.status_code == 400
    assert ReportAmendment.objects.count() == 0


def test_charges_on_a_paid_order_need_a_managers_approval_before_signing(world):
    order = on_site(world, serial=paid_unit(world).serial)
    assert order.warranty_decision == "paid"
    tech = client_for(world["tech"].user)

    response = report_post(
        tech,
        order,
        charge_code=["L-STD", "T-KM", ""],
        charge_qty=["2", "24", ""],
    )
    assert response.status_code == 302
    report = ServiceReport.objects.get(order=order)
    assert report.is_chargeable
    assert report.charge_total == Decimal("300.00")  # 2 × 120 + 24 × 2.50
    post_action(tech, order, "resolve")

    refused = tech.post(
        reverse("field:report_sign", args=[order.pk]),
        {"signer_name": "王经理", "signature": png_data_url()},
    )
    assert refused.status_code == 400
    assert "审批" in refused.content.decode()

    assert tech.post(reverse("field:report_approve", args=[order.pk])).status_code == 403
    report.refresh_from_db()
    assert report.charges_approved_at is None

    manager = client_for(world["manager"].user)
    page = manager.get(reverse("field:report", args=[order.pk])).content.decode()
    assert 'id="approve-charges"' in page
    assert manager.post(reverse("field:report_approve", args=[order.pk])).status_code == 302
    report.refresh_from_db()
    assert report.charges_approved_by == world["manager"].user

    signed = tech.post(
        reverse("field:report_sign", args=[order.pk]),
        {"signer_name": "王经理", "signature": png_data_url()},
    )
    assert signed.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED


def test_a_bad_charge_quantity_is_refused_with_the_row(world):
    order = on_site(world, serial=paid_unit(world).serial)
    response = report_post(
        client_for(world["tech"].user), order, charge_code=["L-STD"], charge_qty=["两"]
    )
    assert response.status_code == 400
    assert "第 1 行数量" in response.content.decode()
    assert not ServiceReport.objects.filter(order=order).exists()


def test_the_signature_image_is_served_only_to_who_may_see_the_order(world):
    order = resolved_with_report(world)
    client_for(world["tech"].user).post(
        reverse("field:report_sign", args=[order.pk]),
        {"signer_name": "王经理", "signature": png_data_url()},
    )
    url = reverse("field:report_signature", args=[order.pk])

    own = client_for(world["tech"].user).get(url)
    assert own.status_code == 200
    assert own["Content-Type"] == "image/png"
    assert b"".join(own.streaming_content).startswith(b"\x89PNG")
    assert client_for(world["customer_user"]).get(url).status_code == 200
    assert client_for(world["other_tech"].user).get(url).status_code == 404
