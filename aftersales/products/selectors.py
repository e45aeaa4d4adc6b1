from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from aftersales.accounts import roles

from .models import ProductModel, Unit


def units_for_user(user: Any) -> QuerySet[Unit]:
    qs = Unit.objects.all()
    if not (user and user.is_authenticated):
        return qs.none()
    if roles.sees_company_wide(user):
        return qs
    if roles.is_customer(user):
        return qs.filter(customer__user=user)
    if roles.is_station_manager(user) or roles.is_technician(user):
        from aftersales.service.selectors import work_orders_for_user

        return qs.filter(pk__in=work_orders_for_user(user).values("unit_id"))
    return qs.none()


def get_unit_for_user(user: Any, unit_id: Any) -> Unit:
    unit = (
        units_for_user(user)
        .select_related("model", "customer", "site_region")
        .filter(pk=unit_id)
        .first()
    )
    if unit is None:
        raise Http404
    return unit


def product_models_for_user(user: Any) -> QuerySet[ProductModel]:
    if not (user and user.is_authenticated):
        return ProductModel.objects.none()
    return ProductModel.objects.all()
