"""Report documents (S13): pick a report and a period, the job builds the PDF and the workbook,
the job's page offers both for download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from aftersales.core.dates import as_date
from aftersales.core.errors import ServiceError
from aftersales.core.jobs import jobs_for_user

from .documents import DOCUMENT_JOB, KINDS, report_document_start, sees_documents


@login_required
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not sees_documents(user):
        raise DjangoPermissionDenied
    today = timezone.localdate()
    kind = request.POST.get("kind", "monthly")
    day = as_date(request.POST.get("day")) or today
    if request.method == "POST":
        try:
            job = report_document_start(actor=user, kind=kind, day=day, return_url=request.path)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("job_detail", pk=job.pk)
    recent = jobs_for_user(user).filter(kind=DOCUMENT_JOB, created_by=user.pk)[:10]
    return render(
        request,
        "reports/documents.html",
        {"kinds": list(KINDS.items()), "kind": kind, "day": day, "recent": recent},
    )
