"""Every write of the order loop. Views, the API, the command line and jobs call these."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import roles
from aftersales.accounts.models import Role
from aftersales.core import confcache
from aftersales.core.calendar import BusinessCalendar
from aftersales.core.errors import (
    IdempotencyMismatch,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from aftersales.core.numbering import next_number_early
from aftersales.core.phone import is_mobile, normalise_phone
from aftersales.network.models import Outlet, Staff
from aftersales.network.selectors import (
    covering_outlet_sql,
    outlet_by_id,
    outlet_covering,
    region_by_code,
    region_by_id,
    skill_id_for_code,
    staff_for_user,
)
from aftersales.notifications.models import Channel as MsgChannel
from aftersales.notifications.services import outbox_enqueue
from aftersales.products.models import FaultCode, FaultGrade, ProductModel, Unit, WarrantyPolicy
from aftersales.products.warranty import decide_warranty

from . import hooks
from .dispatch import qualification_problems
from .models import (
    Attachment,
    Channel,
    ChargeLine,
    Handover,
    IdempotencyRecord,
    OrderType,
    PriceItem,
    ReportAmendment,
    ServiceReport,
    ServiceSettings,
    Status,
    Visit,
    WorkOrder,
    WorkOrderTransition,
)
from .sla import (
    compute_deadlines,
    pick_policy,
    resolution_due_after_reopen,
    site_distance,
    sla_record_late,
)

# The phone rules live in core so that imports and forms share them; re-exported here for callers.
__all__ = ["is_mobile", "normalise_phone"]

# --- attachments ----------------------------------------------------------------------------

_SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
]


def sniff_content_type(head: bytes) -> str | None:
    """The type from the file's first bytes: the browser's claim is not trusted."""
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass
class UploadedFile:
    name: str
    content: bytes


def validate_attachment(upload: UploadedFile) -> str:
    if len(upload.content) > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationFailed(
            _("附件“%(name)s”超过 %(limit)s MB 上限")
            % {"name": upload.name, "limit": settings.ATTACHMENT_MAX_BYTES // 1024 // 1024},
            field="attachments",
        )
    if not upload.content:
        raise ValidationFailed(
            _("附件“%(name)s”是空文件") % {"name": upload.name}, field="attachments"
        )
    content_type = sniff_content_type(upload.content[:16])
    if content_type is None or content_type not in settings.ATTACHMENT_CONTENT_TYPES:
        raise ValidationFailed(
            _("附件“%(name)s”类型不允许：只接受 JPEG、PNG、WebP 图片和 PDF")
            % {"name": upload.name},
            field="attachments",
        )
    return content_type


def _store_attachments(
    order: WorkOrder, uploads: list[tuple[UploadedFile, str]], actor: Any
) -> None:
    for upload, content_type in uploads:
        safe_name = re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", upload.name)[-150:] or "file"
        att = Attachment(
            order=order,
            original_name=safe_name,
            content_type=content_type,
            size=len(upload.content),
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        att.file.save(safe_name, ContentFile(upload.content), save=False)
        att.save()


def work_order_add_attachments(*, order: WorkOrder, actor: Any, files: list[UploadedFile]) -> None:
    checked = [(f, validate_attachment(f)) for f in files]
    with transaction.atomic():
        _store_attachments(order, checked, actor)


# --- intake ---------------------------------------------------------------------------------


@dataclass
class IntakeData:
    reporter_name: str
    contact_mobile: str
    fault_description: str
    channel: str = Channel.HOTLINE
    order_type: str = OrderType.REPAIR
    serial: str = ""
    unregistered_serial: str = ""
    product_model_code: str = ""
    fault_code: str = ""
    fault_grade: str = ""
    fault_date: date | None = None
    site_region_code: str = ""
    site_address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    exclusion_suspected: bool = False
    attachments: list[UploadedFile] = field(default_factory=list)

    def fingerprint(self) -> str:
        payload = {k: v for k, v in self.__dict__.items() if k != "attachments"}
        payload["attachments"] = [hashlib.sha256(a.content).hexdigest() for a in self.attachments]
        return hashlib.sha256(json.dumps(payload, default=str, sort_keys=True).encode()).hexdigest()


class _IdempotencyRace(Exception):
    pass


def work_order_intake(
    *, actor: Any, data: IntakeData, idempotency_key: str = "", now: datetime | None = None
) -> tuple[WorkOrder, bool]:
    """Register a service request as a work order in state `received`. Returns (order, created);
    a retry with the same Idempotency-Key returns the first order (created False). `now` is the
    receipt time (default: this moment; jobs and tests pass their own)."""
    if idempotency_key and getattr(actor, "pk", None):
        existing = _idempotent_replay(actor, idempotency_key, data)
        if existing is not None:
            return existing, False
    try:
        return _intake(actor=actor, data=data, idempotency_key=idempotency_key, now=now), True
    except _IdempotencyRace:
        # A concurrent request with the same key committed first: answer with its order.
        existing = _idempotent_replay(actor, idempotency_key, data)
        assert existing is not None
        return existing, False


def _idempotent_replay(actor: Any, key: str, data: IntakeData) -> WorkOrder | None:
    record = (
        IdempotencyRecord.objects.select_related("order__outlet")
        .filter(user=actor, key=key)
        .first()
    )
    if record is None:
        return None
    if record.request_hash != data.fingerprint():
        raise IdempotencyMismatch(
            _("Idempotency-Key “%(key)s” 已用于另一笔不同内容的报修；请为新请求使用新的键")
            % {"key": key}
        )
    return record.order


def _load_fault_code(key: tuple[str, int | None]) -> FaultCode | None:
    """The model's own fault code, else the generic one with that code."""
    code, model_id = key
    generic = FaultCode.objects.filter(code=code, model__isnull=True)
    if model_id is None:
        return generic.first()
    return FaultCode.objects.filter(code=code, model_id=model_id).first() or generic.first()


