from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    """GB/T 27922 self-assessment (S15). Its own app, not part of `evaluation` as DESIGN.md's
    layout has it: the standard's checklist shares no code or tables with AHP."""

    name = "aftersales.certification"
    label = "certification"
    verbose_name = _("售后服务认证自评")

    def ready(self) -> None:
        from aftersales.core.seeding import register_seeder

        from .seed import seed_certification_defaults

        register_seeder(seed_certification_defaults, order=95)
