"""Customer import/export: a customer with its primary contact and one address per row."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from aftersales.accounts import roles
from aftersales.core.importing import Column, Errors, Importer, Row, register_importer
from aftersales.core.masking import mask_address, mask_phone
from aftersales.core.phone import normalise_mobile

from .models import Address, Contact, Customer, Region
from .selectors import customers_for_user

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _plain(name: str) -> str:
    # The national table calls the districts of Beijing "北京市市辖区朝阳区"; people write
    # "北京市朝阳区".
    for filler in ("市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        name = name.replace(filler, "")
    return name


class RegionLookup:
    """Regions by code, or by name when the name is unambiguous (朝阳区 is not; 北京市朝阳区 is)."""

    def __init__(self, codes: Iterable[str] = (), names: Iterable[str] = ()):
        codes, wanted = set(codes), {n for n in names if n}
        self.by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
        # Every region whose own name ends one of the typed names: "北京市朝阳区" → "朝阳区".
        suffixes = {n[i:] for n in wanted for i in range(len(n) - 1)}
        candidates = list(Region.objects.filter(name__in=suffixes)) if suffixes else []
        self.by_name: dict[str, list[Region]] = {}
        for name in wanted:
            full = [
                r for r in candidates if r.full_name == name or _plain(r.full_name) == _plain(name)
            ]
            self.by_name[name] = full or [r for r in candidates if r.name == name]

    def find(self, errors: Errors, row: Row, code_key: str, name_key: str | None) -> Region | None:
        code = row.text(code_key)
        if code:
            region = self.by_code.get(code)
            if region is None:
                errors.add(
                    row,
                    code_key,
                    _("地区代码“%(code)s”不存在，请填写 12 位行政区划代码（如 110105000000）")
                    % {"code": code},
                )
            return region
        name = row.text(name_key) if name_key else ""
        if not name:
            return None
        assert name_key is not None
        found = self.by_name.get(name, [])
        if not found:
            errors.add(
                row,
                name_key,
                _("地区“%(name)s”不存在，请填写完整名称（如 北京市朝阳区）或地区代码")
                % {"name": name},
            )
            return None
        if len(found) > 1:
            errors.add(
                row,
                name_key,
                _("地区名称“%(name)s”对应多个地区（%(list)s），请填写完整名称或地区代码")
                % {"name": name, "list": "、".join(r.full_name for r in found[:4])},
            )
            return None
        return found[0]


@dataclass
class _CustomerPlan:
    customer: Customer
    contact: Contact | None
    address: Address | None


class CustomerImporter(Importer):
    kind = "customers"
    personal = True
    label = gettext_lazy("客户")
    columns = (
        Column("code", "客户编号", True, gettext_lazy("唯一，不能与已有客户重复")),
        Column("name", "名称", True),
        Column("kind", "类型", False, gettext_lazy("单位 或 个人，默认单位")),
        Column("is_key_account", "重点客户", False, gettext_lazy("是/否")),
        Column("contact_name", "联系人", False, gettext_lazy("主要联系人姓名")),
        Column(
            "contact_mobile", "联系人手机", False, gettext_lazy("11 位手机号，填了联系人就必填")
        ),
        Column("contact_email", "联系人邮箱", False),
        Column(
            "region_code", "地区代码", False, gettext_lazy("12 位行政区划代码，与地区名称二选一")
        ),
        Column("region_name", "地区名称", False, gettext_lazy("如 北京市朝阳区")),
        Column("address", "详细地址", False, gettext_lazy("填了地址就必须填地区")),
        Column("notes", "备注", False),
    )

    def may_import(self, actor: Any) -> bool:
        return roles.can_edit_master_data(actor)

    def may_export(self, actor: Any) -> bool:
        return roles.can_edit_master_data(actor) or roles.sees_company_wide(actor)

    def validate(self, rows: list[Row], errors: Errors) -> list[_CustomerPlan]:
        codes = [r.text("code") for r in rows if r.text("code")]
        existing = set(Customer.objects.filter(code__in=codes).values_list("code", flat=True))
        regions = RegionLookup(
            (r.text("region_code") for r in rows), (r.text("region_name") for r in rows)
        )
        seen: dict[str, int] = {}
        plans = []
        for row in rows:
            code = errors.required(row, "code")
            name = errors.required(row, "name")
            if code and errors.unique_in_file(seen, row, "code", code) and code in existing:
                errors.add(row, "code", _("客户编号“%(code)s”已存在") % {"code": code})
            kind = errors.choice(row, "kind", Customer.Kind.choices, Customer.Kind.ORGANISATION)
            key_account = errors.boolean(row, "is_key_account")
            contact = None
            contact_name, raw_mobile = row.text("contact_name"), row.text("contact_mobile")
            email = row.text("contact_email")
            if contact_name or raw_mobile or email:
                if not contact_name:
                    errors.add(row, "contact_name", _("填写了联系方式，请同时填写联系人姓名"))
                mobile = normalise_mobile(raw_mobile)
                if not raw_mobile:
                    errors.add(row, "contact_mobile", _("必填：联系人的手机号"))
                elif mobile is None:
                    errors.add(
                        row,
                        "contact_mobile",
                        _("手机号“%(value)s”格式不正确，请填写 11 位手机号（如 13812345678）")
                        % {"value": raw_mobile},
                    )
                if email and not EMAIL_RE.match(email):
                    errors.add(
                        row, "contact_email", _("邮箱“%(value)s”格式不正确") % {"value": email}
                    )
                contact = Contact(
                    name=contact_name, mobile=mobile or "", email=email, is_primary=True
                )
            region = regions.find(errors, row, "region_code", "region_name")
            detail = row.text("address")
            address = None
            if (
                detail
                and region is None
                and not (row.text("region_code") or row.text("region_name"))
            ):
                errors.add(row, "region_code", _("填写了详细地址，请同时填写地区代码或地区名称"))
            if region is not None:
                address = Address(
                    region=region,
                    detail=detail,
                    latitude=region.latitude,
                    longitude=region.longitude,
                )
            plans.append(
                _CustomerPlan(
                    Customer(
                        code=code or "",
                        name=name or "",
                        kind=kind,
                        is_key_account=key_account,
                        notes=row.text("notes"),
                    ),
                    contact,
                    address,
                )
            )
        return plans

    def save(self, plan: list[_CustomerPlan], actor: Any) -> int:
        customers = bulk_create_with_history(
            [p.customer for p in plan], Customer, default_user=actor
        )
        by_code = {c.code: c for c in customers}
        contacts, addresses = [], []
        for p in plan:
            owner = by_code[p.customer.code]
            if p.contact is not None:
                p.contact.customer = owner
                contacts.append(p.contact)
            if p.address is not None:
                p.address.customer = owner
                addresses.append(p.address)
        bulk_create_with_history(contacts, Contact, default_user=actor)
        bulk_create_with_history(addresses, Address, default_user=actor)
        return len(customers)

    def masks_for(self, actor: Any) -> bool:
        return actor is not None and not roles.sees_personal_data(actor)

    def export_rows(self, actor: Any) -> Iterable[Sequence[Any]]:
        qs = customers_for_user(actor) if actor is not None else Customer.objects.all()
        qs = qs.order_by("code").prefetch_related("contacts", "addresses__region")
        kinds = dict(Customer.Kind.choices)
        # PIPL: roles that do not need personal data get it masked in the export too.
        plain = actor is None or roles.sees_personal_data(actor)
        for customer in qs.iterator(chunk_size=500):
            contact = next((c for c in customer.contacts.all() if c.is_primary), None) or next(
                iter(customer.contacts.all()), None
            )
            address = next(iter(customer.addresses.all()), None)
            yield [
                customer.code,
                customer.name,
                str(kinds.get(customer.kind, customer.kind)),
                "是" if customer.is_key_account else "否",
                contact.name if contact else "",
                (contact.mobile if plain else mask_phone(contact.mobile)) if contact else "",
                (contact.email if plain else "") if contact else "",
                address.region.code if address else "",
                address.region.full_name if address else "",
                (address.detail if plain else mask_address(address.detail)) if address else "",
                customer.notes,
            ]


register_importer(CustomerImporter())
