"""`aftersales assessment 2026-05 --user NAME [--approve]`: compute the month's drafts (the same
service as the page's button) and, with --approve, freeze every draft of the month; prints one
line per unit. Refusals come out as the service's message."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.assessment.models import AssessmentResult
from aftersales.assessment.services import assessment_approve, assessment_compute, parse_month
from aftersales.core.errors import ServiceError


class Command(BaseCommand):
    help = _("计算（并可批准）某月的售后服务考核结果。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", help="YYYY-MM, e.g. 2026-05")
        parser.add_argument("--user", required=True, help="who computes (and approves)")
        parser.add_argument("--approve", action="store_true", help="approve every draft too")

    def handle(self, *args: Any, **options: Any) -> None:
        month = parse_month(options["month"])
        if month is None:
            raise CommandError(_("月份格式应为 YYYY-MM，例如 2026-05"))
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("没有在职用户 %(name)s") % {"name": options["user"]})
        try:
            results = assessment_compute(month=month, actor=user)
            if options["approve"]:
                results = [
                    assessment_approve(result=r, actor=user)
                    if r.status == AssessmentResult.Status.DRAFT
                    else r
                    for r in results
                ]
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        for r in results:
            mean = f"{r.mean:.2f}" if r.mean is not None else "—"
            previous = f"{r.previous_mean:.2f}" if r.previous_mean is not None else "—"
            self.stdout.write(
                _(
                    "%(month)s %(unit)s v%(v)s [%(status)s]：均项得分 %(mean)s（上月 %(prev)s），"
                    "有效投诉 %(n)s 次（%(rating)s），奖罚合计 %(amount)s 元"
                )
                % {
                    "month": f"{r.month:%Y-%m}",
                    "unit": r.unit_name,
                    "v": r.version,
                    "status": r.get_status_display(),
                    "mean": mean,
                    "prev": previous,
                    "n": r.complaint_count,
                    "rating": r.get_complaint_rating_display(),
                    "amount": r.amount,
                }
            )
