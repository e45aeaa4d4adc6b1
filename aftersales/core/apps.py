from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_after_migrate(sender, app_config=None, **kwargs):  # noqa: ARG001
    # post_migrate fires once per app; seed once, after the last of ours.
    if app_config is not None and app_config.label == "core":
        from .seeding import seed_defaults

        seed_defaults()


class CoreConfig(AppConfig):
    name = "aftersales.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from .calendar import seed_business_calendar
        from .seeding import register_seeder

        register_seeder(seed_business_calendar, order=0)
        post_migrate.connect(_seed_after_migrate, dispatch_uid="aftersales_seed_defaults")