# Fault codes by (code, product model), per process: configuration edited in the admin, whose
# saves and deletes bump the configuration stamp (core/confcache.py); codes not found are looked
# up again next time. The instances are shared: read them, never change them.
_FAULT_CODES: confcache.CachedMap[FaultCode] = confcache.CachedMap(_load_fault_code)
confcache.watch(FaultCode)

# Product models with their warranty policy, by id, per process (master data edited in the
# admin; saves and deletes bump the configuration stamp; new models are read on first use).
_PRODUCT_MODELS: confcache.CachedMap[ProductModel] = confcache.CachedMap(
    lambda pk: ProductModel.objects.select_related("warranty_policy").filter(pk=pk).first()
)
confcache.watch(ProductModel, WarrantyPolicy)

_CLOSED_STATES = (Status.CLOSED, Status.FOLLOWED_UP, Status.CANCELLED, Status.REJECTED)
_DUPLICATE_STATES = [s for s in Status.values if s not in _CLOSED_STATES]


def _earliest_open_order() -> RawSQL:
    """The earliest open order of the unit, as a column of the unit's own query: a likely
    duplicate. Written in SQL because the ORM's Subquery cost more to compile than to run."""
    wo = connection.ops.quote_name(WorkOrder._meta.db_table)
    unit = connection.ops.quote_name(Unit._meta.db_table)
    marks = ", ".join(["%s"] * len(_DUPLICATE_STATES))
    return RawSQL(  # noqa: S611 — table names from the models, values as parameters
        f"SELECT w.id FROM {wo} w WHERE w.unit_id = {unit}.id AND w.status IN ({marks}) "  # noqa: S608
        "ORDER BY w.received_at LIMIT 1",
        _DUPLICATE_STATES,
    )


