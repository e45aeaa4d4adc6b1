from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "aftersales.portal"
    label = "portal"
    verbose_name = _("客户门户")

    def ready(self) -> None:
        from aftersales.core.seeding import register_seeder

        from .services import seed_login_link_templates

        register_seeder(seed_login_link_templates, order=15)
