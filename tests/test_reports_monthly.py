"""The stored monthly figures behind the trend chart (reports/monthly.py): counted once per
complete month, read back, dropped by every change that moves them, equal to the live count."""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from aftersales.core.dates import previous_month, start_of_day
from aftersales.reports import monthly
from aftersales.reports.models import KpiMonth, KpiSettings
from aftersales.reports.selectors import Period, kpis_for_user, monthly_trend
from aftersales.reports.tasks import refresh_kpi_months
from aftersales.service import services
from aftersales.service.models import ServiceSettings, Status, WorkOrder
from aftersales.supervision.models import FeedbackForm

from .conftest import make_order
from .test_reports_kpis_support import breach
from .test_supervision import close


def last_month() -> date:
    return previous_month(monthly.current_month())


def closed_in(world, capture, month: date, *, outlet=None, day: int = 3) -> WorkOrder:
    """An order closed through the system, then dated into `month` (history, as an import
    would leave it); loaded again so that it is what a later request would see."""
    order = close(make_order(world), world, capture)
    WorkOrder.objects.filter(pk=order.pk).update(
        closed_at=start_of_day(month) + timedelta(days=day - 1, hours=10),
        outlet=outlet or world["outlet"],
    )
    return WorkOrder.objects.get(pk=order.pk)


def form(order, grades: str = "AAA", **extra) -> FeedbackForm:
    t, q, a = grades
    return FeedbackForm.objects.create(
        order=order, source="callback", timeliness=t, quality=q, attitude=a, **extra
    )


def point(user, month: date) -> dict:
    [p] = [p for p in monthly_trend(user, last=monthly.current_month()) if p["first"] == month]
    return p


def test_a_complete_month_is_counted_once_and_then_read_back(
    world, django_capture_on_commit_callbacks
):
    month = last_month()
    orders = [closed_in(world, django_capture_on_commit_callbacks, month) for _ in range(3)]
    breach(orders[0])
    form(orders[0], "ABC")
    director = world["director"]
    assert point(director, month)["timeliness"] == pytest.approx(200 / 3)
    assert point(director, month)["satisfaction"] == pytest.approx(200 / 3)
    assert KpiMonth.objects.filter(month=month).exists()
    # A write behind the signals' back: the stored figure is what is read …
    WorkOrder.objects.filter(pk=orders[1].pk).update(status=Status.CANCELLED)
    with CaptureQueriesContext(connection) as queries:
        assert point(director, month)["timeliness"] == pytest.approx(200 / 3)
    read = [q["sql"] for q in queries if "service_workorder" in q["sql"]]
    # … and the orders are counted only for the current month (two live queries).
    assert len(read) == 2
    assert all("reports_kpimonth" not in sql for sql in read)
    # The nightly refresh recounts it.
    refresh_kpi_months.call_local()
    assert point(director, month)["timeliness"] == pytest.approx(50.0)


def test_the_current_month_is_counted_live_and_never_stored(
    world, django_capture_on_commit_callbacks
):
    order = close(make_order(world), world, django_capture_on_commit_callbacks)
    this_month = monthly.current_month()
    assert point(world["director"], this_month)["timeliness"] == 100.0
    assert not KpiMonth.objects.filter(month__gte=this_month).exists()
    breach(order)
    assert point(world["director"], this_month)["timeliness"] == 0.0
    assert monthly.refresh([this_month]) == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_figures_equal_the_kpis_counted_for_the_month(
    world, django_capture_on_commit_callbacks, seed
):
    """The invariant: for any records, a stored month's point is the month's KPI counted
    from scratch by the other code path (`kpis_for_user`), for the whole and for an outlet."""
    rng = random.Random(seed)
    months = [last_month(), previous_month(last_month())]
    for _ in range(8):
        month = rng.choice(months)
        outlet = rng.choice([world["outlet"], world["other_outlet"]])
        order = closed_in(
            world, django_capture_on_commit_callbacks, month, outlet=outlet, day=rng.randint(1, 28)
        )
        if rng.random() < 0.4:
            breach(order)
        if rng.random() < 0.7:
            form(order, "".join(rng.choice("ABCDE") for _ in range(3)))
        if rng.random() < 0.2:
            form(order, "EEE", counted=False)
    KpiSettings.objects.filter(pk=1).update(satisfied_grades=rng.choice(["AB", "A", "ABC"]))
    for user in (world["director"], world["manager"].user):
        monthly_trend(user, last=monthly.current_month())  # stores the months
        assert KpiMonth.objects.filter(month__in=months).exists()
        for month in months:
            got = point(user, month)
            [live] = kpis_for_user(
                user, Period(month, monthly.next_month(month) - timedelta(days=1))
            )
            assert got["timeliness"] == live.value("timeliness").value
            assert got["satisfaction"] == live.value("satisfaction").value


