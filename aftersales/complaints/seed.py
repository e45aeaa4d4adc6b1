"""The SPEC's defaults for complaints: levels with handling deadlines, the routing table of
step 3 and the recurring-detection settings. Idempotent: an administrator's edits stay."""

from __future__ import annotations

from aftersales.notifications.models import Channel, MessageTemplate

from .models import (
    Category,
    ComplaintLevel,
    ComplaintSettings,
    HandlingDepartment,
    RoutingRule,
)

# code, name, hours, round the clock
LEVELS: list[tuple[str, str, int, bool]] = [
    ("urgent", "紧急（重大投诉）", 24, True),
    ("major", "重要", 48, True),
    ("general", "一般", 27, False),  # three working days of nine hours
]
ROUTING: list[tuple[str, str]] = [
    (Category.CONTRACT, HandlingDepartment.TOP_MANAGEMENT),
    (Category.TRANSPORT, HandlingDepartment.LOGISTICS),
    (Category.QUALITY, HandlingDepartment.QUALITY),
    (Category.SERVICE, HandlingDepartment.SERVICE),
]

# The messages of the side effects: step 3 tells the routed department (in-app), step 6 texts
# the complainant. code, channel, language, subject, body
TEMPLATES: list[tuple[str, str, str, str, str]] = [
    (
        "complaint_assigned",
        Channel.IN_APP,
        "zh-hans",
        "新投诉分派：{number}",
        "投诉 {number}（{category}）已分派至{department}，处理时限 {deadline}。",
    ),
    (
        "complaint_assigned",
        Channel.IN_APP,
        "en",
        "Complaint assigned: {number}",
        "Complaint {number} ({category}) is assigned to {department}; due {deadline}.",
    ),
    (
        "complaint_customer_notice",
        Channel.SMS,
        "zh-hans",
        "",
        "【售后服务】您的投诉 {number} 已处理，处理结果已与您沟通，感谢您的反馈。",
    ),
    (
        "complaint_customer_notice",
        Channel.SMS,
        "en",
        "",
        "[Aftersales] Your complaint {number} has been handled and the outcome explained to "
        "you. Thank you for your feedback.",
    ),
]


def seed_complaint_defaults() -> None:
    for order, (code, name, hours, clock) in enumerate(LEVELS):
        ComplaintLevel.objects.get_or_create(
            code=code,
            defaults={"name": name, "hours": hours, "round_the_clock": clock, "order": order},
        )
    for category, department in ROUTING:
        RoutingRule.objects.get_or_create(category=category, defaults={"department": department})
    ComplaintSettings.get()
    for code, channel, language, subject, body in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=code,
            channel=channel,
            language=language,
            defaults={"subject": subject, "body": body},
        )
