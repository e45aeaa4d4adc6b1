from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "aftersales.assessment"
    label = "assessment"
    verbose_name = _("售后服务考核")

    def ready(self) -> None:
        from aftersales.core.seeding import register_seeder

        from .seed import seed_assessment_defaults

        register_seeder(seed_assessment_defaults, order=90)
