"""Performance rules that a test can hold (docs/performance.md): intake runs a small, fixed number
of statements; the work-order lists run the same few queries for any number of rows and filter
dates with a range the indexes serve; the per-process configuration caches never serve a value
older than the last edit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from aftersales.core import confcache
from aftersales.core.calendar import BusinessCalendar
from aftersales.core.models import BusinessDay
from aftersales.notifications.models import Channel, MessageTemplate, OutboxMessage
from aftersales.service.models import DistanceTier, SlaPolicy, WorkOrder
from aftersales.service.selectors import work_order_list
from aftersales.service.serializers import IntakeResultSerializer

from . import factories as f
from .conftest import api_client_for, client_for, make_order

URL = "/api/v1/work-orders/"
LIST = reverse("service:order_list")

# Statements of one API intake once the caches are warm, measured inside the test's transaction
# (where `atomic` is a SAVEPOINT/RELEASE pair): session, user, the unit (with its earliest open
# order, the outlet covering its site and the configuration stamp), SAVEPOINT, number, order, its
# history row, the transition, the SMS in the outbox, RELEASE. The minimal endpoint of
# bench/minimal_urls.py runs 7 (session, user, SAVEPOINT, order, history row, transition,
# RELEASE). A site region typed in by the caller costs one more: its outlet coverage.
INTAKE_MAX_QUERIES = 10


def intake_body(world, **overrides):
    values = {
        "reporter_name": "李师傅",
        "contact_mobile": "13812345678",
        "fault_description": "空调不制冷",
        "serial": world["unit"].serial,
        "fault_code": "AC01",
    }
    values.update(overrides)
    return values


def post_intake(client, world, **overrides):
    resp = client.post(URL, intake_body(world, **overrides), format="json")
    assert resp.status_code == 201, resp.json()
    return resp.json()


# --- intake ---------------------------------------------------------------------------------


def test_an_api_intake_runs_a_small_fixed_number_of_statements(
    world, django_assert_max_num_queries
):
    client = api_client_for(world["agent"])
    # Warm the session and the per-process caches (configuration, regions, skills).
    post_intake(client, world)
    post_intake(client, world, site_region_code="110108000000")
    with django_assert_max_num_queries(INTAKE_MAX_QUERIES):
        post_intake(client, world)
    with django_assert_max_num_queries(INTAKE_MAX_QUERIES + 1):
        data = post_intake(client, world, site_region_code="110108000000")
    assert data["outlet_name"] == "海淀服务站"


def test_a_cold_intake_reads_the_configuration_once_and_then_not_again(world):
    client = api_client_for(world["agent"])
    post_intake(client, world)  # the session
    confcache.bump()  # as if an administrator had just changed something
    with CaptureQueriesContext(connection) as cold:
        post_intake(client, world)
    with CaptureQueriesContext(connection) as warm:
        post_intake(client, world)
    tables = ("service_slapolicy", "notifications_messagetemplate", "core_businessday")
    assert any(t in q["sql"] for q in cold.captured_queries for t in tables)
    assert not any(t in q["sql"] for q in warm.captured_queries for t in tables)
    assert len(cold.captured_queries) <= INTAKE_MAX_QUERIES + 12


def test_the_intake_answer_is_the_declared_schema(world):
    client = api_client_for(world["agent"])
    data = post_intake(client, world)
    order = WorkOrder.objects.select_related("outlet").get(pk=data["id"])
    declared = serializers.Serializer.to_representation(IntakeResultSerializer(), order)
    assert data == declared
    assert set(data) == set(IntakeResultSerializer().fields)
    assert data["number"] == order.number and data["outlet"] == world["outlet"].pk


def test_a_replayed_intake_answers_the_same_body_with_200(world):
    client = api_client_for(world["agent"])
    body = intake_body(world)
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="perf-1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="perf-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_the_order_number_is_in_the_first_history_row(world):
    order = make_order(world)
    first = order.history.order_by("history_id").first()
    assert first is not None and first.number == order.number


# --- the lists ------------------------------------------------------------------------------


def _count(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url, params)
    assert resp.status_code == 200
    return len(ctx.captured_queries), resp


@pytest.mark.parametrize("url", [LIST, URL], ids=["page", "api"])
def test_the_lists_run_the_same_queries_for_1_and_for_25_rows(world, url):
    client = client_for(world["agent"]) if url == LIST else api_client_for(world["agent"])
    make_order(world)
    today = timezone.localdate().isoformat()
    params = {"status": "open", "date_from": today, "date_to": today}
    client.get(url, params)  # warm the session
    one, _resp = _count(client, url, params)
    for _ in range(30):
        make_order(world, serial="LBUS0000002")
    many, resp = _count(client, url, params)
    assert many == one
    assert one <= 8
    rows = resp.context["orders"] if url == LIST else resp.json()["results"]
    assert len(rows) == 25


def _list_sql(world, **filters):
    return str(work_order_list(world["agent"], **filters).query)


def test_the_date_filter_is_a_range_on_the_column_not_a_date_cast(world):
    sql = _list_sql(world, date_from=date(2026, 3, 1), date_to="2026-03-31").upper()
    assert "AT TIME ZONE" not in sql and "DJANGO_DATETIME_CAST_DATE" not in sql
    assert '"RECEIVED_AT" >=' in sql and '"RECEIVED_AT" <' in sql


def test_the_date_filter_counts_shanghai_days_from_date_objects_and_iso_strings(world):
    order = make_order(world)
    day = date(2026, 3, 10)
    # 23:59 local on the 10th is 15:59 UTC: a UTC date cast would get the same day, but 00:30
    # local on the 11th is still the 10th in UTC and must count as the 11th.
    late = timezone.make_aware(datetime(2026, 3, 10, 23, 59))
    early_next = timezone.make_aware(datetime(2026, 3, 11, 0, 30))
    other = make_order(world, serial="LBUS0000002")
    WorkOrder.objects.filter(pk=order.pk).update(received_at=late)
    WorkOrder.objects.filter(pk=other.pk).update(received_at=early_next)

    def numbers(**filters):
        return set(work_order_list(world["agent"], **filters).values_list("number", flat=True))

    assert numbers(date_from=day, date_to=day) == {order.number}
    assert numbers(date_from="2026-03-10", date_to="2026-03-10") == {order.number}
    assert numbers(date_from=day + timedelta(days=1)) == {other.number}
    assert numbers(date_to="2026-03-11") == {order.number, other.number}
    assert numbers(date_to=day - timedelta(days=1)) == set()


# --- cache invalidation ---------------------------------------------------------------------


def _policy_for(order_number: str) -> SlaPolicy:
    policy = WorkOrder.objects.select_related("sla_policy").get(number=order_number).sla_policy
    assert policy is not None
    return policy


def test_an_edited_sla_policy_is_used_by_the_next_intake(world):
    client = api_client_for(world["agent"])
    first = post_intake(client, world)  # loads the policies into the cache
    policy = _policy_for(first["number"])
    policy.round_the_clock = True  # 7×24: the deadline is receipt + hours exactly
    policy.resolution_hours = 5
    policy.save()
    second = post_intake(client, world)
    order = WorkOrder.objects.get(pk=second["id"])
    assert order.resolution_due == order.received_at + timedelta(hours=5)


def test_a_deleted_distance_tier_is_not_used_by_the_next_intake(world):
    client = api_client_for(world["agent"])
    first = post_intake(client, world)
    policy = _policy_for(first["number"])
    policy.round_the_clock = True
    policy.use_distance_rule = True
    policy.arrival_hours = 30
    policy.save()
    for old in policy.distance_tiers.all():
        old.delete()
    tier = DistanceTier.objects.create(policy=policy, max_km=None, arrival_hours=3)
    with_tier = WorkOrder.objects.get(pk=post_intake(client, world)["id"])
    assert with_tier.arrival_due == with_tier.received_at + timedelta(hours=3)
    DistanceTier.objects.filter(policy=policy).delete()
    assert not DistanceTier.objects.filter(pk=tier.pk).exists()
    without = WorkOrder.objects.get(pk=post_intake(client, world)["id"])
    assert without.arrival_due == without.received_at + timedelta(hours=30)


def test_a_day_made_a_holiday_moves_the_next_deadline(world):
    client = api_client_for(world["agent"])
    first = WorkOrder.objects.get(pk=post_intake(client, world)["id"])
    assert first.sla_policy is not None and not first.sla_policy.round_the_clock
    due_day = timezone.localdate(first.resolution_due)
    BusinessDay.objects.update_or_create(
        date=due_day, defaults={"is_workday": False, "name": "临时停工"}
    )
    second = WorkOrder.objects.get(pk=post_intake(client, world)["id"])
    assert timezone.localdate(second.resolution_due) > due_day
    assert BusinessCalendar().is_workday(due_day) is False


def test_an_edited_message_template_is_used_for_the_next_sms(world):
    client = api_client_for(world["agent"])
    post_intake(client, world)
    template = MessageTemplate.objects.get(
        code="order_received", channel=Channel.SMS, language="zh-hans"
    )
    template.body = "【新模板】工单 {number} 已受理"
    template.save()
    data = post_intake(client, world)
    sms = OutboxMessage.objects.get(cause=f"work_order:{data['id']}", channel=Channel.SMS)
    assert sms.body == f"【新模板】工单 {data['number']} 已受理"


def test_a_change_made_by_another_process_is_seen_through_the_stamp(world):
    """Another gunicorn worker's edit reaches this process only through the database: change a
    policy without signals (as that worker's ORM write looks from here) and its new stamp."""
    client = api_client_for(world["agent"])
    first = post_intake(client, world)
    policy = _policy_for(first["number"])
    SlaPolicy.objects.filter(pk=policy.pk).update(round_the_clock=True, resolution_hours=7)
    stale = WorkOrder.objects.get(pk=post_intake(client, world)["id"])
    assert stale.resolution_due != stale.received_at + timedelta(hours=7)  # no stamp, no reload
    with connection.cursor() as cur:  # the other worker's post_save receiver did this
        cur.execute("UPDATE core_counter SET value = 4242 WHERE prefix = 'CFG' AND year = 0")
    fresh = WorkOrder.objects.get(pk=post_intake(client, world)["id"])
    assert fresh.resolution_due == fresh.received_at + timedelta(hours=7)


def test_a_city_outlet_covers_a_district_without_its_own_outlet(world):
    district = f.region("110101000000")  # Dongcheng: no outlet of its own in this world
    city = district.parent
    assert city is not None
    city_outlet = f.OutletFactory(code="BJ-CITY", name="北京市服务站", regions=[city])
    client = api_client_for(world["agent"])
    data = post_intake(client, world, site_region_code=district.code)
    assert data["outlet"] == city_outlet.pk
    city_outlet.is_active = False
    city_outlet.save()
    data = post_intake(client, world, site_region_code=district.code)
    assert data["outlet"] is None
