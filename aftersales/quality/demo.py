"""Demo data for quality: a couple of rulings and a settled supplier claim, made through the real
services on orders the core demo already walked past diagnosis. Idempotent: a second run finds
rulings in place and writes nothing. The lead's `aftersales demo` calls `seed_demo_quality()`."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from aftersales.accounts.models import Role, User
from aftersales.products.models import Supplier

from . import services
from .models import Ruling, SupplierClaim
from .selectors import LIVE_RULING, RULABLE_STATUSES


def seed_demo_quality() -> int:
    """Returns how many rulings it made (0 on a second run or without suitable orders)."""
    from aftersales.service.models import WorkOrder

    if Ruling.objects.exists():
        return 0
    qe = User.objects.filter(role=Role.QUALITY_ENGINEER, is_active=True).order_by("id").first()
    finance = User.objects.filter(role=Role.FINANCE, is_active=True).order_by("id").first()
    if qe is None or finance is None:
        return 0
    supplier, _created = Supplier.objects.get_or_create(
        code="SUP-RLY",
        defaults={
            "name": "苏州华信继电器有限公司",
            "contact_name": "钱经理",
            "email": "claims@huaxin-relay.example.com",
        },
    )
    orders = list(
        WorkOrder.objects.filter(status__in=RULABLE_STATUSES, reports__isnull=False)
        .exclude(rulings__status__in=LIVE_RULING)
        .distinct()
        .order_by("received_at", "id")[:2]
    )
    made = 0
    with transaction.atomic():
        if orders:
            ruling = services.ruling_create(
                order=orders[0],
                actor=qe,
                spec=services.RulingSpec(
                    party="supplier",
                    supplier=supplier,
                    findings="拆检旧件：继电器触点材料不合格，属同批次质量缺陷。",
                ),
                issue=True,
            )
            services.ruling_transition(ruling=ruling, action="accept", actor=qe)
            for claim in SupplierClaim.objects.filter(ruling=ruling):
                services.claim_transition(claim=claim, action="submit", actor=qe)
                services.claim_transition(claim=claim, action="accept", actor=qe)
                claim.refresh_from_db()
                services.claim_transition(
                    claim=claim,
                    action="settle",
                    actor=finance,
                    recovered_amount=str(claim.accepted_amount),
                )
            made += 1
        if len(orders) > 1:
            services.ruling_create(
                order=orders[1],
                actor=qe,
                spec=services.RulingSpec(
                    party="shared",
                    findings="设备装配扭矩不足，客户长期超载运行，双方均有责任。",
                    shares=[
                        services.ShareInput(
                            party="manufacturer", department="production", percent=Decimal("60")
                        ),
                        services.ShareInput(party="customer", percent=Decimal("40")),
                    ],
                ),
                issue=True,
            )
            made += 1
    return made
