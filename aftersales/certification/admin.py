"""The indicator tree's texts for administrators (the standard's wording can replace the seeded
summaries here). Points have their own page (`certification:tree`) with the default mark; the
self-assessments themselves change only through the services and are not edited here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from aftersales.core.admin_site import HistoryModelAdmin, RoleModelAdmin

from .models import Clause, Item
from .selectors import may_edit_tree


class TreeAdmin:
    allow_add = allow_delete = False  # codes are the seed's keys and answers point at items

    def may_view(self, user: Any) -> bool:
        return may_edit_tree(user)

    def may_edit(self, user: Any) -> bool:
        return may_edit_tree(user)


@admin.register(Clause)
class ClauseAdmin(TreeAdmin, RoleModelAdmin):
    list_display = ("code", "title", "category")
    readonly_fields = ("code", "category")
    fields = ("code", "category", "title", "note", "position")
    ordering = ("category__position", "position", "code")


@admin.register(Item)
class ItemAdmin(TreeAdmin, HistoryModelAdmin):
    list_display = ("code", "title", "kind", "points", "points_are_default", "is_active")
    list_filter = ("clause__category", "kind", "points_are_default", "is_active")
    readonly_fields = ("code", "clause", "measure")
    fields = (
        "code",
        "clause",
        "title",
        "requirement",
        "kind",
        "sample_of",
        "points",
        "points_are_default",
        "measure",
        "is_active",
        "position",
    )
    ordering = ("clause__category__position", "clause__position", "position", "code")
