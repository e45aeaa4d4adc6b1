"""Customer-facing pages: the portal (own units and orders, reopen within the window), the
public QR form (no login, validated, honeypot, rate-limited) and the QR image of a unit."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import segno
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales.service import services
from aftersales.service.models import Attachment, Channel, Status, WorkOrder

from . import factories as f
from .conftest import client_for, make_order
from .test_field import png_data_url


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The rate limiter counts in the cache: no test may inherit another's count."""
    cache.clear()
    yield
    cache.clear()


def png_bytes() -> bytes:
    import base64

    return base64.b64decode(png_data_url().split(",", 1)[1])


def qr_url(unit) -> str:
    return reverse("portal:qr_report", args=[unit.qr_token])


def fault(**overrides):
    data = {
        "reporter_name": "李师傅",
        "contact_mobile": "13812345678",
        "fault_description": "空调出风口不出冷风",
        "website": "",
    }
    data.update(overrides)
    return data


def closed_order(world) -> WorkOrder:
    """Resolved remotely and closed: no visit, so no signature is needed to close."""
    order = make_order(world)
    services.work_order_transition(order=order, action="respond", actor=world["agent"])
    services.work_order_transition(order=order, action="resolve_remote", actor=world["agent"])
    services.work_order_transition(order=order, action="close", actor=world["agent"])
    order.refresh_from_db()
    assert order.status == Status.CLOSED
    return order


# --- public QR form -------------------------------------------------------------------------


