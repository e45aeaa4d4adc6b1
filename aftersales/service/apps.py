from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "aftersales.service"
    label = "service"
    verbose_name = _("服务工单")

    def ready(self) -> None:
        from aftersales.core.seeding import register_seeder

        from .seed import seed_service_defaults

        register_seeder(seed_service_defaults, order=20)
