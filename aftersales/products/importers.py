"""Product-model and unit import/export (one row per model, one row per unit)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from aftersales.accounts import roles
from aftersales.core.importing import Column, Errors, Importer, Row, register_importer
from aftersales.core.masking import mask_address
from aftersales.customers.models import Customer, Region

from .models import ProductModel, Unit, WarrantyPolicy
from .selectors import product_models_for_user, units_for_user
from .warranty import warranty_end


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


class ProductModelImporter(Importer):
    kind = "product_models"
    label = gettext_lazy("产品型号")
    columns = (
        Column("code", "型号代码", True, gettext_lazy("唯一")),
        Column("name", "型号名称", True),
        Column("category", "产品类别", False),
        Column("warranty_policy", "保修政策", True, gettext_lazy("已有保修政策的名称")),
        Column("remote_support", "支持远程", False, gettext_lazy("是/否")),
    )

    def may_import(self, actor: Any) -> bool:
        return roles.can_edit_master_data(actor)

    def may_export(self, actor: Any) -> bool:
        return roles.has_role(actor, *roles.BACK_OFFICE)

    def validate(self, rows: list[Row], errors: Errors) -> list[ProductModel]:
        codes = [r.text("code") for r in rows]
        existing = set(ProductModel.objects.filter(code__in=codes).values_list("code", flat=True))
        policies = {
            p.name: p
            for p in WarrantyPolicy.objects.filter(
                name__in=[r.text("warranty_policy") for r in rows]
            )
        }
        seen: dict[str, int] = {}
        plan = []
        for row in rows:
            code = errors.required(row, "code")
            name = errors.required(row, "name")
            if code and errors.unique_in_file(seen, row, "code", code) and code in existing:
                errors.add(row, "code", _("型号代码“%(code)s”已存在") % {"code": code})
            policy_name = errors.required(row, "warranty_policy")
            policy = policies.get(policy_name or "")
            if policy_name and policy is None:
                errors.add(
                    row,
                    "warranty_policy",
                    _("保修政策“%(name)s”不存在，请先在后台建立该保修政策") % {"name": policy_name},
                )
            remote = errors.boolean(row, "remote_support")
            if policy is not None:
                plan.append(
                    ProductModel(
                        code=code or "",
                        name=name or "",
                        category=row.text("category"),
                        warranty_policy=policy,
                        remote_support=remote,
                    )
                )
        return plan

    def save(self, plan: list[ProductModel], actor: Any) -> int:
        return len(bulk_create_with_history(plan, ProductModel, default_user=actor))

    def export_rows(self, actor: Any) -> Iterable[Sequence[Any]]:
        qs = product_models_for_user(actor) if actor is not None else ProductModel.objects.all()
        for m in qs.select_related("warranty_policy").order_by("code").iterator(chunk_size=500):
            yield [
                m.code,
                m.name,
                m.category,
                m.warranty_policy.name,
                "是" if m.remote_support else "否",
            ]


class UnitImporter(Importer):
    kind = "units"
    label = gettext_lazy("设备档案")
    columns = (
        Column("serial", "序列号", True, gettext_lazy("序列号或车架号，唯一")),
        Column("model_code", "型号代码", True, gettext_lazy("已有产品型号的代码")),
        Column("customer_code", "客户编号", False, gettext_lazy("已有客户的编号")),
        Column("sale_date", "销售日期", False, gettext_lazy("如 2025-03-18")),
        Column("acceptance_date", "验收日期", False, gettext_lazy("不早于销售日期")),
        Column("warranty_start", "保修开始", False, gettext_lazy("留空则取验收日期，其次销售日期")),
        Column(
            "warranty_end", "保修结束", False, gettext_lazy("留空则按型号的保修政策加延保月数计算")
        ),
        Column("extended_months", "延保月数", False, gettext_lazy("如“3+1”的 1 年填 12")),
        Column("software_version", "软件版本", False),
        Column("site_region_code", "安装地区代码", False, gettext_lazy("12 位行政区划代码")),
        Column("site_address", "安装地址", False),
    )

    def may_import(self, actor: Any) -> bool:
        return roles.can_edit_master_data(actor)

    def may_export(self, actor: Any) -> bool:
        return roles.has_role(actor, *roles.BACK_OFFICE)

    def validate(self, rows: list[Row], errors: Errors) -> list[Unit]:
        serials = [r.text("serial") for r in rows]
        existing = set(Unit.objects.filter(serial__in=serials).values_list("serial", flat=True))
        models = {
            m.code: m
            for m in ProductModel.objects.select_related("warranty_policy").filter(
                code__in=[r.text("model_code") for r in rows]
            )
        }
        customers = {
            c.code: c
            for c in Customer.objects.filter(code__in=[r.text("customer_code") for r in rows])
        }
        regions = {
            r.code: r
            for r in Region.objects.filter(code__in=[r.text("site_region_code") for r in rows])
        }
        seen: dict[str, int] = {}
        plan = []
        for row in rows:
            serial = errors.required(row, "serial")
            if serial and errors.unique_in_file(seen, row, "serial", serial) and serial in existing:
                errors.add(row, "serial", _("序列号“%(serial)s”已建档") % {"serial": serial})
            model_code = errors.required(row, "model_code")
            model = models.get(model_code or "")
            if model_code and model is None:
                errors.add(row, "model_code", _("型号代码“%(code)s”不存在") % {"code": model_code})
            customer_code = row.text("customer_code")
            customer = customers.get(customer_code)
            if customer_code and customer is None:
                errors.add(
                    row, "customer_code", _("客户编号“%(code)s”不存在") % {"code": customer_code}
                )
            region_code = row.text("site_region_code")
            region = regions.get(region_code)
            if region_code and region is None:
                errors.add(
                    row,
                    "site_region_code",
                    _("地区代码“%(code)s”不存在，请填写 12 位行政区划代码") % {"code": region_code},
                )
            sale = errors.date(row, "sale_date")
            accepted = errors.date(row, "acceptance_date")
            start = errors.date(row, "warranty_start")
            end = errors.date(row, "warranty_end")
            extended = errors.integer(row, "extended_months") or 0
            if sale and accepted and accepted < sale:
                errors.add(row, "acceptance_date", _("验收日期不能早于销售日期"))
            start = start or accepted or sale
            if end is None and start is not None and model is not None:
                end = warranty_end(start, model.warranty_policy.months, extended)
            if start and end and end < start:
                errors.add(row, "warranty_end", _("保修结束日期不能早于保修开始日期"))
            if model is None:
                continue
            plan.append(
                Unit(
                    serial=serial or "",
                    model=model,
                    customer=customer,
                    sale_date=sale,
                    acceptance_date=accepted,
                    warranty_start=start,
                    warranty_end=end,
                    extended_months=extended,
                    software_version=row.text("software_version"),
                    site_region=region,
                    site_address=row.text("site_address"),
                    latitude=region.latitude if region else None,
                    longitude=region.longitude if region else None,
                    status=Unit.Status.IN_SERVICE if customer else Unit.Status.IN_STOCK,
                )
            )
        return plan

    def save(self, plan: list[Unit], actor: Any) -> int:
        return len(bulk_create_with_history(plan, Unit, default_user=actor))

    def export_rows(self, actor: Any) -> Iterable[Sequence[Any]]:
        qs = units_for_user(actor) if actor is not None else Unit.objects.all()
        qs = qs.select_related("model", "customer", "site_region").order_by("serial")
        plain = actor is None or roles.sees_personal_data(actor)
        for u in qs.iterator(chunk_size=500):
            yield [
                u.serial,
                u.model.code,
                u.customer.code if u.customer else "",
                _iso(u.sale_date),
                _iso(u.acceptance_date),
                _iso(u.warranty_start),
                _iso(u.warranty_end),
                u.extended_months,
                u.software_version,
                u.site_region.code if u.site_region else "",
                u.site_address if plain else mask_address(u.site_address),
            ]


register_importer(ProductModelImporter())
register_importer(UnitImporter())
