"""SMS adapters. A real gateway implements `SmsBackend.send`; the default records the message."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str, template_id: str) -> None: ...


class RecordingSmsBackend:
    def send(self, *, to: str, text: str, template_id: str) -> None:
        from .models import RecordedSms

        RecordedSms.objects.create(to=to, text=text, template_id=template_id)


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