def _validate_intake(data: IntakeData, *, today: date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    resolved: dict[str, Any] = {}
    if not (data.reporter_name or "").strip():
        errors["reporter_name"] = _("请填写报修人姓名")
    if not (data.fault_description or "").strip():
        errors["fault_description"] = _("请描述故障现象")
    try:
        resolved["contact_mobile"] = normalise_phone(data.contact_mobile)
    except ValidationFailed as exc:
        errors["contact_mobile"] = str(exc.message)
    if data.channel not in Channel.values:
        errors["channel"] = _("未知的报修渠道“%(value)s”") % {"value": data.channel}
    if data.order_type not in OrderType.values:
        errors["order_type"] = _("未知的工单类型“%(value)s”") % {"value": data.order_type}
    if data.fault_grade and data.fault_grade not in FaultGrade.values:
        errors["fault_grade"] = _("故障等级只能是 A、B 或 C")
    if data.fault_date is not None and data.fault_date > today:
        errors["fault_date"] = _("故障日期 %(date)s 晚于今天，请核对") % {"date": data.fault_date}
    unit = None
    model = None
    if data.serial:
        # The unit row; its product model, warranty policy and site region come from the
        # per-process caches (configuration and master data, invalidated on save).
        # With it, in the same statement: its earliest open order (a likely duplicate), the
        # outlet covering its site and the configuration stamp the caches are checked against.
        unit_table = connection.ops.quote_name(Unit._meta.db_table)
        unit = (
            Unit.objects.annotate(
                open_order_id=_earliest_open_order(),
                covering_outlet_id=covering_outlet_sql(f"{unit_table}.site_region_id"),
                config_stamp=confcache.stamp_sql(),
            )
            .filter(serial=data.serial.strip())
            .first()
        )
        if unit is not None:
            confcache.offer(unit.config_stamp)  # type: ignore[attr-defined]
        if unit is None:
            errors["serial"] = _(
                "序列号“%(serial)s”未建档：请核对铭牌，或按未建档设备登记（填写型号和手写序列号）"
            ) % {"serial": data.serial}
        else:
            model = _PRODUCT_MODELS.get(unit.model_id)
    elif data.unregistered_serial:
        model = (
            ProductModel.objects.select_related("warranty_policy")
            .filter(code=data.product_model_code)
            .first()
        )
        if model is None:
            errors["product_model_code"] = _("未建档设备须填写有效的产品型号")
    else:
        errors["serial"] = _("请填写设备序列号")
    fault_code = None
    if data.fault_code:
        fault_code = _FAULT_CODES.get((data.fault_code, model.pk if model else None))
        if fault_code is None:
            errors["fault_code"] = _("故障代码“%(code)s”不存在") % {"code": data.fault_code}
    region = None
    if data.site_region_code:
        region = region_by_code(data.site_region_code)
        if region is None:
            errors["site_region_code"] = _("行政区划代码“%(code)s”不存在") % {
                "code": data.site_region_code
            }
    elif unit is not None and unit.site_region_id:
        region = region_by_id(unit.site_region_id)
    checked_files = []
    for upload in data.attachments:
        try:
            checked_files.append((upload, validate_attachment(upload)))
        except ValidationFailed as exc:
            errors["attachments"] = str(exc.message)
    if errors:
        raise ValidationFailed(_("报修信息有误，请修改后重新提交"), details={"errors": errors})
    resolved.update(
        unit=unit, model=model, fault_code=fault_code, region=region, files=checked_files
    )
    return resolved


def _intake(
    *, actor: Any, data: IntakeData, idempotency_key: str, now: datetime | None
) -> WorkOrder:
    now = now or timezone.now()
    # One read of the configuration stamp for the SLA policies, the business calendar and the
    # message template cached per process (core/confcache.py).
    with confcache.scope():
        return _intake_scoped(actor=actor, data=data, idempotency_key=idempotency_key, now=now)


def _intake_scoped(
    *, actor: Any, data: IntakeData, idempotency_key: str, now: datetime
) -> WorkOrder:
    today = timezone.localdate(now)
    v = _validate_intake(data, today=today)
    unit: Unit | None = v["unit"]
    model: ProductModel | None = v["model"]
    fault_code: FaultCode | None = v["fault_code"]
    fault_date = data.fault_date or today
    grade = data.fault_grade or (fault_code.default_grade if fault_code else FaultGrade.C)
    policy_w = model.warranty_policy if model else None
    warranty = decide_warranty(
        fault_date=fault_date,
        order_type=data.order_type,
        unit_known=unit is not None,
        start=unit.warranty_start if unit else None,
        end=unit.warranty_end if unit else None,
        usage_limit=policy_w.usage_limit if policy_w else None,
        usage_reading=unit.usage_reading if unit else None,
        usage_unit=policy_w.get_usage_unit_display() if policy_w else "",
        exclusion_suspected=data.exclusion_suspected,
    )
    region = v["region"]
    if unit is not None and not data.site_region_code:  # read with the unit
        outlet = outlet_by_id(getattr(unit, "covering_outlet_id", None))
    else:
        outlet = outlet_covering(region)
    lat = data.latitude if data.latitude is not None else (unit.latitude if unit else None)
    lon = data.longitude if data.longitude is not None else (unit.longitude if unit else None)
    if lat is None and region is not None:
        lat, lon = region.latitude, region.longitude
    distance = site_distance(outlet, lat, lon)
    customer_id = unit.customer_id if unit else None
    policy = pick_policy(fault_grade=grade, customer_id=customer_id)
    deadlines = compute_deadlines(
        policy=policy, received_at=now, distance=distance, calendar=BusinessCalendar()
    )
    skill_id = skill_id_for_code(fault_code.skill_code) if fault_code else None
    duplicate_id = getattr(unit, "open_order_id", None)  # read with the unit
    # The number after every check and look-up; on PostgreSQL in a short transaction of its own
    # so that the counter row is not locked across the inserts and the commit below
    # (core/numbering.py: `next_number_early`; inside a caller's transaction it joins it).
    number = next_number_early("WO", year=today.year)
    with transaction.atomic():
        order = WorkOrder(
            order_type=data.order_type,
            channel=data.channel,
            status=Status.RECEIVED,
            customer_id=customer_id,
            unit=unit,
            serial_text=data.unregistered_serial.strip() if unit is None else "",
            product_model=model,
            reporter_name=data.reporter_name.strip(),
            contact_mobile=v["contact_mobile"],
            fault_description=data.fault_description.strip(),
            fault_code=fault_code,
            fault_grade=grade,
            fault_date=fault_date,
            required_skill_id=skill_id,
            site_region=region,
            site_address=(data.site_address or (unit.site_address if unit else "")).strip(),
            latitude=lat,
            longitude=lon,
            warranty_decision=warranty.decision,
            warranty_reason=warranty.reason,
            exclusion_suspected=data.exclusion_suspected,
            duplicate_of_id=duplicate_id,
            outlet=outlet,
            sla_policy=policy,
            distance_km=distance,
            received_at=now,
            created_by=actor if getattr(actor, "pk", None) else None,
            **deadlines,
        )
        order.number = number  # the first history row carries it: no placeholder
        order.save()
        WorkOrderTransition.objects.create(
            order=order,
            action="receive",
            from_status=Status.RECEIVED,
            to_status=Status.RECEIVED,
            actor=order.created_by,
            reason="",
            at=now,
            data={"channel": data.channel},
        )
        _store_attachments(order, v["files"], actor)
        if is_mobile(order.contact_mobile):  # a landline cannot receive the SMS
            outbox_enqueue(
                template_code="order_received",
                channel=MsgChannel.SMS,
                cause=f"work_order:{order.pk}",
                to=order.contact_mobile,
                params={"number": order.number, "deadline": _fmt(order.response_due)},
            )
        if idempotency_key and order.created_by is not None:
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        user=order.created_by,
                        key=idempotency_key,
                        request_hash=data.fingerprint(),
                        order=order,
                    )
            except IntegrityError:
                raise _IdempotencyRace from None
    return order


