from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "aftersales.parts"
    label = "parts"
    verbose_name = _("备件")

    def ready(self) -> None:
        # The service report shows, hashes and bills the parts fitted through its hooks.
        from aftersales.service import hooks

        from . import integration

        hooks.report_lines.register(integration.report_lines)
        hooks.report_extra_charges.register(integration.report_extra_charges)
        hooks.field_panels.register(integration.field_panel)
