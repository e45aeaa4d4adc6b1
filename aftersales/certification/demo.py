"""Demo data for the GB/T 27922 self-assessment (S15): one assessment in progress, its
measurable items pre-filled from the demo's records and a few items judged by the assessor, so
the page shows a running score, a level, gaps and a deduction. Idempotent: a second run finds
the assessment by its title and leaves it as it is."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from aftersales.accounts.models import Role, User

from . import services
from .models import SelfAssessment

TITLE = "%s 年度 GB/T 27922 售后服务认证自评（准备）"

# item code → (applicable, met or (sampled, conforming), note)
JUDGED: dict[str, tuple[bool, Any, str]] = {
    "1.1.1": (True, True, "售后服务部设服务网点管理、培训、备件、监督等岗位，职责见部门职责说明书"),
    "1.3.1": (True, True, "年度预算含服务网点运行费、备件周转金和产品责任险"),
    "1.3.3": (True, (4, 3), "抽查 4 个服务站，1 个站的专用工具未定期校验"),
    "1.4.1": (True, True, "服务承诺已在官网和说明书公布"),
    "1.4.2": (True, False, "缺少书面的上门服务规范，计划下季度发布"),
    "2.3.1": (False, None, "产品由经销商配送，本公司不承担配送"),
    "2.6.1": (True, False, "尚未建立废旧电池回收渠道"),
}


def demo_data(*, actor: Any = None) -> SelfAssessment | None:
    actor = actor or (
        User.objects.filter(is_active=True, role=Role.SERVICE_DIRECTOR).order_by("pk").first()
        or User.objects.filter(is_active=True, role=Role.ADMIN).order_by("pk").first()
    )
    if actor is None:
        return None
    title = TITLE % timezone.localdate().year
    existing = SelfAssessment.objects.filter(title=title).first()
    if existing is not None:
        return existing
    assessment = services.assessment_create(actor=actor, title=title)
    changes = []
    for code, (applicable, value, note) in JUDGED.items():
        change = services.AnswerChange(code=code, applicable=applicable, note=note)
        if isinstance(value, tuple):
            change.sampled, change.conforming = value
        elif value is not None:
            change.met = value
        changes.append(change)
    services.answers_save(assessment=assessment, actor=actor, changes=changes)
    services.adjustment_add(
        assessment=assessment,
        actor=actor,
        kind="deduction",
        reason="评价期内发生 1 起经媒体报道的服务纠纷",
    )
    return assessment
