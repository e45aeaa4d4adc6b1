from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from aftersales.accounts import roles

from .jobs import job_state, jobs_for_user
from .models import BackgroundJob


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


def _job_for(request: HttpRequest, pk: int) -> BackgroundJob:
    job = jobs_for_user(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A background job's progress bar, then its result (polled by app.js)."""
    job = _job_for(request, pk)
    return render(request, "core/job_detail.html", {"job": job, "state": job_state(job)})


@login_required
@require_GET
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(job_state(_job_for(request, pk)))


@login_required
@require_GET
def job_file(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    """A job's file, for whoever may see the job; always downloaded, never shown inline."""
    job = _job_for(request, pk)
    if job.status != BackgroundJob.Status.DONE:
        raise Http404
    stored = job.files.filter(pk=file_id).first()
    if stored is None:
        raise Http404
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.name,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