def test_the_qr_form_shows_the_unit_with_the_owner_masked(world):
    response = Client().get(qr_url(world["unit"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert world["unit"].serial in page
    assert "12米纯电动客车" in page
    assert "北京**集团" in page
    assert "北京公交集团" not in page


def test_an_unknown_qr_token_is_not_found(db):
    assert Client().get("/p/q/not-a-token/").status_code == 404


def test_the_qr_form_creates_an_order_without_login(world):
    client = Client()
    photo = SimpleUploadedFile("fault.png", png_bytes(), content_type="image/png")

    response = client.post(qr_url(world["unit"]), {**fault(), "photos": [photo]})

    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.channel == Channel.QR
    assert order.unit == world["unit"]
    assert order.customer == world["customer"]
    assert order.created_by is None
    assert order.status == Status.RECEIVED
    assert order.attachments.get().content_type == "image/png"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert order.number in thanks.content.decode()


def test_the_thanks_page_needs_a_submission(world):
    response = Client().get(reverse("portal:qr_thanks", args=[world["unit"].qr_token]))
    assert response.status_code == 302
    assert response["Location"] == qr_url(world["unit"])


def test_a_bad_phone_number_is_refused_and_creates_nothing(world):
    response = Client().post(qr_url(world["unit"]), fault(contact_mobile="12345"))
    assert response.status_code == 400
    assert "电话号码“12345”格式不正确" in response.content.decode()
    assert WorkOrder.objects.count() == 0


def test_an_html_file_disguised_as_an_image_is_refused_and_creates_nothing(world):
    disguised = SimpleUploadedFile(
        "photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"
    )
    response = Client().post(qr_url(world["unit"]), {**fault(), "photos": [disguised]})
    assert response.status_code == 400
    assert "类型不允许" in response.content.decode()
    assert WorkOrder.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_an_oversized_file_is_refused(world, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.png", png_bytes() + b"\0" * 2048, content_type="image/png")
    response = Client().post(qr_url(world["unit"]), {**fault(), "photos": [big]})
    assert response.status_code == 400
    assert "超过" in response.content.decode()
    assert WorkOrder.objects.count() == 0


def test_the_honeypot_stops_a_bot(world):
    response = Client().post(qr_url(world["unit"]), fault(website="http://spam.example"))
    assert response.status_code == 400
    assert WorkOrder.objects.count() == 0


def test_the_qr_form_is_rate_limited_per_client_address(world, settings):
    settings.PUBLIC_INTAKE_PER_HOUR = 3
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _i in range(3):
        assert client.post(qr_url(world["unit"]), fault()).status_code == 302

    refused = client.post(qr_url(world["unit"]), fault())

    assert refused.status_code == 429
    assert "过于频繁" in refused.content.decode()
    assert WorkOrder.objects.count() == 3
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert other.post(qr_url(world["unit"]), fault()).status_code == 302
    assert WorkOrder.objects.count() == 4


def test_a_refused_submission_counts_towards_the_limit(world, settings):
    settings.PUBLIC_INTAKE_PER_HOUR = 2
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.post(qr_url(world["unit"]), fault(contact_mobile="x"))
    client.post(qr_url(world["unit"]), fault(contact_mobile="x"))
    assert client.post(qr_url(world["unit"]), fault()).status_code == 429
    assert WorkOrder.objects.count() == 0


# --- QR image -------------------------------------------------------------------------------


def test_the_qr_png_encodes_the_absolute_url_of_the_form(world, settings):
    settings.SITE_URL = "https://service.example.com"
    unit = world["unit"]

    response = client_for(world["customer_user"]).get(
        reverse("portal:unit_qr", args=[unit.pk, "png"])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="qr-{unit.serial}.png"'
    expected = io.BytesIO()
    segno.make(f"https://service.example.com/p/q/{unit.qr_token}/", error="m").save(
        expected, kind="png", scale=10, border=4
    )
    assert response.content == expected.getvalue()


def test_the_qr_svg_is_a_download_too(world):
    response = client_for(world["agent"]).get(
        reverse("portal:unit_qr", args=[world["unit"].pk, "svg"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"<svg" in response.content


def test_another_customer_gets_404_for_the_qr_image(world):
    other = f.UserFactory(username="othercustomer", role="customer", department="customer")
    world["other_customer"].user = other
    world["other_customer"].save()
    url = reverse("portal:unit_qr", args=[world["unit"].pk, "png"])
    assert client_for(other).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_a_technician_sees_the_qr_only_of_units_on_their_orders(world):
    url = reverse("portal:unit_qr", args=[world["unit"].pk, "png"])
    assert client_for(world["tech"].user).get(url).status_code == 404
    order = make_order(world)
    services.work_order_transition(order=order, action="respond", actor=world["agent"])
    services.work_order_transition(
        order=order, action="dispatch", actor=world["manager"].user, technicians=[world["tech"].pk]
    )
    assert client_for(world["tech"].user).get(url).status_code == 200


# --- the portal -----------------------------------------------------------------------------


def test_the_customer_sees_only_own_units_and_orders(world):
    mine = make_order(world)
    theirs = make_order(world, serial=world["other_unit"].serial)
    client = client_for(world["customer_user"])

    page = client.get(reverse("portal:home")).content.decode()

    assert world["unit"].serial in page
    assert world["other_unit"].serial not in page
    assert mine.number in page
    assert theirs.number not in page
    assert reverse("portal:unit_report", args=[world["unit"].pk]) in page
    assert client.get(reverse("portal:order", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("portal:unit", args=[world["other_unit"].pk])).status_code == 404


def test_the_portal_home_sends_back_office_users_home(world):
    response = client_for(world["agent"]).get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_unit_page_shows_warranty_orders_and_the_qr_link(world):
    order = make_order(world)
    page = client_for(world["customer_user"]).get(reverse("portal:unit", args=[world["unit"].pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert world["unit"].warranty_end.strftime("%Y-%m-%d") in html
    assert order.number in html
    assert reverse("portal:unit_qr", args=[world["unit"].pk, "png"]) in html


def test_the_customer_reports_a_fault_from_the_portal(world):
    client = client_for(world["customer_user"])
    url = reverse("portal:unit_report", args=[world["unit"].pk])
    assert client.get(url).status_code == 200

    response = client.post(url, fault(fault_description="刹车异响"))

    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:order", args=[order.pk])
    assert order.channel == Channel.PORTAL
    assert order.created_by == world["customer_user"]
    assert order.fault_description == "刹车异响"


def test_a_customer_cannot_report_on_another_customers_unit(world):
    url = reverse("portal:unit_report", args=[world["other_unit"].pk])
    assert client_for(world["customer_user"]).post(url, fault()).status_code == 404
    assert WorkOrder.objects.count() == 0


def test_the_order_page_shows_status_and_history(world):
    order = closed_order(world)
    page = client_for(world["customer_user"]).get(reverse("portal:order", args=[order.pk]))
    html = page.content.decode()
    assert "已关闭" in html
    assert "远程解决" in html
    assert 'id="reopen-form"' in html


def test_the_customer_reopens_within_the_window(world):
    order = closed_order(world)
    client = client_for(world["customer_user"])

    response = client.post(
        reverse("portal:order_reopen", args=[order.pk]), {"reason": "空调又不制冷了"}
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.RESPONDED
    assert order.reopen_count == 1
    last = order.transitions.last()
    assert last.action == "reopen" and last.reason == "空调又不制冷了"
    assert last.actor == world["customer_user"]


def test_a_reopen_needs_a_reason(world):
    order = closed_order(world)
    response = client_for(world["customer_user"]).post(
        reverse("portal:order_reopen", args=[order.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Status.CLOSED


def test_the_customer_cannot_reopen_after_the_window(world):
    order = closed_order(world)
    WorkOrder.objects.filter(pk=order.pk).update(closed_at=timezone.now() - timedelta(days=8))
    client = client_for(world["customer_user"])

    page = client.get(reverse("portal:order", args=[order.pk])).content.decode()
    assert 'id="reopen-form"' not in page
    assert 'id="reopen-expired"' in page

    response = client.post(reverse("portal:order_reopen", args=[order.pk]), {"reason": "又坏了"})
    assert response.status_code == 400
    assert "已超过 7 天的重开期限" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.CLOSED
    assert order.reopen_count == 0


def test_a_customer_cannot_reopen_another_customers_order(world):
    other = f.UserFactory(username="othercustomer", role="customer", department="customer")
    world["other_customer"].user = other
    world["other_customer"].save()
    order = closed_order(world)
    response = client_for(other).post(
        reverse("portal:order_reopen", args=[order.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Status.CLOSED


def test_an_oversized_public_report_is_refused_before_its_body_is_read(client, world):
    from aftersales.portal.views import MAX_PUBLIC_BODY
    from aftersales.service.models import WorkOrder

    url = f"/p/q/{world['unit'].qr_token}/"
    response = client.post(
        url,
        data=b"x",
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(MAX_PUBLIC_BODY + 1),
    )
    assert response.status_code == 413
    assert not WorkOrder.objects.exists()
