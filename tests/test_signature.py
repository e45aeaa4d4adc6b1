"""The customer's signature must be a real drawing, and it is part of what the hash seals."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from aftersales.core.errors import ValidationFailed
from aftersales.service import services
from aftersales.service.models import ServiceReport, Status

from .test_field import png_data_url, resolved_with_report


def _blank_png() -> str:
    buf = io.BytesIO()
    Image.new("RGBA", (300, 120), (255, 255, 255, 0)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(_blank_png(), id="empty canvas"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, id="header then junk"),
    ],
)
def test_a_signature_that_is_not_a_drawing_is_refused_and_nothing_changes(world, image):
    order = resolved_with_report(world)
    with pytest.raises(ValidationFailed):
        services.report_sign(
            order=order, actor=world["tech"].user, signer_name="王经理", image=image
        )
    order.refresh_from_db()
    assert order.status == Status.RESOLVED
    assert not ServiceReport.objects.get(order=order).is_signed


def test_swapping_the_signature_file_after_signing_breaks_the_hash(world):
    order = resolved_with_report(world)
    report = services.report_sign(
        order=order, actor=world["tech"].user, signer_name="王经理", image=png_data_url()
    )
    report.refresh_from_db()
    assert services.report_content_hash(report) == report.content_hash
    buf = io.BytesIO()
    Image.new("RGB", (50, 20), "black").save(buf, format="PNG")
    report.signature.save("forged.png", ContentFile(buf.getvalue()), save=True)
    assert services.report_content_hash(report) != report.content_hash


@pytest.mark.parametrize("quantity", ["1000000", "0.004", "abc", "-1", "NaN"])
def test_a_charge_quantity_the_column_cannot_hold_is_refused(world, quantity):
    from .test_field import paid_unit

    unit = paid_unit(world)
    order = resolved_with_report(world, serial=unit.serial)
    before = ServiceReport.objects.get(order=order).charge_total
    with pytest.raises(ValidationFailed):
        services.report_update(
            order=order, actor=world["tech"].user, charges=[{"code": "L-STD", "quantity": quantity}]
        )
    assert ServiceReport.objects.get(order=order).charge_total == before
