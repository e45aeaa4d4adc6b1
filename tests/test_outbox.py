"""The outbox (S21): SMS through the recording adapter, email through Django's mail backend,
retries with back-off, every attempt recorded, nothing lost."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection

from aftersales.notifications.models import (
    Channel,
    DeliveryAttempt,
    OutboxMessage,
    OutboxStatus,
    RecordedSms,
)
from aftersales.notifications.services import MAX_ATTEMPTS, outbox_deliver_due, outbox_enqueue

from . import factories as f

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=SH)
CALLS: list[str] = []


class BrokenSms:
    """A gateway that is down."""

    def send(self, *, to: str, text: str, template_id: str) -> None:
        CALLS.append(to)
        raise ConnectionError("gateway timeout")


class DatabaseBreakingSms:
    """A gateway adapter whose own bookkeeping fails on the database."""

    def send(self, *, to: str, text: str, template_id: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_for_sms")


class FlakySms:
    """Down for the first three tries, then up."""

    def send(self, *, to: str, text: str, template_id: str) -> None:
        CALLS.append(to)
        if len(CALLS) <= 3:
            raise ConnectionError("busy")
        RecordedSms.objects.create(to=to, text=text, template_id=template_id)


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def sms(to="13812345678", number="WO-2025-000001"):
    message = outbox_enqueue(
        template_code="order_received",
        channel=Channel.SMS,
        cause="work_order:1",
        to=to,
        params={"number": number, "deadline": "2025-03-03 11:00"},
    )
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=T0)
    return message


@pytest.mark.django_db
def test_an_sms_is_delivered_through_the_recording_adapter():
    message = sms()
    assert outbox_deliver_due(now=T0) == 1
    recorded = RecordedSms.objects.get()
    assert recorded.to == "13812345678" and "WO-2025-000001" in recorded.text
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.sent_at == T0
    assert message.attempts == 1
    assert [a.ok for a in message.delivery_attempts.all()] == [True]
    assert outbox_deliver_due(now=T0 + timedelta(hours=1)) == 0  # never sent twice
    assert RecordedSms.objects.count() == 1


@pytest.mark.django_db
def test_an_email_goes_through_djangos_mail_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    director = f.UserFactory(username="director", email="director@example.com")
    message = outbox_enqueue(
        template_code="sla_breach",
        channel=Channel.EMAIL,
        cause="work_order:7",
        recipient_user=director,
        params={"number": "WO-2025-000007", "target": "响应", "deadline": "-", "level": "主管"},
    )
    assert message.to == "director@example.com"
    assert outbox_deliver_due() == 1
    [email] = mail.outbox
    assert email.to == ["director@example.com"]
    assert "WO-2025-000007" in email.subject and "WO-2025-000007" in email.body


@pytest.mark.django_db
def test_a_message_is_rendered_in_the_recipients_language():
    message = outbox_enqueue(
        template_code="order_received",
        channel=Channel.SMS,
        cause="work_order:1",
        to="13812345678",
        params={"number": "WO-1", "deadline": "x"},
        language="en",
    )
    assert message.body.startswith("[Aftersales]")


@pytest.mark.django_db
def test_an_in_app_message_needs_no_gateway(settings):
    settings.SMS_BACKEND = "tests.test_outbox.BrokenSms"
    user = f.UserFactory()
    outbox_enqueue(
        template_code="callback_due",
        channel=Channel.IN_APP,
        cause="work_order:1",
        recipient_user=user,
        params={"number": "WO-1", "deadline": "x"},
    )
    assert outbox_deliver_due() == 1
    assert CALLS == []


@pytest.mark.django_db
def test_a_failing_gateway_is_retried_with_back_off_and_every_attempt_recorded(settings):
    settings.SMS_BACKEND = "tests.test_outbox.BrokenSms"
    message = sms()
    now = T0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert outbox_deliver_due(now=now) == 0
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.last_error == "gateway timeout"
        assert len(CALLS) == attempt
        if attempt < MAX_ATTEMPTS:
            assert message.status == OutboxStatus.PENDING
            wait = timedelta(minutes=2**attempt)
            assert message.next_attempt_at == now + wait
            # Not due a moment before the back-off ends: no extra try.
            outbox_deliver_due(now=now + wait - timedelta(seconds=1))
            assert len(CALLS) == attempt
            now += wait
    assert message.status == OutboxStatus.FAILED
    attempts = list(message.delivery_attempts.all())
    assert len(attempts) == MAX_ATTEMPTS
    assert all(not a.ok and a.error == "gateway timeout" for a in attempts)
    # A failed message stays in the table for the administrator: nothing is lost or retried.
    outbox_deliver_due(now=now + timedelta(days=30))
    assert len(CALLS) == MAX_ATTEMPTS
    assert OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.FAILED).exists()


@pytest.mark.django_db
def test_a_gateway_that_comes_back_delivers_the_waiting_message(settings):
    settings.SMS_BACKEND = "tests.test_outbox.FlakySms"
    message = sms()
    now = T0
    for _ in range(4):
        outbox_deliver_due(now=now)
        now += timedelta(days=1)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 4
    assert [a.ok for a in message.delivery_attempts.all()] == [False, False, False, True]
    assert RecordedSms.objects.count() == 1


@pytest.mark.django_db
def test_a_gateway_failing_on_the_database_is_recorded_like_any_failure(settings):
    settings.SMS_BACKEND = "tests.test_outbox.DatabaseBreakingSms"
    message = sms()
    good = outbox_enqueue(
        template_code="callback_due",
        channel=Channel.IN_APP,
        cause="work_order:2",
        recipient_user=f.UserFactory(),
        params={"number": "WO-2", "deadline": "x"},
    )
    OutboxMessage.objects.update(next_attempt_at=T0)
    assert outbox_deliver_due(now=T0 + timedelta(minutes=1)) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert "no_such_table_for_sms" in message.last_error
    assert DeliveryAttempt.objects.filter(message=message, ok=False).count() == 1
    good.refresh_from_db()
    assert good.status == OutboxStatus.SENT


@pytest.mark.django_db
def test_one_bad_message_does_not_hold_up_the_others(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    nobody = outbox_enqueue(
        template_code="sla_breach",
        channel=Channel.EMAIL,
        cause="work_order:3",
        recipient_user=f.UserFactory(username="noemail", email=""),
        params={"number": "WO-3"},
    )
    ok = sms()
    OutboxMessage.objects.update(next_attempt_at=T0)
    assert outbox_deliver_due(now=T0 + timedelta(minutes=1)) == 1
    nobody.refresh_from_db()
    ok.refresh_from_db()
    assert nobody.status == OutboxStatus.PENDING and "no recipient" in nobody.last_error
    assert ok.status == OutboxStatus.SENT


@pytest.mark.django_db
def test_every_message_says_what_caused_it(world):
    from .conftest import make_order

    order = make_order(world)
    assert OutboxMessage.objects.filter(cause=f"work_order:{order.pk}").exists()
    assert not OutboxMessage.objects.filter(cause="").exists()