def _fmt(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


# --- the state machine ----------------------------------------------------------------------

S = Status
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "respond": (frozenset({S.RECEIVED}), S.RESPONDED),
    "dispatch": (frozenset({S.RESPONDED}), S.DISPATCHED),
    "reassign": (frozenset({S.DISPATCHED, S.EN_ROUTE}), None),  # None: the state stays
    "depart": (frozenset({S.DISPATCHED}), S.EN_ROUTE),
    "arrive": (frozenset({S.DISPATCHED, S.EN_ROUTE, S.WAITING_PARTS}), S.ON_SITE),
    "diagnose": (frozenset({S.ON_SITE}), S.DIAGNOSED),
    "wait_parts": (frozenset({S.DIAGNOSED}), S.WAITING_PARTS),
    "take_back": (frozenset({S.DIAGNOSED}), S.IN_WORKSHOP),
    "resolve": (frozenset({S.ON_SITE, S.DIAGNOSED, S.WAITING_PARTS, S.IN_WORKSHOP}), S.RESOLVED),
    "resolve_remote": (frozenset({S.RESPONDED, S.DIAGNOSED}), S.RESOLVED),
    "confirm": (frozenset({S.RESOLVED}), S.CONFIRMED),
    "close": (frozenset({S.CONFIRMED, S.RESOLVED}), S.CLOSED),
    "follow_up": (frozenset({S.CLOSED}), S.FOLLOWED_UP),
    "reopen": (frozenset({S.RESOLVED, S.CONFIRMED, S.CLOSED, S.FOLLOWED_UP}), S.RESPONDED),
    "cancel": (frozenset({S.RECEIVED, S.RESPONDED, S.DISPATCHED, S.EN_ROUTE}), S.CANCELLED),
    "reject": (frozenset({S.RECEIVED, S.RESPONDED}), S.REJECTED),
}

# Lazy: the labels are read per request, in the user's language, not once at import.
ACTION_LABELS = {
    "receive": gettext_lazy("受理"),
    "respond": gettext_lazy("响应"),
    "dispatch": gettext_lazy("派工"),
    "reassign": gettext_lazy("改派"),
    "depart": gettext_lazy("出发"),
    "arrive": gettext_lazy("到场"),
    "diagnose": gettext_lazy("诊断"),
    "wait_parts": gettext_lazy("待备件"),
    "take_back": gettext_lazy("取回返修"),
    "resolve": gettext_lazy("解决"),
    "resolve_remote": gettext_lazy("远程解决"),
    "confirm": gettext_lazy("客户签字确认"),
    "close": gettext_lazy("关闭"),
    "follow_up": gettext_lazy("回访完成"),
    "reopen": gettext_lazy("重开"),
    "cancel": gettext_lazy("取消"),
    "reject": gettext_lazy("拒绝"),
}

_FIELD_ROLES: set[str] = {Role.TECHNICIAN, Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN}
_DESK_ROLES: set[str] = {Role.AGENT, Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN}
ACTION_ROLES: dict[str, set[str]] = {
    "respond": _DESK_ROLES | {Role.TECHNICIAN},
    "dispatch": {Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN},
    "reassign": {Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN},
    "depart": _FIELD_ROLES,
    "arrive": _FIELD_ROLES,
    "diagnose": _FIELD_ROLES,
    "wait_parts": _FIELD_ROLES,
    "take_back": _FIELD_ROLES,
    "resolve": _FIELD_ROLES,
    "resolve_remote": _DESK_ROLES | {Role.TECHNICIAN},
    "confirm": _FIELD_ROLES,
    "close": _DESK_ROLES,
    "follow_up": {Role.SUPERVISOR, Role.ADMIN},
    "reopen": _DESK_ROLES | {Role.CUSTOMER},
    "cancel": _DESK_ROLES,
    "reject": _DESK_ROLES,
}
REASON_REQUIRED = {"cancel", "reject", "reopen", "reassign"}
# Actions only other services take (the signature confirms; the callback follows up).
INTERNAL_ACTIONS = {"confirm", "follow_up"}


