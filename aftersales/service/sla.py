"""SLA policies and deadlines (S3): pick the policy, compute the deadlines on the business
calendar, and the sweep that warns at 80 % and escalates on breach."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from aftersales.accounts.models import Role, User
from aftersales.core import confcache
from aftersales.core.calendar import BusinessCalendar
from aftersales.customers.regions import distance_km
from aftersales.network.models import Outlet, Staff
from aftersales.notifications.models import Channel
from aftersales.notifications.services import outbox_enqueue

from .models import (
    OPEN_STATUSES,
    DistanceTier,
    Handover,
    ServiceSettings,
    SlaEvent,
    SlaPolicy,
    Status,
    WorkOrder,
)


def hours(value: Decimal) -> timedelta:
    return timedelta(seconds=int(Decimal(value) * 3600))


def _active_policies() -> list[SlaPolicy]:
    return list(
        SlaPolicy.objects.filter(is_active=True).prefetch_related("distance_tiers").order_by("pk")
    )


# The active policies with their distance tiers, per process, reloaded when the configuration
# stamp changes: saving or deleting a policy or a tier (admin, seeding) bumps it, in every
# process (core/confcache.py). The instances are shared: read them, never change them.
_POLICIES: confcache.Cached[list[SlaPolicy]] = confcache.Cached(_active_policies)
confcache.watch(SlaPolicy, DistanceTier)


def pick_policy(*, fault_grade: str, customer_id: int | None) -> SlaPolicy | None:
    """The most specific active policy: the customer's contract first, then the fault grade.
    The result (with its `distance_tiers` prefetched) comes from the per-process cache: treat it
    as read-only."""
    best = None
    best_key: tuple[int, int, int] | None = None
    for policy in _POLICIES.get():
        if policy.customer_id is not None and policy.customer_id != customer_id:
            continue
        if policy.fault_grade not in ("", fault_grade):
            continue
        key = (int(policy.customer_id is not None), int(policy.fault_grade != ""), -policy.pk)
        if best_key is None or key > best_key:
            best, best_key = policy, key
    return best


def site_distance(outlet: Outlet | None, lat: float | None, lon: float | None) -> Decimal | None:
    if outlet is None or None in (outlet.latitude, outlet.longitude, lat, lon):
        return None
    km = distance_km(outlet.latitude, outlet.longitude, lat, lon)  # type: ignore[arg-type]
    return Decimal(str(round(km, 1)))


def compute_deadlines(
    *,
    policy: SlaPolicy | None,
    received_at: datetime,
    distance: Decimal | None,
    calendar: BusinessCalendar,
) -> dict[str, Any]:
    if policy is None:
        return {"response_due": None, "arrival_due": None, "resolution_due": None}
    rtc = policy.round_the_clock
    response = hours(policy.response_hours)
    arrival = hours(policy.arrival_hours)
    if policy.use_distance_rule and distance is not None:
        for tier in policy.distance_tiers.all():
            if tier.max_km is None or distance <= tier.max_km:
                arrival = hours(tier.arrival_hours)
                if tier.reply_hours is not None:
                    response = min(response, hours(tier.reply_hours))
                break
    return {
        "response_due": calendar.add(received_at, response, round_the_clock=rtc),
        "arrival_due": calendar.add(received_at, arrival, round_the_clock=rtc),
        "resolution_due": calendar.add(
            received_at, hours(policy.resolution_hours), round_the_clock=rtc
        ),
    }


def resolution_due_after_reopen(*, order: WorkOrder, now: datetime) -> datetime | None:
    """A reopened order gets a new resolution target counted from the reopening: the first
    round's target lies in the past, and the second round of work would be "late" the moment it
    starts (and escalated minutes later). Response and arrival were met in the first round and
    keep their targets. A breach of the first round stays recorded: it counts once."""
    policy = order.sla_policy
    if policy is None:
        return order.resolution_due
    return BusinessCalendar().add(
        now, hours(policy.resolution_hours), round_the_clock=policy.round_the_clock
    )


# --- the sweep ------------------------------------------------------------------------------

_TARGETS = (
    (SlaEvent.Target.RESPONSE, "response_due", "responded_at"),
    (SlaEvent.Target.ARRIVAL, "arrival_due", "first_arrived_at"),
    (SlaEvent.Target.RESOLUTION, "resolution_due", "resolved_at"),
)


def _assignees(order: WorkOrder) -> list[User]:
    users = [s.user for s in order.technicians.all()]
    if not users and order.created_by_id:
        users = [order.created_by]  # type: ignore[list-item]
    if not users:
        # Orders from the QR form or the portal have no creator: the outlet that must act on
        # them is warned instead of nobody.
        users = _station_managers(order)
    return users


def _station_managers(order: WorkOrder) -> list[User]:
    if order.outlet_id is None:
        return list(User.objects.filter(role=Role.SERVICE_DIRECTOR, is_active=True))
    return [
        s.user
        for s in Staff.objects.filter(
            outlet_id=order.outlet_id, user__role=Role.STATION_MANAGER, user__is_active=True
        ).select_related("user")
    ]


def _record(
    order: WorkOrder,
    target: str,
    kind: str,
    due: datetime,
    now: datetime,
    recipients: list[User],
    template: str,
    level: str,
    percent: int,
) -> bool:
    try:
        with transaction.atomic():
            SlaEvent.objects.create(
                order=order,
                target=target,
                kind=kind,
                due_at=due,
                at=now,
                notified=recipients[0] if recipients else None,
            )
            for user in recipients:
                params = {
                    "number": order.number,
                    "target": SlaEvent.Target(target).label,
                    "deadline": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
                    "percent": percent,
                    "level": level,
                }
                outbox_enqueue(
                    template_code=template,
                    channel=Channel.IN_APP,
                    cause=f"work_order:{order.pk}",
                    params=params,
                    recipient_user=user,
                )
    except IntegrityError:
        return False  # already recorded by an earlier sweep (the sweep is idempotent)
    return True


def sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Warn at the policy's ratio, record and escalate breaches. Idempotent: every event is
    recorded once per order and target (a unique constraint), so two workers or a rerun never
    notify twice."""
    now = now or timezone.now()
    settings_ = ServiceSettings.get()
    calendar = BusinessCalendar()
    counts = {"warnings": 0, "breaches": 0, "escalations": 0}
    orders = (
        WorkOrder.objects.filter(status__in=OPEN_STATUSES, sla_policy__isnull=False)
        .filter(
            Q(responded_at__isnull=True)
            | Q(first_arrived_at__isnull=True)
            | Q(resolved_at__isnull=True)
        )
        .select_related("sla_policy", "created_by")
        .prefetch_related("technicians__user", "sla_events")
    )
    for order in orders.iterator(chunk_size=500):
        policy = order.sla_policy
        assert policy is not None
        done = {(e.target, e.kind) for e in order.sla_events.all()}
        for target, due_field, met_field in _TARGETS:
            due = getattr(order, due_field)
            if due is None or getattr(order, met_field) is not None:
                continue
            total = calendar.between(order.received_at, due, round_the_clock=policy.round_the_clock)
            used = calendar.between(order.received_at, now, round_the_clock=policy.round_the_clock)
            # The share of *service* time used: wall-clock time over a weekend is not "used".
            ratio = used / total if total.total_seconds() > 0 else 1.0
            percent = int(ratio * 100)
            if now >= due:
                if (target, SlaEvent.Kind.BREACH) not in done and _record(
                    order,
                    target,
                    SlaEvent.Kind.BREACH,
                    due,
                    now,
                    _station_managers(order),
                    "sla_breach",
                    str(Role.STATION_MANAGER.label),
                    max(percent, 100),
                ):
                    counts["breaches"] += 1
                late = now - due
                if (
                    late >= timedelta(hours=settings_.director_escalation_hours)
                    and (target, SlaEvent.Kind.ESCALATION) not in done
                    and _record(
                        order,
                        target,
                        SlaEvent.Kind.ESCALATION,
                        due,
                        now,
                        list(User.objects.filter(role=Role.SERVICE_DIRECTOR, is_active=True)),
                        "sla_breach",
                        str(Role.SERVICE_DIRECTOR.label),
                        max(percent, 100),
                    )
                ):
                    counts["escalations"] += 1
            elif (
                ratio >= float(policy.warn_ratio)
                and (target, SlaEvent.Kind.WARNING) not in done
                and _record(
                    order,
                    target,
                    SlaEvent.Kind.WARNING,
                    due,
                    now,
                    _assignees(order),
                    "sla_warning",
                    "",
                    percent,
                )
            ):
                counts["warnings"] += 1
    # Take-back promises are tracked like an SLA target.
    for handover in Handover.objects.filter(
        returned_at__isnull=True, promised_at__lte=now, order__status=Status.IN_WORKSHOP
    ).select_related("order"):
        if _record(
            handover.order,
            SlaEvent.Target.RETURN,
            SlaEvent.Kind.BREACH,
            handover.promised_at,
            now,
            _station_managers(handover.order),
            "sla_breach",
            str(Role.STATION_MANAGER.label),
            100,
        ):
            counts["breaches"] += 1
    return counts


_MET_FIELDS = {due: (target, met) for target, due, met in _TARGETS}


def sla_record_late(*, order: WorkOrder, now: datetime) -> None:
    """Called by the transition that meets a target: a target met after its deadline is a breach
    even when no sweep ran between the deadline and the meeting (the sweep runs every few
    minutes), so that every breach is recorded for the timeliness rate. Inside the caller's
    transaction; the unique constraint keeps it to one event per order and target."""
    if order.sla_policy_id is None:
        return
    for due_field, (target, met_field) in _MET_FIELDS.items():
        due = getattr(order, due_field)
        met = getattr(order, met_field)
        if due is None or met is None or met != now or met <= due:
            continue
        _record(
            order,
            target,
            SlaEvent.Kind.BREACH,
            due,
            now,
            _station_managers(order),
            "sla_breach",
            str(Role.STATION_MANAGER.label),
            100,
        )
