"""`aftersales survey_send <form code> --user <username> [--wait]`: send the annual survey or an
opinion card to every customer, e.g. from cron on the first of October. The same service as the
page's button: the user must be a supervisor or an administrator, and the job shows on the job
page. With --wait the command runs the job itself (unless the consumer got to it first) and
prints the result; without, it leaves it to the Huey consumer."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.core.errors import ServiceError
from aftersales.core.jobs import job_run, job_state
from aftersales.core.models import BackgroundJob
from aftersales.supervision.models import SurveyForm
from aftersales.supervision.services import survey_campaign_start


class Command(BaseCommand):
    help = _("向所有能联系到的客户发送年度满意度调查或客户意见卡。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("form", help="survey form code, e.g. annual-satisfaction")
        parser.add_argument("--user", required=True, help="the supervisor who sends it")
        parser.add_argument("--wait", action="store_true", help="run it here and print the result")

    def handle(self, *args: Any, **options: Any) -> None:
        form = SurveyForm.objects.filter(code=options["form"]).first()
        if form is None:
            codes = ", ".join(SurveyForm.objects.values_list("code", flat=True))
            raise CommandError(
                _("没有代码为 %(code)s 的问卷（现有：%(codes)s）")
                % {"code": options["form"], "codes": codes}
            )
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("没有在职用户 %(name)s") % {"name": options["user"]})
        try:
            job = survey_campaign_start(actor=user, form=form)
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        if not options["wait"]:
            self.stdout.write(
                _("已提交后台任务 #%(id)s：%(url)s")
                % {"id": job.pk, "url": reverse("job_detail", args=[job.pk])}
            )
            return
        # Whoever claims the job runs it: this process, or a consumer that was quicker.
        if job_run(job.pk) is None:
            while not BackgroundJob.objects.get(pk=job.pk).finished:
                time.sleep(1)
        state = job_state(BackgroundJob.objects.get(pk=job.pk))
        if state["status"] != BackgroundJob.Status.DONE:
            raise CommandError(state["error"])
        self.stdout.write(self.style.SUCCESS(state["summary"]))
