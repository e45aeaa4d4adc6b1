"""`aftersales kpi_months [--refresh] [--from YYYY-MM] [--to YYYY-MM]`: list the stored monthly
figures behind the trend chart, or count them again (after a bulk import straight into the
tables, which bypasses the model signals that keep them true; see reports/monthly.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from aftersales.assessment.services import parse_month
from aftersales.core.dates import previous_month
from aftersales.reports import monthly
from aftersales.reports.models import KpiMonth


def _month(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    month = parse_month(value)
    if month is None:
        raise CommandError(_("%(name)s：月份格式应为 YYYY-MM，例如 2026-05") % {"name": name})
    return month


class Command(BaseCommand):
    help = _("查看或重新计算趋势图所用的月度指标汇总。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--refresh", action="store_true", help="count the months again")
        parser.add_argument("--from", dest="first", help="YYYY-MM (default: 12 months back)")
        parser.add_argument("--to", dest="last", help="YYYY-MM (default: last month)")

    def handle(self, *args: Any, **options: Any) -> None:
        this_month = monthly.current_month()
        last = _month(options["last"], "--to") or previous_month(this_month)
        first = _month(options["first"], "--from")
        if first is None:
            first = last
            for _i in range(11):
                first = previous_month(first)
        if first > last:
            raise CommandError(_("--from 不能晚于 --to"))
        if last >= this_month:
            raise CommandError(_("只汇总已结束的月份：--to 须早于本月"))
        months = monthly.months_between(first, last)
        if options["refresh"]:
            monthly.refresh(months)
        rows = {
            r["month"]: r
            for r in KpiMonth.objects.filter(month__in=months)
            .values("month")
            .annotate(outlets=Count("pk"), closed=Sum("closed"), breached=Sum("breached"))
        }
        for month in months:
            row = rows.get(month)
            if row is None:
                self.stdout.write(_("%(month)s 未汇总") % {"month": f"{month:%Y-%m}"})
                continue
            self.stdout.write(
                _("%(month)s 关闭工单 %(closed)s，超时 %(breached)s（%(outlets)s 行）")
                % {
                    "month": f"{month:%Y-%m}",
                    "closed": row["closed"],
                    "breached": row["breached"],
                    "outlets": row["outlets"],
                }
            )
