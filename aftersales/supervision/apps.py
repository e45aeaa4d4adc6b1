from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "aftersales.supervision"
    label = "supervision"
    verbose_name = _("售后监督")

    def ready(self) -> None:
        from aftersales.core.jobs import JobKind, register_job_kind
        from aftersales.core.seeding import register_seeder
        from aftersales.service.hooks import on_order_closed, order_panels

        from .panels import order_feedback_panel
        from .services import (
            CAMPAIGN_JOB,
            callback_create_for_order,
            seed_supervision_defaults,
            survey_campaign_run,
            survey_campaign_summary,
        )

        register_seeder(seed_supervision_defaults, order=70)
        register_job_kind(
            JobKind(
                code=CAMPAIGN_JOB,
                label=_("发送满意度调查"),
                run=survey_campaign_run,
                summary=survey_campaign_summary,
            )
        )
        on_order_closed.register(callback_create_for_order)
        order_panels.register(order_feedback_panel)
