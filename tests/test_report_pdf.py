"""The printable Chinese service report: text read back with pdftotext, the signature embedded,
served as a download, and only to those who may see the order."""

from __future__ import annotations

import subprocess

from django.urls import reverse

from aftersales.service import services
from aftersales.service.models import WorkOrder

from .conftest import client_for
from .test_field import png_data_url, resolved_with_report


def signed(world) -> WorkOrder:
    order = resolved_with_report(world)
    services.report_sign(
        order=order, actor=world["tech"].user, signer_name="王建国", image=png_data_url()
    )
    order.refresh_from_db()
    return order


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_the_report_pdf_holds_the_chinese_text_of_the_signed_report(world, tmp_path):
    order = signed(world)

    response = client_for(world["tech"].user).get(reverse("field:report_pdf", args=[order.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{order.number}-report.pdf"'
    text = pdf_text(response.content, tmp_path)
    assert order.number in text
    assert "服务报告" in text
    assert "继电器触点烧蚀导致风扇不转" in text  # cause
    assert "冷凝风扇继电器烧蚀" in text  # the 三查 step of the visit
    assert "王建国" in text  # signer
    assert order.report.content_hash[:16] in text.replace("\n", "")
    assert "北京公交集团" in text


def test_the_report_pdf_embeds_the_signature_image(world, tmp_path):
    order = signed(world)
    pdf = client_for(world["tech"].user).get(reverse("field:report_pdf", args=[order.pk])).content
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True
    ).stdout
    rows = [line for line in listing.splitlines()[2:] if line.strip()]
    assert rows, "the signature image is missing from the PDF"


def test_the_report_pdf_shows_charges_with_the_total(world, tmp_path):
    from .test_field import on_site, paid_unit

    order = on_site(world, serial=paid_unit(world).serial)
    services.report_update(
        order=order,
        actor=world["tech"].user,
        work_done="更换压缩机",
        cause="压缩机卡缸",
        charges=[{"code": "L-STD", "quantity": 2}, {"code": "P-GENERIC", "quantity": 1}],
    )
    text = pdf_text(
        client_for(world["tech"].user).get(reverse("field:report_pdf", args=[order.pk])).content,
        tmp_path,
    )
    assert "标准工时" in text
    assert "340.00" in text  # 2 × 120 + 100
    assert "客户尚未签字" in text


def test_text_typed_into_the_report_is_printed_not_fetched(world, tmp_path):
    from .test_field import on_site

    order = on_site(world)
    services.report_update(
        order=order,
        actor=world["tech"].user,
        work_done='<img src="http://192.0.2.1/x.png">检查线路',
        cause="<b>接线松动</b>",
    )
    response = client_for(world["tech"].user).get(reverse("field:report_pdf", args=[order.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "<b>接线松动</b>" in text
    assert "192.0.2.1" in text


def test_the_report_pdf_is_not_served_to_a_technician_of_another_outlet(world):
    order = signed(world)
    url = reverse("field:report_pdf", args=[order.pk])
    assert client_for(world["other_tech"].user).get(url).status_code == 404
    assert client_for(world["customer_user"]).get(url).status_code == 200
