"""Background jobs with progress: the one way long work leaves the request.

An app registers a kind in its AppConfig.ready() (`register_job_kind`), with the function that
does the work and the sentence that sums up its result. A service validates what it can up
front (a refusal then writes nothing), calls `job_start`, and the view sends the user to the
job's page, which shows a progress bar until the Huey consumer has finished (`job_run`).

The runner reports progress with `report(done, total)`; each report is one UPDATE outside any
transaction of the work, so the page sees it at once. A job is claimed by moving it from
queued to running in one UPDATE, so a task delivered twice runs once."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import roles
from aftersales.accounts.models import Role

from .errors import Conflict, ServiceError
from .models import BackgroundJob, JobFile

log = logging.getLogger(__name__)

Report = Callable[..., None]


@dataclass(frozen=True)
class JobKind:
    code: str
    label: Any  # a lazy translation: shown as the page title
    run: Callable[[BackgroundJob, Report], dict[str, Any]]
    summary: Callable[[dict[str, Any]], str]


_KINDS: dict[str, JobKind] = {}


def register_job_kind(kind: JobKind) -> None:
    _KINDS[kind.code] = kind


def job_kind(code: str) -> JobKind | None:
    return _KINDS.get(code)


ACTIVE = (BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING)
# A job whose consumer died (a restart during a deploy) stays "running" for ever; after this long
# it no longer blocks a new job on the same thing, and the new one skips what the old one did.
STALE_AFTER = timedelta(hours=6)


def job_start(
    *,
    kind: str,
    actor: Any,
    params: dict[str, Any] | None = None,
    key: str = "",
    return_url: str = "",
) -> BackgroundJob:
    """Record the job and hand it to the consumer once this transaction commits. With `key`,
    refuses while another job of the kind on the same thing is queued or running; the caller
    holds a row lock on that thing, so two requests at once cannot both pass the check."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    if (
        key
        and BackgroundJob.objects.filter(
            kind=kind, key=key, status__in=ACTIVE, created_at__gte=timezone.now() - STALE_AFTER
        ).exists()
    ):
        raise Conflict(_("同一任务正在进行中，请等它完成后再试"))
    job = BackgroundJob.objects.create(
        kind=kind, key=key, params=params or {}, created_by=actor, return_url=return_url[:200]
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import run_background_job

    run_background_job(job_id)


def job_run(job_id: int) -> BackgroundJob | None:
    """Run a queued job (the Huey task calls this). Returns None when it was not queued."""
    claimed = BackgroundJob.objects.filter(pk=job_id, status=BackgroundJob.Status.QUEUED).update(
        status=BackgroundJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = BackgroundJob.objects.select_related("created_by").get(pk=job_id)
    kind = _KINDS[job.kind]

    def report(done: int, total: int | None = None) -> None:
        values: dict[str, Any] = {"done": done}
        if total is not None:
            values["total"] = total
        BackgroundJob.objects.filter(pk=job_id).update(**values)

    try:
        result = kind.run(job, report)
    except ServiceError as exc:
        _finish(job_id, status=BackgroundJob.Status.FAILED, error=str(exc.message))
    except Exception:
        # The user sees a sentence; the traceback goes to the log for the administrator.
        log.exception("background job %s (%s) failed", job_id, job.kind)
        _finish(job_id, status=BackgroundJob.Status.FAILED, error=_("任务执行出错，请联系管理员"))
    else:
        _finish(job_id, status=BackgroundJob.Status.DONE, result=result)
    return BackgroundJob.objects.get(pk=job_id)


def job_attach(job: BackgroundJob, *, name: str, content: bytes, content_type: str) -> JobFile:
    """Keep a file the job produced. The stored name is random (the upload path is not
    guessable); `name` is what the download is called."""
    stored = JobFile(job=job, name=name[:120], content_type=content_type, size=len(content))
    suffix = name.rsplit(".", 1)[-1] if "." in name else "bin"
    stored.file.save(f"{secrets.token_hex(16)}.{suffix}", ContentFile(content), save=False)
    stored.save()
    return stored


def _finish(job_id: int, **values: Any) -> None:
    BackgroundJob.objects.filter(pk=job_id).update(finished_at=timezone.now(), **values)


def jobs_for_user(user: Any) -> QuerySet[BackgroundJob]:
    """A job is seen by whoever started it, and by administrators."""
    if not (user and user.is_authenticated and user.is_active):
        return BackgroundJob.objects.none()
    if roles.has_role(user, Role.ADMIN):
        return BackgroundJob.objects.all()
    return BackgroundJob.objects.filter(created_by=user)


def job_state(job: BackgroundJob) -> dict[str, Any]:
    """What the page and the API show: status, progress and the result in words."""
    kind = _KINDS.get(job.kind)
    return {
        "id": job.pk,
        "kind": job.kind,
        "label": str(kind.label) if kind else job.kind,
        "status": job.status,
        "status_display": job.get_status_display(),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.finished,
        "summary": kind.summary(job.result)
        if kind and job.status == BackgroundJob.Status.DONE
        else "",
        "error": job.error,
        "files": [
            {
                "id": f.pk,
                "name": f.name,
                "size": f.size,
                "url": reverse("job_file", args=[job.pk, f.pk]),
            }
            for f in job.files.all()
        ]
        if job.status == BackgroundJob.Status.DONE
        else [],
        "return_url": job.return_url,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
