from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "aftersales.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from aftersales.core.seeding import register_seeder

        from .services import seed_templates

        register_seeder(seed_templates, order=10)
