from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "aftersales.evaluation"
    label = "evaluation"
    verbose_name = _("服务质量评价")
