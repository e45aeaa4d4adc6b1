from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "aftersales.customers"
    label = "customers"
    verbose_name = _("客户")

    def ready(self) -> None:
        from aftersales.core.seeding import register_seeder

        from .regions import seed_regions

        register_seeder(seed_regions, order=5)