def test_a_station_manager_reads_only_their_outlet(world, django_capture_on_commit_callbacks):
    month = last_month()
    mine = closed_in(world, django_capture_on_commit_callbacks, month)
    closed_in(world, django_capture_on_commit_callbacks, month, outlet=world["other_outlet"])
    breach(mine)
    monthly_trend(world["director"], last=monthly.current_month())
    assert point(world["manager"].user, month)["timeliness"] == 0.0
    assert point(world["director"], month)["timeliness"] == 50.0
    nobody = world["tech"].user
    assert point(nobody, month)["timeliness"] is None


def test_a_new_feedback_form_drops_its_month(world, django_capture_on_commit_callbacks):
    month = last_month()
    order = closed_in(world, django_capture_on_commit_callbacks, month)
    assert point(world["director"], month)["satisfaction"] is None
    new = form(order, "AAE")
    assert not KpiMonth.objects.filter(month=month).exists()
    assert point(world["director"], month)["satisfaction"] == pytest.approx(200 / 3)
    new.delete()
    assert point(world["director"], month)["satisfaction"] is None


def test_a_breach_on_a_closed_order_drops_its_month(world, django_capture_on_commit_callbacks):
    month = last_month()
    order = closed_in(world, django_capture_on_commit_callbacks, month)
    assert point(world["director"], month)["timeliness"] == 100.0
    breach(order)
    assert point(world["director"], month)["timeliness"] == 0.0


def test_reopening_drops_the_month_the_order_leaves(world, django_capture_on_commit_callbacks):
    ServiceSettings.objects.update_or_create(pk=1, defaults={"reopen_window_days": 90})
    month = last_month()
    stays = closed_in(world, django_capture_on_commit_callbacks, month)
    leaves = closed_in(world, django_capture_on_commit_callbacks, month)
    breach(stays)
    assert point(world["director"], month)["timeliness"] == 50.0
    with django_capture_on_commit_callbacks(execute=True):
        services.work_order_transition(
            order=leaves, action="reopen", actor=world["agent"], reason="客户反映故障复发"
        )
    assert point(world["director"], month)["timeliness"] == 0.0


def test_following_up_keeps_the_stored_month(world, django_capture_on_commit_callbacks):
    month = last_month()
    order = closed_in(world, django_capture_on_commit_callbacks, month)
    point(world["director"], month)
    stamp = KpiMonth.objects.get(month=month, outlet_key=world["outlet"].pk).computed_at
    order.status = Status.FOLLOWED_UP
    order.save(update_fields=["status"])  # same population, same month
    assert KpiMonth.objects.get(month=month, outlet_key=world["outlet"].pk).computed_at == stamp
    order.closed_at = order.closed_at - timedelta(days=40)
    order.save(update_fields=["closed_at"])  # moved to another month: both are dropped
    assert not KpiMonth.objects.filter(month=month).exists()


def test_the_satisfied_grades_apply_to_stored_months_without_a_recount(
    world, django_capture_on_commit_callbacks
):
    month = last_month()
    form(closed_in(world, django_capture_on_commit_callbacks, month), "ABC")
    assert point(world["director"], month)["satisfaction"] == pytest.approx(200 / 3)
    stamp = KpiMonth.objects.filter(month=month).first().computed_at
    settings = KpiSettings.get()
    settings.satisfied_grades = "ABC"
    settings.save()
    assert point(world["director"], month)["satisfaction"] == 100.0
    assert KpiMonth.objects.filter(month=month).first().computed_at == stamp


def test_a_refresh_drops_an_outlet_that_no_longer_has_orders(
    world, django_capture_on_commit_callbacks
):
    month = last_month()
    order = closed_in(
        world, django_capture_on_commit_callbacks, month, outlet=world["other_outlet"]
    )
    monthly.refresh([month])
    assert KpiMonth.objects.filter(month=month, outlet_key=world["other_outlet"].pk).exists()
    WorkOrder.objects.filter(pk=order.pk).update(outlet=world["outlet"])
    monthly.refresh([month])
    keys = set(KpiMonth.objects.filter(month=month).values_list("outlet_key", flat=True))
    assert keys == {monthly.NO_OUTLET, world["outlet"].pk}


def test_the_command_lists_and_refreshes_months(world, django_capture_on_commit_callbacks, capsys):
    month = last_month()
    closed_in(world, django_capture_on_commit_callbacks, month)
    call_command("kpi_months", "--from", f"{month:%Y-%m}", "--to", f"{month:%Y-%m}")
    assert "未汇总" in capsys.readouterr().out
    call_command("kpi_months", "--refresh", "--from", f"{month:%Y-%m}", "--to", f"{month:%Y-%m}")
    out = capsys.readouterr().out
    assert f"{month:%Y-%m} 关闭工单 1，超时 0" in out
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("kpi_months", "--from", "2026-13")
    with pytest.raises(CommandError, match="本月"):
        call_command("kpi_months", "--to", f"{monthly.current_month():%Y-%m}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_refreshes_of_the_same_month_both_succeed(
    world, django_capture_on_commit_callbacks
):
    month = last_month()
    for _ in range(3):
        closed_in(world, django_capture_on_commit_callbacks, month)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            monthly.refresh([month])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    row = KpiMonth.objects.get(month=month, outlet_key=world["outlet"].pk)
    assert row.closed == 3
