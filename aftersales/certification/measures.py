"""The checklist items the system can measure from its own records (S15). Each measure takes the
assessment date and returns the figures with a sentence saying exactly what was counted: the
definition is printed next to the figure on the page and in the report. Every measure is a
constant number of aggregate queries, whatever the size of the tables.

The window for records (training, complaints, surveys) is the twelve months up to and including
the assessment date.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import Role, User
from aftersales.complaints.models import Complaint
from aftersales.customers.models import Address, Region
from aftersales.network.models import Certificate, Outlet, Staff
from aftersales.products.models import Unit
from aftersales.supervision.models import FeedbackForm, SurveyResponse

MANAGER_SHARE = 0.10  # GB/T 27922: 售后服务管理师 for 10 % of the service managers


@dataclass(frozen=True)
class Measurement:
    explanation: str
    sampled: int | None = None
    conforming: int | None = None
    met: bool | None = None

    @property
    def available(self) -> bool:
        """Whether the figure can score the item (nothing counted → the assessor decides)."""
        return self.met is not None or bool(self.sampled)

    def as_text(self) -> str:
        if self.met is not None:
            return _("符合") if self.met else _("不符合")
        if self.sampled:
            return f"{self.conforming} / {self.sampled}"
        return "—"


def _window(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return end - timedelta(days=365), end


def outlet_coverage(day: date) -> Measurement:
    """Sales regions: every region where a unit is installed or a customer has an address (the
    system keeps no sales territories). Covered: an active outlet covers the region itself or
    its city or province."""
    sold = Region.objects.filter(
        Q(pk__in=Unit.objects.filter(site_region__isnull=False).values("site_region"))
        | Q(pk__in=Address.objects.values("region"))
    )
    links = Outlet.regions.through.objects.filter(outlet__is_active=True)
    covered = Exists(
        links.filter(
            Q(region_id=OuterRef("pk"))
            | Q(region_id=OuterRef("parent_id"))
            | Q(region_id=OuterRef("parent__parent_id"))
        )
    )
    # The Exists goes straight into the filter: an annotation referred to only by an
    # aggregate's filter is dropped from Django's subquery.
    counts = sold.aggregate(total=Count("pk"), covered=Count("pk", filter=Q(covered)))
    return Measurement(
        _(
            "销售区域按系统数据认定：有设备安装地或客户地址的行政区域共 %(total)s 个；"
            "其中由启用的服务网点覆盖（网点覆盖该区域或其所在市、省）的 %(covered)s 个。"
        )
        % counts,
        sampled=counts["total"],
        conforming=counts["covered"],
    )


def certified_staff(day: date) -> Measurement:
    """Technicians in post holding at least one certificate valid on the day."""
    valid = Certificate.objects.filter(
        staff=OuterRef("pk"), valid_until__gte=day, issued_on__lte=day
    )
    counts = Staff.objects.filter(
        is_active=True, user__is_active=True, user__role=Role.TECHNICIAN
    ).aggregate(total=Count("pk"), certified=Count("pk", filter=Q(Exists(valid))))
    return Measurement(
        _("在岗服务工程师 %(total)s 人，其中持有在 %(day)s 有效的上岗证书的 %(certified)s 人。")
        % {**counts, "day": day.isoformat()},
        sampled=counts["total"],
        conforming=counts["certified"],
    )


def service_manager_ratio(day: date) -> Measurement:
    """Service managers: active accounts of the service director and station managers. The
    售后服务管理师 are the staff in post flagged as such (whatever their post)."""
    managers = User.objects.filter(
        is_active=True, role__in=[Role.SERVICE_DIRECTOR, Role.STATION_MANAGER]
    ).count()
    certified = Staff.objects.filter(
        is_active=True, user__is_active=True, is_service_manager_certified=True
    ).count()
    if not managers:
        return Measurement(
            _("系统中没有在职的服务管理人员（售后服务部主管、服务站经理），无法测量。")
        )
    required = math.ceil(managers * MANAGER_SHARE)
    return Measurement(
        _(
            "服务管理人员（在职的售后服务部主管和服务站经理）%(managers)s 人，按 10%% 应配置"
            "售后服务管理师至少 %(required)s 人；现有 %(certified)s 人。"
        )
        % {"managers": managers, "required": required, "certified": certified},
        met=certified >= required,
    )


def training_records(day: date) -> Measurement:
    """The system holds no training register: a certificate issued in the last twelve months is
    the record of a training assessed and passed (the standard accepts certificates the
    organisation issues itself after its own training)."""
    start, _end = _window(day)
    recent = Certificate.objects.filter(
        staff=OuterRef("pk"), issued_on__gt=start.date(), issued_on__lte=day
    )
    counts = Staff.objects.filter(
        is_active=True, user__is_active=True, user__role=Role.TECHNICIAN
    ).aggregate(total=Count("pk"), trained=Count("pk", filter=Q(Exists(recent))))
    return Measurement(
        _(
            "在岗服务工程师 %(total)s 人，其中近 12 个月内经培训考核取得上岗证书的 %(trained)s 人。"
            "培训计划、服务文化培训和评优奖励机制请上传证据。"
        )
        % counts,
        sampled=counts["total"],
        conforming=counts["trained"],
    )


def complaints_on_time(day: date) -> Measurement:
    """Complaints received in the twelve months whose handling can be judged (closed, or past
    their deadline); on time: closed no later than the deadline — the ledger's overdue rule."""
    start, end = _window(day)
    now = min(timezone.now(), end)
    counts = Complaint.objects.filter(received_at__gte=start, received_at__lt=end).aggregate(
        judged=Count("pk", filter=Q(closed_at__isnull=False) | Q(deadline__lt=now)),
        on_time=Count("pk", filter=Q(closed_at__isnull=False, closed_at__lte=F("deadline"))),
    )
    return Measurement(
        _(
            "近 12 个月受理的投诉中，已关闭或已过处理时限的 %(judged)s 件；"
            "其中在处理时限内关闭的 %(on_time)s 件。"
        )
        % counts,
        sampled=counts["judged"],
        conforming=counts["on_time"],
    )


def satisfaction_surveys(day: date) -> Measurement:
    """In use: at least one survey answered or feedback form recorded in the twelve months."""
    start, end = _window(day)
    surveys = SurveyResponse.objects.filter(created_at__gte=start, created_at__lt=end).count()
    forms = FeedbackForm.objects.filter(created_at__gte=start, created_at__lt=end).count()
    return Measurement(
        _(
            "近 12 个月收回满意度调查答卷 %(surveys)s 份、意见反馈表（回访或问卷）%(forms)s 份；"
            "有记录即视为满意度调查在用，调查结果的分析请上传证据。"
        )
        % {"surveys": surveys, "forms": forms},
        met=bool(surveys or forms),
    )


MEASURES: dict[str, Callable[[date], Measurement]] = {
    "outlet_coverage": outlet_coverage,
    "certified_staff": certified_staff,
    "service_manager_ratio": service_manager_ratio,
    "training_records": training_records,
    "complaints_on_time": complaints_on_time,
    "satisfaction_surveys": satisfaction_surveys,
}


def measure(key: str, day: date) -> Measurement | None:
    func = MEASURES.get(key)
    return func(day) if func else None


def measure_all(keys: set[str], day: date) -> dict[str, Measurement]:
    return {k: MEASURES[k](day) for k in sorted(keys) if k in MEASURES}
