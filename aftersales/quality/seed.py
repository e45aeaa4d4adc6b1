"""The SPEC's defaults for quality: cost settings, the decoration variant's three cost policies,
the factory departments' (empty) contacts and the ruling messages. Idempotent: an
administrator's later edits are never overwritten."""

from __future__ import annotations

from decimal import Decimal

from aftersales.notifications.models import Channel, MessageTemplate

from .models import (
    CostPolicy,
    CostPolicyShare,
    CostSettings,
    DepartmentContact,
    ManufacturerDepartment,
    RulingParty,
    ShareParty,
)

# code, name, description, ruling party, [(share party, department, percent)]
POLICIES: list[tuple[str, str, str, str, list[tuple[str, str, str]]]] = [
    (
        "contractor_fault",
        "承包方过错：承包方承担全部费用",
        "装修/建筑项目：施工方（我方）过错造成的问题，费用全部由我方承担。",
        RulingParty.MANUFACTURER,
        [(ShareParty.MANUFACTURER, ManufacturerDepartment.SERVICE, "100")],
    ),
    (
        "shared_fault",
        "共同过错：按约定比例分担",
        "双方均有过错：按合同或现场约定的比例分担，裁定时按实际约定调整比例。",
        RulingParty.SHARED,
        [
            (ShareParty.MANUFACTURER, ManufacturerDepartment.SERVICE, "50"),
            (ShareParty.CUSTOMER, "", "50"),
        ],
    ),
    (
        "client_material",
        "甲供材料：客户承担费用",
        "客户自行提供的材料导致的问题，费用由客户承担。",
        RulingParty.CUSTOMER,
        [(ShareParty.CUSTOMER, "", "100")],
    ),
]

TEMPLATES: list[tuple[str, str, str, str, str]] = [
    (
        "ruling_issued",
        Channel.IN_APP,
        "zh-hans",
        "责任裁定 {number}：{party}",
        "工单 {order} 的责任裁定 {number} 已签发：{party}。成本合计 ¥{total}，分摊：{split}。",
    ),
    (
        "ruling_issued",
        Channel.IN_APP,
        "en",
        "Responsibility ruling {number}: {party}",
        "Ruling {number} on order {order} is issued: {party}. Job cost ¥{total}, split: {split}.",
    ),
    (
        "ruling_issued",
        Channel.EMAIL,
        "zh-hans",
        "责任裁定通知 {number}",
        "您好：\n\n工单 {order} 的责任裁定 {number} 已签发，责任方：{party}。"
        "成本合计 ¥{total}，分摊：{split}。\n如有异议，请在收到本通知后提出申诉（仅限一次）。",
    ),
    (
        "ruling_issued",
        Channel.EMAIL,
        "en",
        "Responsibility ruling {number}",
        "Hello,\n\nRuling {number} on order {order} is issued; responsible: {party}. "
        "Job cost ¥{total}, split: {split}.\nYou may appeal once if you disagree.",
    ),
    (
        "ruling_appealed",
        Channel.IN_APP,
        "zh-hans",
        "裁定 {number} 被申诉",
        "工单 {order} 的责任裁定 {number} 收到申诉：{reason}。请复核后维持或改判。",
    ),
    (
        "ruling_appealed",
        Channel.IN_APP,
        "en",
        "Ruling {number} is appealed",
        "Ruling {number} on order {order} is appealed: {reason}. Review it, then uphold or revise.",
    ),
    (
        "ruling_decided",
        Channel.IN_APP,
        "zh-hans",
        "裁定 {number} 申诉结果",
        "工单 {order} 的责任裁定 {number} 申诉已处理：维持原裁定。{reason}",
    ),
    (
        "ruling_decided",
        Channel.IN_APP,
        "en",
        "Appeal on ruling {number} decided",
        "The appeal on ruling {number} (order {order}) is decided: upheld. {reason}",
    ),
]


def seed_quality_defaults() -> None:
    CostSettings.get()
    for department in ManufacturerDepartment.values:
        DepartmentContact.objects.get_or_create(department=department)
    for code, name, description, party, shares in POLICIES:
        policy, created = CostPolicy.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "party": party}
        )
        if created:
            CostPolicyShare.objects.bulk_create(
                [
                    CostPolicyShare(policy=policy, party=p, department=d, percent=Decimal(percent))
                    for p, d, percent in shares
                ]
            )
    for code, channel, language, subject, body in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=code,
            channel=channel,
            language=language,
            defaults={"subject": subject, "body": body},
        )
