from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from aftersales.accounts import roles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if roles.is_customer(user):
        return redirect("portal:home")
    if roles.is_technician(user):
        return redirect("field:my_jobs")
    if roles.can_dispatch(user):
        return redirect("service:dispatch_board")
    if roles.has_role(user, roles.Role.SUPERVISOR):
        return redirect("supervision:callback_list")
    return redirect("service:order_list")


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
