from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import roles
from aftersales.core.admin_site import (
    HistoryModelAdmin,
    MasterDataMixin,
    RoleModelAdmin,
    RoleTabularInline,
)
from aftersales.core.masking import mask_phone

from .models import Address, Contact, Customer, Region
from .selectors import customers_for_user


def back_office(user: Any) -> bool:
    return roles.has_role(user, *roles.BACK_OFFICE)


@admin.register(Region)
class RegionAdmin(RoleModelAdmin):
    """Seeded from the national administrative-code table: read-only, searchable (and the
    source of the region autocompletes)."""

    list_display = ("code", "full_name", "level", "latitude", "longitude")
    list_filter = ("level",)
    search_fields = ("^code", "full_name")
    list_per_page = 50
    allow_add = allow_delete = False

    def may_view(self, user: Any) -> bool:
        return back_office(user)

    def may_edit(self, user: Any) -> bool:
        return False


class ContactInline(RoleTabularInline):
    model = Contact
    fields = ("name", "mobile", "email", "is_primary")
    hide_title = True  # the row title is the contact's str(), which carries the full mobile

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if roles.sees_personal_data(request.user):
            return self.fields
        # PIPL: roles that do not need them see mobile numbers masked (138****5678).
        return ("name", "masked_mobile", "is_primary")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if roles.sees_personal_data(request.user):
            return ()
        return ("name", "masked_mobile", "is_primary")

    @admin.display(description=_("手机"))
    def masked_mobile(self, obj: Contact) -> str:
        return mask_phone(obj.mobile)


class AddressInline(RoleTabularInline):
    model = Address
    fields = ("label", "region", "detail", "latitude", "longitude")
    autocomplete_fields = ("region",)


@admin.register(Customer)
class CustomerAdmin(MasterDataMixin, HistoryModelAdmin):
    import_kind = "customers"
    list_display = ("code", "name", "kind", "is_key_account", "created_at")
    list_filter = ("kind", "is_key_account")
    search_fields = ("=code", "name", "=contacts__mobile")
    inlines = (ContactInline, AddressInline)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)

    def may_view(self, user: Any) -> bool:
        return back_office(user)

    def may_edit(self, user: Any) -> bool:
        return roles.can_edit_master_data(user)

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs & customers_for_user(request.user)