def available_actions(order: WorkOrder, user: Any) -> list[str]:
    actions = []
    for action, (sources, _to) in TRANSITIONS.items():
        if action in INTERNAL_ACTIONS or order.status not in sources:
            continue
        if _role_allows(user, action) and (
            not roles.is_technician(user) or _is_assigned(order, user)
        ):
            actions.append(action)
    return actions


def _role_allows(user: Any, action: str) -> bool:
    return bool(user.is_superuser or user.role in ACTION_ROLES[action])


def _is_assigned(order: WorkOrder, user: Any) -> bool:
    return order.technicians.filter(user=user).exists()


def work_order_transition(
    *,
    order: WorkOrder,
    action: str,
    actor: Any,
    reason: str = "",
    internal: bool = False,
    **data: Any,
) -> WorkOrder:
    """The one way an order changes state. Locks the row, checks the table and the actor's
    rights, writes the change and a transition row, and queues side effects on commit.
    An invalid action raises InvalidTransition (HTTP 409) and changes nothing."""
    if action not in TRANSITIONS:
        raise InvalidTransition(_("未知操作“%(action)s”") % {"action": action})
    if action in INTERNAL_ACTIONS and not internal:
        message = {
            "confirm": _("客户确认须由客户在服务报告上签字完成"),
            "follow_up": _("回访完成须在回访记录中登记"),
        }[action]
        raise InvalidTransition(message)
    reason = (reason or "").strip()
    with transaction.atomic():
        # Re-read under the row lock: a second dispatcher waits here and then sees the new state.
        locked = WorkOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
        sources, target = TRANSITIONS[action]
        if locked.status not in sources:
            raise InvalidTransition(
                _("工单 %(number)s 当前状态为“%(status)s”，不能执行“%(action)s”")
                % {
                    "number": locked.number,
                    "status": locked.get_status_display(),
                    "action": ACTION_LABELS.get(action, action),
                },
                details={"status": locked.status, "action": action},
            )
        if not _role_allows(actor, action):
            raise PermissionDenied(
                _("您的角色无权执行“%(action)s”") % {"action": ACTION_LABELS.get(action, action)}
            )
        if (
            roles.is_technician(actor)
            and action not in ("respond", "resolve_remote")
            and not _is_assigned(locked, actor)
        ):
            raise PermissionDenied(_("您不是该工单的服务工程师"))
        if roles.is_customer(actor) and (
            locked.customer is None or locked.customer.user_id != actor.pk
        ):
            raise PermissionDenied(_("这不是您的工单"))
        if action in REASON_REQUIRED and not reason:
            raise ValidationFailed(
                _("“%(action)s”必须填写原因") % {"action": ACTION_LABELS[action]}, field="reason"
            )
        now = timezone.now()
        from_status = locked.status
        extra = _apply(locked, action, actor, now, reason, data)
        if target is not None:
            locked.status = target
        locked.save()
        if action in ("respond", "arrive", "resolve", "resolve_remote"):
            sla_record_late(order=locked, now=now)
        WorkOrderTransition.objects.create(
            order=locked,
            action=action,
            from_status=from_status,
            to_status=locked.status,
            actor=actor,
            reason=reason,
            at=now,
            data=extra,
        )
        if action == "close":
            transaction.on_commit(lambda: hooks.on_order_closed.fire(order=locked))
    return locked


def _apply(
    order: WorkOrder, action: str, actor: Any, now: datetime, reason: str, data: dict
) -> dict:
    """Per-action effects; returns what the transition row should remember."""
    if action == "respond":
        order.responded_at = order.responded_at or now
    elif action in ("dispatch", "reassign"):
        return _assign(order, actor, now, data, reason)
    elif action == "arrive":
        staff = staff_for_user(actor) if roles.is_technician(actor) else order.leader
        if staff is None:
            raise ValidationFailed(_("到场须由派工的服务工程师登记"))
        Visit.objects.create(order=order, technician=staff, arrived_at=now)
        order.visit_count += 1
        order.first_arrived_at = order.first_arrived_at or now
        return {"visit": order.visit_count}
    elif action == "diagnose":
        visit = order.visits.order_by("-arrived_at").first()
        check = (data.get("inspect") or (visit.inspect if visit else "")).strip()
        if not check:
            raise ValidationFailed(_("诊断须先在“三查”中写明故障原因"), field="inspect")
        if visit is not None:
            visit_record_steps(
                visit=visit, actor=actor, **{k: v for k, v in data.items() if k in _STEP_FIELDS}
            )
    elif action == "take_back":
        return _take_back(order, actor, now, data)
    elif action == "resolve":
        order.resolved_at = now
        order.handovers.filter(returned_at__isnull=True).update(returned_at=now)
    elif action == "resolve_remote":
        order.resolved_at = now
        order.responded_at = order.responded_at or now
        return {"remote": True}
    elif action == "confirm":
        pass
    elif action == "close":
        report = order.reports.order_by("-revision").first()
        if order.visit_count and (report is None or not report.is_signed):
            raise ValidationFailed(_("客户尚未在服务报告上签字，不能关闭工单"))
        if report is not None and report.is_chargeable and report.charges_approved_at is None:
            raise ValidationFailed(_("收费尚未经经理审批，不能关闭工单"))
        order.closed_at = now
    elif action == "reopen":
        window = ServiceSettings.get().reopen_window_days
        since = order.closed_at or order.resolved_at or now
        if now - since > timedelta(days=window):
            raise ValidationFailed(_("已超过 %(days)s 天的重开期限，请新建工单") % {"days": window})
        order.reopen_count += 1
        order.resolved_at = None
        order.closed_at = None
        order.resolution_due = resolution_due_after_reopen(order=order, now=now)
        extra: dict[str, Any] = {
            "resolution_due": order.resolution_due.isoformat() if order.resolution_due else None
        }
        report = order.report
        if report is not None and report.is_signed:
            # The signed report stays frozen as it was; the new round of work goes into a new
            # revision that the customer must sign before the order can close again.
            new = _report_revision_from(report)
            order._report_cache = new  # the property cached the revision just superseded
            extra["report_revision"] = new.revision
        return extra
    return {}


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _staff_list(ids: Any) -> list[Staff]:
    if not ids:
        raise ValidationFailed(_("请选择至少一名服务工程师"), field="technicians")
    try:
        wanted = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise ValidationFailed(_("服务工程师编号无效"), field="technicians")
    staff = list(
        Staff.objects.filter(pk__in=wanted)
        .select_related("user", "outlet")
        .prefetch_related("skills", "certificates")
    )
    if len(staff) != len(set(wanted)):
        raise ValidationFailed(_("所选服务工程师不存在"), field="technicians")
    return staff


