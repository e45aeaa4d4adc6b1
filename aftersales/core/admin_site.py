"""Base classes for every ModelAdmin of the back office (django-unfold).

Access in the admin follows the same rules as the pages and the API:

* who may open, view and edit a kind of record is decided by role predicates (each admin says
  which in `may_view` / `may_edit`), not by Django's per-model permission table;
* which records a user sees comes from the app's selector (`scope_queryset`), so "not yours" is a
  404 in the admin as everywhere else;
* history pages (django-simple-history) go through the same queryset, and history never writes:
  revert is disabled and the history form refuses anything but GET.

`core` knows no domain: the predicates and selectors are supplied by the apps' admin modules.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, StackedInline, TabularInline
from unfold.decorators import action

from .errors import ServiceError


class RoleAdminMixin:
    """Role predicates instead of Django's permission table; the selector's queryset."""

    # Whether the admin may create and delete records at all (for users allowed to edit).
    allow_add = True
    allow_delete = True

    def may_view(self, user: Any) -> bool:
        return bool(user.is_active and user.is_superuser)

    def may_edit(self, user: Any) -> bool:
        return bool(user.is_active and user.is_superuser)

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        return qs

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.scope_queryset(request, super().get_queryset(request))  # type: ignore[misc]

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        # Django's admin redirects to the index when the object is not in the queryset; "not
        # yours" must look like "does not exist" everywhere: 404.
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise Http404
        return obj

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.may_view(request.user) or self.may_edit(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_view(request.user) or self.may_edit(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_edit(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.allow_add and self.may_edit(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and self.may_edit(request.user)


class HistoryGuardMixin:
    """History pages show only what the user may see, and never change a record."""

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            # Reverting would move a record around its state machine and its services.
            raise PermissionDenied
        self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        return super().history_form_view(  # type: ignore[misc]
            request, object_id, version_id, extra_context
        )

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class RoleModelAdmin(RoleAdminMixin, ModelAdmin):
    show_full_result_count = False
    list_filter_submit = True


class HistoryModelAdmin(RoleAdminMixin, HistoryGuardMixin, SimpleHistoryAdmin, ModelAdmin):
    show_full_result_count = False
    list_filter_submit = True


class _RoleInlineMixin:
    """An inline may do what its parent's admin allows."""

    def _parent(self) -> RoleAdminMixin:
        return self.admin_site._registry[self.parent_model]  # type: ignore[attr-defined]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent().has_change_permission(request, obj)


class RoleTabularInline(_RoleInlineMixin, TabularInline):
    extra = 0
    tab = True


class RoleStackedInline(_RoleInlineMixin, StackedInline):
    extra = 0
    tab = True


class MasterDataMixin:
    """Import (xlsx/csv, all or nothing, every bad row reported), export and templates for the
    kind of master data named by `import_kind` (see `core.importing`)."""

    import_kind: str = ""
    actions_list = ["import_data", "export_xlsx", "export_csv"]

    def _importer(self) -> Any:
        from .importing import get_importer

        return get_importer(self.import_kind)

    def has_master_import_permission(self, request: HttpRequest) -> bool:
        return bool(self.import_kind) and self._importer().may_import(request.user)

    def has_master_export_permission(self, request: HttpRequest) -> bool:
        return bool(self.import_kind) and self._importer().may_export(request.user)

    @action(
        description=gettext_lazy("导入"),
        url_path="import",
        icon="upload",
        permissions=["master_import"],
    )
    def import_data(self, request: HttpRequest) -> HttpResponse:
        from .importing import import_master_data, template_file

        importer = self._importer()
        opts = self.model._meta  # type: ignore[attr-defined]
        if request.method == "GET" and request.GET.get("template") in ("xlsx", "csv"):
            content, content_type, name = template_file(
                kind=self.import_kind, fmt=request.GET["template"]
            )
            return _download(content, content_type, name)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": opts,
            "title": _("导入%(label)s") % {"label": importer.label},
            "importer": importer,
            "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        }
        if request.method == "POST":
            upload = request.FILES.get("file")
            if upload is None:
                context["failure"] = _("请选择要导入的文件")
            else:
                try:
                    result = import_master_data(
                        kind=self.import_kind,
                        file_name=upload.name or "",
                        content=upload.read(),
                        actor=request.user,
                    )
                except ServiceError as exc:
                    context["failure"] = str(exc.message)
                else:
                    if result.ok:
                        messages.success(
                            request,
                            _("已导入 %(n)s 条%(label)s。")
                            % {"n": result.created, "label": importer.label},
                        )
                        return HttpResponseRedirect(context["changelist_url"])
                    context["result"] = result
                    context["file_name"] = upload.name
        return TemplateResponse(request, "imports/import_page.html", context)

    @action(
        description=gettext_lazy("导出 Excel"),
        url_path="export-xlsx",
        icon="download",
        permissions=["master_export"],
    )
    def export_xlsx(self, request: HttpRequest) -> HttpResponse:
        return self._export(request, "xlsx")

    @action(
        description=gettext_lazy("导出 CSV"),
        url_path="export-csv",
        icon="download",
        permissions=["master_export"],
    )
    def export_csv(self, request: HttpRequest) -> HttpResponse:
        return self._export(request, "csv")

    def _export(self, request: HttpRequest, fmt: str) -> HttpResponse:
        from .importing import export_master_data

        content, content_type, name = export_master_data(
            kind=self.import_kind, actor=request.user, fmt=fmt
        )
        return _download(content, content_type, name)


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
