"""The 三包 warranty decision at intake — a pure function, property-tested.

In warranty when the fault date lies in the unit's window (extended warranty included), usage is
within the policy's limit, and no exclusion is suspected. The result says why, for the agent and
the customer."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _


class Decision:
    FREE = "free"
    PAID = "paid"
    ON_SITE = "on_site"


FREE_ORDER_TYPES = {"installation", "commissioning"}


@dataclass(frozen=True)
class WarrantyResult:
    decision: str
    reason: str


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_end(start: date, months: int, extended_months: int = 0) -> date:
    """Last day covered: start + months (+ extension), minus one day."""
    from datetime import timedelta

    return add_months(start, months + extended_months) - timedelta(days=1)


def decide_warranty(
    *,
    fault_date: date,
    order_type: str,
    unit_known: bool,
    start: date | None,
    end: date | None,
    usage_limit: int | None = None,
    usage_reading: int | None = None,
    usage_unit: str = "",
    exclusion_suspected: bool = False,
) -> WarrantyResult:
    if order_type in FREE_ORDER_TYPES:
        return WarrantyResult(Decision.FREE, _("安装调试属于免费服务"))
    if not unit_known:
        return WarrantyResult(Decision.ON_SITE, _("设备未建档，需现场核对铭牌与购买凭证"))
    if start is None or end is None:
        return WarrantyResult(Decision.ON_SITE, _("设备尚无保修起止日期（未验收），需现场判定"))
    if fault_date < start:
        return WarrantyResult(
            Decision.ON_SITE, _("故障日期早于保修开始日 %(start)s，需现场核实") % {"start": start}
        )
    if fault_date > end:
        return WarrantyResult(Decision.PAID, _("已过保修期（%(end)s 到期）") % {"end": end})
    if usage_limit is not None and usage_reading is not None and usage_reading > usage_limit:
        return WarrantyResult(
            Decision.PAID,
            _("使用量 %(reading)s%(unit)s 超过保修上限 %(limit)s%(unit)s")
            % {"reading": usage_reading, "limit": usage_limit, "unit": usage_unit},
        )
    if exclusion_suspected:
        return WarrantyResult(
            Decision.ON_SITE,
            _("在保修期内（至 %(end)s），但疑似除外情形，需现场判定") % {"end": end},
        )
    return WarrantyResult(Decision.FREE, _("在保修期内（至 %(end)s）") % {"end": end})