def _assign(order: WorkOrder, actor: Any, now: datetime, data: dict, reason: str) -> dict:
    from .selectors import suggest_technicians

    if order.outlet_id is None and data.get("outlet"):
        outlet_id = _int_or_none(data["outlet"])
        outlet = (
            Outlet.objects.filter(pk=outlet_id, is_active=True).first()
            if outlet_id is not None
            else None
        )
        if outlet is None:
            raise ValidationFailed(_("所选服务网点不存在或已停用"), field="outlet")
        order.outlet = outlet
    if order.outlet_id is None:
        raise ValidationFailed(_("工单尚无负责网点：请先确认现场地区"), field="outlet")
    staff = _staff_list(data.get("technicians"))
    problems = [p for s in staff for p in qualification_problems(staff=s, order=order)]
    if problems:
        raise ValidationFailed("；".join(problems), field="technicians")
    leader_id = data.get("leader")
    leader = None
    if leader_id is not None:
        leader = next((s for s in staff if s.pk == _int_or_none(leader_id)), None)
        if leader is None:
            raise ValidationFailed(_("组长须是所选服务工程师之一"), field="leader")
    elif len(staff) > 1:
        raise ValidationFailed(_("两人及以上的班组须指定组长"), field="leader")
    else:
        leader = staff[0]
    override = (data.get("override_reason") or "").strip()
    ranked = [r for r in suggest_technicians(order) if r["qualified"]]
    # Sending a team that includes the best candidate follows the suggestion; leaving them out
    # is the manager's override and needs its reason on the record.
    if ranked and all(ranked[0]["staff"].pk != s.pk for s in staff) and not override:
        raise ValidationFailed(
            _("推荐人选是 %(name)s；改派他人须填写调整原因") % {"name": ranked[0]["staff"].user},
            field="override_reason",
        )
    order.technicians.set(staff)
    order.leader = leader
    order.dispatched_at = now
    for s in staff:
        outbox_enqueue(
            template_code="order_dispatched",
            channel=MsgChannel.IN_APP,
            cause=f"work_order:{order.pk}",
            recipient_user=s.user,
            params={
                "number": order.number,
                "site": order.site_address or "-",
                "deadline": _fmt(order.arrival_due),
            },
        )
    return {"technicians": [s.pk for s in staff], "leader": leader.pk, "override_reason": override}


def _take_back(order: WorkOrder, actor: Any, now: datetime, data: dict) -> dict:
    items = (data.get("items") or "").strip()
    signer = (data.get("customer_signer") or "").strip()
    promised = data.get("promised_at")
    if not items or not signer or not promised:
        raise ValidationFailed(_("取回返修须填写交接物品、客户签字人和承诺完成时间"), field="items")
    if isinstance(promised, str):
        promised = datetime.fromisoformat(promised)
    if isinstance(promised, date) and not isinstance(promised, datetime):
        promised = datetime.combine(promised, datetime.min.time().replace(hour=17, minute=30))
    if timezone.is_naive(promised):
        promised = timezone.make_aware(promised)
    if promised <= now:
        raise ValidationFailed(_("承诺完成时间须晚于现在"), field="promised_at")
    staff = staff_for_user(actor) or order.leader
    if staff is None:
        raise ValidationFailed(_("取回返修须由服务工程师登记"))
    Handover.objects.create(
        order=order,
        taken_at=now,
        items=items,
        technician=staff,
        customer_signer=signer,
        promised_at=promised,
    )
    return {"promised_at": promised.isoformat(), "customer_signer": signer}


