from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from aftersales.accounts import roles

from .models import Customer


def customers_for_user(user: Any) -> QuerySet[Customer]:
    qs = Customer.objects.all()
    if not (user and user.is_authenticated):
        return qs.none()
    if roles.sees_company_wide(user):
        return qs
    if roles.is_customer(user):
        return qs.filter(user=user)
    if roles.is_station_manager(user) or roles.is_technician(user):
        from aftersales.service.selectors import work_orders_for_user

        return qs.filter(pk__in=work_orders_for_user(user).values("customer_id"))
    return qs.none()
