"""Forms of the back-office order pages. They only parse what people type; every business rule
(phone format, serial on file, attachment types, warranty) lives in the services, whose
`ValidationFailed` errors the views put back next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from aftersales.network.models import Outlet
from aftersales.products.models import FaultCode, FaultGrade, ProductModel

from .models import Channel, OrderType, Status
from .services import IntakeData, UploadedFile


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    date_from = forms.DateField(
        label=_("受理日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("工单号、报修人、序列号或电话")}),
    )
    outlet = forms.ModelChoiceField(
        label=_("服务网点"), required=False, queryset=Outlet.objects.none(), empty_label=_("全部")
    )

    def __init__(self, *args: Any, outlets: QuerySet[Outlet], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("全部")),
            ("open", _("未完结")),
            *Status.choices,
        ]
        self.fields["outlet"].queryset = outlets  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


def _fault_code_choices() -> list[tuple[str, Any]]:
    seen: dict[str, Any] = {}
    for code, name, model_code in FaultCode.objects.values_list(
        "code", "name", "model__code"
    ).order_by("code", "model__code"):
        label = f"{code} · {name}" + (f"（{model_code}）" if model_code else "")
        seen.setdefault(code, label)
    return [("", _("— 请选择 —")), *seen.items()]


def _model_choices() -> list[tuple[str, Any]]:
    return [
        ("", _("— 请选择 —")),
        *(
            (code, f"{code} · {name}")
            for code, name in ProductModel.objects.values_list("code", "name")
        ),
    ]


class IntakeForm(forms.Form):
    """Hotline intake. Field names match `IntakeData` so the service's field errors land on
    the right input."""

    reporter_name = forms.CharField(label=_("报修人"), max_length=60, required=False)
    contact_mobile = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    serial = forms.CharField(
        label=_("设备序列号"),
        max_length=60,
        required=False,
        help_text=_("铭牌上的序列号/车架号"),
    )
    unregistered_serial = forms.CharField(
        label=_("未建档设备序列号"), max_length=60, required=False
    )
    product_model_code = forms.ChoiceField(label=_("产品型号"), required=False)
    fault_code = forms.ChoiceField(label=_("故障代码"), required=False)
    fault_grade = forms.ChoiceField(
        label=_("故障等级"),
        required=False,
        choices=[("", _("按故障代码默认")), *FaultGrade.choices],
    )
    fault_date = forms.DateField(
        label=_("故障日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    fault_description = forms.CharField(
        label=_("故障描述"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    order_type = forms.ChoiceField(
        label=_("工单类型"), choices=OrderType.choices, initial=OrderType.REPAIR
    )
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.HOTLINE)
    site_address = forms.CharField(
        label=_("现场地址"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    site_region_code = forms.CharField(label=_("现场地区"), max_length=12, required=False)
    exclusion_suspected = forms.BooleanField(
        label=_("疑似除外情形（误用、私自拆修、例行保养、易损件）"), required=False
    )
    attachments = MultipleFileField(
        label=_("附件"),
        required=False,
        help_text=_("照片、传真或来函扫描件：JPEG、PNG、WebP 或 PDF"),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["fault_code"].choices = _fault_code_choices()  # type: ignore[attr-defined]
        self.fields["product_model_code"].choices = _model_choices()  # type: ignore[attr-defined]
        self.fields["attachments"].widget.attrs["accept"] = ",".join(
            sorted(settings.ATTACHMENT_CONTENT_TYPES)
        )

    def to_intake_data(self) -> IntakeData:
        c = self.cleaned_data
        return IntakeData(
            reporter_name=c["reporter_name"],
            contact_mobile=c["contact_mobile"],
            fault_description=c["fault_description"],
            channel=c["channel"],
            order_type=c["order_type"],
            serial=c["serial"].strip(),
            unregistered_serial=c["unregistered_serial"].strip(),
            product_model_code=c["product_model_code"],
            fault_code=c["fault_code"],
            fault_grade=c["fault_grade"],
            fault_date=c["fault_date"],
            site_region_code=c["site_region_code"].strip(),
            site_address=c["site_address"].strip(),
            exclusion_suspected=c["exclusion_suspected"],
            attachments=[_read_upload(f) for f in c["attachments"]],
        )


def _read_upload(upload: Any) -> UploadedFile:
    # Read one byte past the limit only: enough for the service to refuse an oversized file
    # without pulling a huge upload into memory.
    content = upload.read(settings.ATTACHMENT_MAX_BYTES + 1)
    return UploadedFile(name=upload.name or "file", content=content)
