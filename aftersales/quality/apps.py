from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "aftersales.quality"
    label = "quality"
    verbose_name = _("质量与索赔")

    def ready(self) -> None:
        from aftersales.core.seeding import register_seeder
        from aftersales.service.hooks import on_order_closed

        from .seed import seed_quality_defaults
        from .services import job_cost_on_order_closed

        register_seeder(seed_quality_defaults, order=60)
        on_order_closed.register(job_cost_on_order_closed)
