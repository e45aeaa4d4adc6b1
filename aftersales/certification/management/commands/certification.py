"""`aftersales certification new --user NAME --title T [--date YYYY-MM-DD]`: a new
self-assessment with the measurable items pre-filled from the system's data (the same service
as the page's button); `aftersales certification score ID [--top N]`: its score, level and the
largest gaps. Refusals come out as the service's message."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.certification import selectors, services
from aftersales.certification.models import SelfAssessment
from aftersales.core.errors import ServiceError


class Command(BaseCommand):
    help = _("GB/T 27922 售后服务自评：新建自评，或显示得分、等级和主要差距。")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        new = sub.add_parser("new", help="create a self-assessment, measured items pre-filled")
        new.add_argument("--user", required=True, help="who creates it")
        new.add_argument("--title", required=True)
        new.add_argument("--date", default="", help="YYYY-MM-DD (today by default)")
        score = sub.add_parser("score", help="print the score, level and top gaps")
        score.add_argument("id", type=int)
        score.add_argument("--top", type=int, default=5, help="how many gaps to list")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "new":
            self._new(options)
        else:
            self._score(options["id"], options["top"])

    def _new(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("没有在职用户 %(name)s") % {"name": options["user"]})
        day = None
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(_("日期格式应为 YYYY-MM-DD")) from None
        try:
            assessment = services.assessment_create(
                actor=user, title=options["title"], assessed_on=day
            )
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            _("已创建自评 %(id)s：%(title)s") % {"id": assessment.pk, "title": assessment.title}
        )
        self._score(assessment.pk, 5)

    def _score(self, pk: int, top: int) -> None:
        assessment = SelfAssessment.objects.filter(pk=pk).first()
        if assessment is None:
            raise CommandError(_("没有编号为 %(id)s 的自评") % {"id": pk})
        view = selectors.overview(assessment)
        result = view.result
        self.stdout.write(
            _(
                "%(title)s [%(status)s]：得分 %(score)s，等级 %(level)s"
                "（%(earned)s ÷ %(points)s × 100 = %(base)s，"
                "特别扣分 %(d)s，特别加分 %(b)s），未评 %(n)s 项"
            )
            % {
                "title": assessment.title,
                "status": assessment.get_status_display(),
                "score": selectors.fmt(result.score),
                "level": view.level_label,
                "earned": selectors.fmt(result.earned),
                "points": selectors.fmt(result.applicable_points),
                "base": selectors.fmt(result.base),
                "d": result.deductions,
                "b": result.bonus,
                "n": view.unassessed_count,
            }
        )
        for n, gap in enumerate(view.gaps[: max(top, 0)], start=1):
            self.stdout.write(
                _("%(n)s. %(code)s %(title)s：失分 %(lost)s / %(points)s%(state)s")
                % {
                    "n": n,
                    "code": gap.item.code,
                    "title": gap.item.title,
                    "lost": gap.lost_text,
                    "points": gap.points_text,
                    "state": "" if gap.result.assessed else _("（未评）"),
                }
            )