_STEP_FIELDS = (
    "listen",
    "look",
    "inspect",
    "handle",
    "run_hours",
    "mileage_km",
    "within_warranty_scope",
    "disassembled_before",
)


@transaction.atomic
def visit_record_steps(*, visit: Visit, actor: Any, **values: Any) -> Visit:
    """Record the four on-site steps (listen, look, inspect = 查, handle) on the current visit."""
    _check_field_actor(visit.order, actor)
    for name in _STEP_FIELDS:
        if name in values and values[name] not in (None, ""):
            setattr(visit, name, values[name])
    visit.save()
    return visit


# --- service report -------------------------------------------------------------------------


_REPORT_CONTENT_FIELDS = (
    "work_done",
    "cause",
    "responsibility",
    "parts_text",
    "old_parts_text",
    "labour_hours",
    "travel_km",
    "is_chargeable",
)


def _report_revision_from(signed: ServiceReport) -> ServiceReport:
    new = ServiceReport(order_id=signed.order_id, revision=signed.revision + 1)
    for name in _REPORT_CONTENT_FIELDS:
        setattr(new, name, getattr(signed, name))
    new.save()
    return new


def _current_report_locked(order: WorkOrder) -> ServiceReport | None:
    """The latest revision, row-locked."""
    return (
        ServiceReport.objects.select_for_update().filter(order=order).order_by("-revision").first()
    )


def _report_for(order: WorkOrder) -> ServiceReport:
    report = _current_report_locked(order)
    if report is None:
        report, _created = ServiceReport.objects.get_or_create(order=order, revision=1)
    return report


def _check_field_actor(order: WorkOrder, actor: Any) -> None:
    """Only the order's own technicians (or the station manager, director, admin) record work."""
    if not roles.has_role(actor, *_FIELD_ROLES):
        raise PermissionDenied(_("只有服务工程师或服务站经理可以填写现场记录"))
    if roles.is_technician(actor) and not _is_assigned(order, actor):
        raise PermissionDenied(_("您不是该工单的服务工程师"))


def _ensure_editable(report: ServiceReport) -> None:
    if report.is_signed:
        raise InvalidTransition(_("服务报告已由客户签字并冻结；如需更正请提交更正记录"))


CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("1000000")


@transaction.atomic
def report_update(
    *, order: WorkOrder, actor: Any, charges: list[dict] | None = None, **values: Any
) -> ServiceReport:
    # Read the state under the row lock: a caller's copy of the order may be stale.
    order = WorkOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.status not in (S.ON_SITE, S.DIAGNOSED, S.WAITING_PARTS, S.IN_WORKSHOP, S.RESOLVED):
        raise InvalidTransition(
            _("工单当前状态为“%(status)s”，不能填写服务报告")
            % {"status": order.get_status_display()}
        )
    _check_field_actor(order, actor)
    report = _report_for(order)
    _ensure_editable(report)
    for name in (
        "work_done",
        "cause",
        "responsibility",
        "parts_text",
        "old_parts_text",
        "labour_hours",
        "travel_km",
        "invoice_no",
    ):
        if name in values and values[name] is not None:
            setattr(report, name, values[name])
    report.is_chargeable = order.warranty_decision != "free" and bool(
        values.get("is_chargeable", report.is_chargeable)
    )
    if charges is not None:
        report.charge_lines.all().delete()
        total = Decimal("0")
        lines = []
        for line in charges:
            item = PriceItem.objects.filter(code=line.get("code"), is_active=True).first()
            if item is None:
                raise ValidationFailed(
                    _("价目“%(code)s”不存在") % {"code": line.get("code")}, field="charges"
                )
            try:
                qty = Decimal(str(line.get("quantity", 1)))
            except InvalidOperation:
                qty = Decimal("NaN")
            # The column holds 8 digits with 2 decimals: anything else would be rounded away
            # (0.004 stored as 0.00 but billed) or overflow.
            if not qty.is_finite() or qty <= 0 or qty >= MAX_QUANTITY or qty != qty.quantize(CENT):
                raise ValidationFailed(
                    _("数量须大于 0、小于 1000000，且最多两位小数"), field="charges"
                )
            amount = (qty * item.unit_price).quantize(Decimal("0.01"))
            total += amount
            lines.append(
                ChargeLine(
                    report=report,
                    price_item=item,
                    quantity=qty,
                    unit_price=item.unit_price,
                    amount=amount,
                )
            )
        ChargeLine.objects.bulk_create(lines)
        # Other apps' billed amounts (out-of-warranty parts) belong to the same total.
        total += sum(hooks.report_extra_charges.collect(report=report), Decimal("0"))
        report.charge_total = total
        report.is_chargeable = total > 0
        # Changed charges need a fresh approval.
        report.charges_approved_at = None
        report.charges_approved_by = None
    report.save()
    return report


