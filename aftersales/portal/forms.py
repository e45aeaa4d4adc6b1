"""Forms of the customer pages. They shape input; `work_order_intake` decides what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.service.services import UploadedFile

MAX_PHOTOS = 6


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class FaultReportForm(forms.Form):
    """The public QR form and the portal's "report a fault" form."""

    reporter_name = forms.CharField(
        label=_("您的姓名"), max_length=60, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    contact_mobile = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        help_text=_("11 位手机号，或带区号的固定电话"),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    fault_description = forms.CharField(
        label=_("故障描述"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("什么时候开始、出现了什么现象、是否还能使用")}
        ),
    )
    photos = MultipleFileField(label=_("照片或文件（可选）"), required=False)
    # Honeypot: hidden from people by CSS; bots that fill every field give themselves away.
    website = forms.CharField(
        label=_("网站"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = gettext(
            "最多 %(n)s 个 JPEG/PNG/WebP 图片或 PDF，每个不超过 %(mb)s MB"
        ) % {"n": MAX_PHOTOS, "mb": settings.ATTACHMENT_MAX_BYTES // 1024 // 1024}

    def clean_photos(self) -> list[Any]:
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(_("最多上传 %(n)s 个文件") % {"n": MAX_PHOTOS})
        return photos

    def uploads(self) -> list[UploadedFile]:
        """The files as the service takes them. Reads at most one byte past the limit, so an
        oversized file is refused by the service without filling the memory."""
        limit = settings.ATTACHMENT_MAX_BYTES + 1
        return [
            UploadedFile(name=f.name or "file", content=f.read(limit))
            for f in self.cleaned_data.get("photos") or []
        ]


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("重开原因"),
        max_length=1000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("请说明故障仍未解决或再次出现的情况")}
        ),
    )


class LoginLinkForm(forms.Form):
    address = forms.CharField(
        label=_("手机号或邮箱"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email"}),
    )


class PortalComplaintForm(forms.Form):
    """A customer's complaint. The service decides what is valid; the level is judged later."""

    type = forms.ChoiceField(label=_("投诉类型"))
    unit = forms.TypedChoiceField(label=_("设备"), required=False, coerce=int, empty_value=None)
    description = forms.CharField(
        label=_("投诉内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    request = forms.CharField(
        label=_("客户要求"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, units: Any = (), **kwargs: Any) -> None:
        from aftersales.complaints.models import ComplaintType

        super().__init__(*args, **kwargs)
        self.fields["type"].choices = ComplaintType.choices  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (u.pk, f"{u.model.name} · {u.serial}") for u in units
        ]
