from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "aftersales.complaints"
    label = "complaints"
    verbose_name = _("客户投诉")

    def ready(self) -> None:
        from aftersales.core.seeding import register_seeder

        from .seed import seed_complaint_defaults

        register_seeder(seed_complaint_defaults, order=70)
