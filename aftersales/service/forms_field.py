"""Forms of the technician's phone pages. They only shape input; the rules live in services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import PriceItem, Responsibility

_TEXTAREA = {"rows": 3}


class TransitionForm(forms.Form):
    """Depart, arrive, diagnose, wait for parts, resolve: an optional note."""

    reason = forms.CharField(
        label=_("备注"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("可选")}),
    )


class TakeBackForm(forms.Form):
    """Take-back to the workshop: the written handover confirmed by both sides."""

    items = forms.CharField(
        label=_("交接物品及状况"), widget=forms.Textarea(attrs=_TEXTAREA), max_length=2000
    )
    customer_signer = forms.CharField(label=_("客户签字人"), max_length=60)
    promised_at = forms.DateTimeField(
        label=_("承诺完成时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=_("备注"), required=False, max_length=500)


class StepsForm(forms.Form):
    """The seed's four steps on the current visit: listen, look, check (三查), handle."""

    listen = forms.CharField(
        label=_("一听：运行时间、里程、使用与故障经过"),
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )
    run_hours = forms.IntegerField(label=_("运行小时"), required=False, min_value=0)
    mileage_km = forms.IntegerField(label=_("里程（公里）"), required=False, min_value=0)
    look = forms.CharField(
        label=_("二看：三包范围、是否拆修过"),
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )
    within_warranty_scope = forms.NullBooleanField(
        label=_("属三包范围"), required=False, widget=forms.NullBooleanSelect
    )
    disassembled_before = forms.NullBooleanField(
        label=_("曾被拆修"), required=False, widget=forms.NullBooleanSelect
    )
    inspect = forms.CharField(
        label=_("三查：故障原因"), required=False, widget=forms.Textarea(attrs=_TEXTAREA)
    )
    handle = forms.CharField(
        label=_("四处理：维修与责任认定"),
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )


class ReportForm(forms.Form):
    work_done = forms.CharField(label=_("工作内容"), widget=forms.Textarea(attrs=_TEXTAREA))
    cause = forms.CharField(label=_("原因分析"), widget=forms.Textarea(attrs=_TEXTAREA))
    responsibility = forms.ChoiceField(label=_("责任"), choices=Responsibility.choices)
    parts_text = forms.CharField(
        label=_("更换配件（名称、数量、原因）"),
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )
    old_parts_text = forms.CharField(
        label=_("带回旧件"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    labour_hours = forms.DecimalField(
        label=_("工时（小时）"), min_value=Decimal("0"), max_digits=6, decimal_places=2
    )
    travel_km = forms.DecimalField(
        label=_("差旅里程（公里）"), min_value=Decimal("0"), max_digits=8, decimal_places=1
    )
    invoice_no = forms.CharField(label=_("发票号"), required=False, max_length=40)

    def __init__(self, *args: Any, chargeable: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not chargeable:
            del self.fields["invoice_no"]


def parse_charge_lines(data: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Charge rows arrive as parallel lists `charge_code` / `charge_qty`; blank rows are skipped.
    Returns (lines for `report_update`, errors for people)."""
    codes = data.getlist("charge_code")
    quantities = data.getlist("charge_qty")
    lines: list[dict[str, Any]] = []
    errors: list[str] = []
    for index, code in enumerate(codes):
        code = (code or "").strip()
        raw_qty = (quantities[index] if index < len(quantities) else "").strip()
        if not code and not raw_qty:
            continue
        if not code:
            errors.append(gettext("第 %(n)s 行收费未选择价目") % {"n": index + 1})
            continue
        try:
            qty = Decimal(raw_qty or "1")
        except InvalidOperation:
            errors.append(
                gettext("第 %(n)s 行数量“%(qty)s”不是数字") % {"n": index + 1, "qty": raw_qty}
            )
            continue
        if not qty.is_finite() or qty <= 0:
            errors.append(gettext("第 %(n)s 行数量必须大于 0") % {"n": index + 1})
            continue
        lines.append({"code": code, "quantity": qty})
    return lines, errors


def price_items() -> list[PriceItem]:
    return list(PriceItem.objects.filter(is_active=True).order_by("kind", "code"))


class SignForm(forms.Form):
    signer_name = forms.CharField(
        label=_("签字客户姓名"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    signature = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_signature(self) -> str:
        value = self.cleaned_data.get("signature") or ""
        if not value.startswith("data:image/png;base64,"):
            raise forms.ValidationError(_("请客户在签名框内手写签名后再提交"))
        return value


class AmendForm(forms.Form):
    text = forms.CharField(
        label=_("更正内容"), widget=forms.Textarea(attrs=_TEXTAREA), max_length=4000
    )
