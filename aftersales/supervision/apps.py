from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "aftersales.supervision"
    label = "supervision"
    verbose_name = _("售后监督")

    def ready(self) -> None:
        from aftersales.core.seeding import register_seeder
        from aftersales.service.hooks import on_order_closed, order_panels

        from .panels import order_feedback_panel
        from .services import callback_create_for_order, seed_supervision_defaults

        register_seeder(seed_supervision_defaults, order=70)
        on_order_closed.register(callback_create_for_order)
        order_panels.register(order_feedback_panel)