@transaction.atomic
def report_approve_charges(*, order: WorkOrder, actor: Any) -> ServiceReport:
    if not roles.has_role(actor, Role.STATION_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN):
        raise PermissionDenied(_("收费须由服务站经理或主管审批"))
    report = _current_report_locked(order)
    if report is None or not report.is_chargeable:
        raise ValidationFailed(_("该工单没有需要审批的收费"))
    _ensure_editable(report)
    report.charges_approved_by = actor
    report.charges_approved_at = timezone.now()
    report.save()
    return report


def report_content_hash(report: ServiceReport) -> str:
    payload: dict[str, Any] = {
        "order": report.order.number,
        "work_done": report.work_done,
        "cause": report.cause,
        "responsibility": report.responsibility,
        "parts": report.parts_text,
        "old_parts": report.old_parts_text,
        "labour_hours": str(report.labour_hours),
        "travel_km": str(report.travel_km),
        "charges": [
            (c.price_item.code, str(c.quantity), str(c.amount)) for c in report.charge_lines.all()
        ],
        "total": str(report.charge_total),
        "signer": report.signer_name,
    }
    if report.signed_at is not None:
        # The signature itself and its moment belong to what was signed: swapping the image
        # file or the time afterwards changes the hash.
        payload["signed_at"] = report.signed_at.isoformat()
    if report.signature:
        with report.signature.open("rb") as signature:
            payload["signature_sha256"] = hashlib.sha256(signature.read()).hexdigest()
    # Lines other apps add (the stock-linked parts); absent when none, so that the hashes of
    # reports without them stay what they were.
    extra = hooks.report_lines.collect(report=report)
    if extra:
        payload["lines"] = [{k: str(v) for k, v in line.items()} for line in extra]
    return hashlib.sha256(
        json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()


def _decode_signature(image: str | bytes) -> bytes:
    if isinstance(image, bytes):
        raw = image
    else:
        text = image.split(",", 1)[1] if image.startswith("data:") else image
        try:
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            raise ValidationFailed(_("签名图像无效"), field="signature")
    if not raw.startswith(b"\x89PNG\r\n\x1a\n") or len(raw) > 1024 * 1024:
        raise ValidationFailed(_("签名图像须为 1 MB 以内的 PNG"), field="signature")
    # Decode it for real: a PNG header followed by junk, or an empty canvas, is no signature.
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(raw)) as img:
            if not (10 <= img.width <= 4000 and 10 <= img.height <= 4000):
                raise ValidationFailed(_("签名图像尺寸无效"), field="signature")
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationFailed(_("签名图像无效"), field="signature")
    flat = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("L")
    if ImageOps.invert(flat).getbbox() is None:
        raise ValidationFailed(_("签名为空白，请客户在签名框内手写签名"), field="signature")
    return raw


def report_sign(
    *, order: WorkOrder, actor: Any, signer_name: str, image: str | bytes
) -> ServiceReport:
    """The customer signs by drawing on the technician's phone. Refused on an empty report; the
    signed report is frozen with a hash of its content; the order moves to `confirmed`."""
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise ValidationFailed(_("请填写签字客户的姓名"), field="signer_name")
    if actor is not None and signer_name in (str(actor), actor.get_username()):
        raise ValidationFailed(_("不得代客户签字：签字人须为客户本人"), field="signer_name")
    raw = _decode_signature(image)
    with transaction.atomic():
        report = _current_report_locked(order)
        if report is None or not report.has_content:
            raise ValidationFailed(_("服务报告尚无内容（工作内容和原因分析），客户不能签字"))
        _ensure_editable(report)
        if report.is_chargeable and report.charges_approved_at is None:
            raise ValidationFailed(_("收费尚未经经理审批，请审批后再请客户签字"))
        if order.status != S.RESOLVED:
            raise InvalidTransition(
                _("工单当前状态为“%(status)s”，须先登记“解决”再请客户签字")
                % {"status": order.get_status_display()}
            )
        report.signer_name = signer_name
        report.signed_at = timezone.now()
        report.signature.save(
            f"{order.number}-r{report.revision}.png", ContentFile(raw), save=False
        )
        report.content_hash = report_content_hash(report)
        report.save()
        work_order_transition(
            order=order,
            action="confirm",
            actor=actor,
            internal=True,
            reason=_("客户 %(name)s 签字") % {"name": signer_name},
        )
    return report


@transaction.atomic
def report_amend(*, order: WorkOrder, actor: Any, text: str) -> ReportAmendment:
    _check_field_actor(order, actor)
    report = (
        ServiceReport.objects.filter(order=order, signed_at__isnull=False)
        .order_by("-revision")
        .first()
    )
    if report is None:
        raise ValidationFailed(_("报告尚未签字，可直接修改，无需更正记录"))
    if not (text or "").strip():
        raise ValidationFailed(_("请填写更正内容"), field="text")
    return ReportAmendment.objects.create(report=report, author=actor, text=text.strip())
