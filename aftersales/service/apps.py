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
        # These modules watch the configuration tables they cache (core.confcache.watch): import
        # them here so the invalidation receivers exist in every process, whatever else loads.
        from aftersales.network import selectors as _network_selectors  # noqa: F401
        from aftersales.notifications import services as _notification_services  # noqa: F401

        from . import services as _services  # noqa: F401
        from . import sla as _sla  # noqa: F401
