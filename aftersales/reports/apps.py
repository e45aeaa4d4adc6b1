from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "aftersales.reports"
    label = "reports"
    verbose_name = _("报表")

    def ready(self) -> None:
        from aftersales.core.jobs import JobKind, register_job_kind
        from aftersales.core.seeding import register_seeder

        from . import monthly
        from .documents import DOCUMENT_JOB, report_document_run, report_document_summary

        monthly.connect()

        register_seeder(_seed_kpi_settings, order=90)
        # Report documents are built by a background job (reports.documents).
        register_job_kind(
            JobKind(
                code=DOCUMENT_JOB,
                label=_("生成统计报表"),
                run=report_document_run,
                summary=report_document_summary,
            )
        )


def _seed_kpi_settings() -> None:
    """The SPEC's KPI targets (the model's defaults); an administrator's edits stay."""
    from .models import KpiSettings

    KpiSettings.get()
