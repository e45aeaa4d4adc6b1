"""Background jobs with progress (core.jobs), through the survey campaign that uses them: the
request records the job and refuses what it can up front, the consumer (Huey, immediate under
test) runs it in batches and reports progress, and the job's page and API show where it is."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.accounts.models import Role
from aftersales.core.errors import Conflict, PermissionDenied, ValidationFailed
from aftersales.core.jobs import job_run, job_state
from aftersales.core.models import BackgroundJob
from aftersales.supervision import services as sv
from aftersales.supervision.models import SurveyForm, SurveyInvitation

from . import factories as f
from .conftest import api_client_for, client_for
from .test_concurrency import in_parallel

J = BackgroundJob.Status


def annual() -> SurveyForm:
    return SurveyForm.objects.get(code="annual-satisfaction")


def customers(n: int) -> None:
    for i in range(n):
        f.ContactFactory(customer=f.CustomerFactory(name=f"客户{i}"), mobile=f"1390000{i:04d}")


def test_the_page_starts_a_job_and_shows_its_progress_until_done(
    world, django_capture_on_commit_callbacks
):
    customers(2)  # plus the world's two customers, one of them without a contact
    detail = reverse("supervision:survey_detail", args=[annual().pk])
    client = client_for(world["supervisor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(detail)
    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == J.DONE and job.done == job.total == 4
    assert job.result["sent"] == 3 and job.created_by == world["supervisor"]
    assert SurveyInvitation.objects.filter(form=annual()).count() == 3
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'value="100"' in page and "已向 3 位客户发送调查邀请" in page and detail in page
    state = client.get(f"/jobs/{job.pk}/status/").json()
    assert state["status"] == "done" and state["percent"] == 100 and state["finished"]


def test_progress_is_reported_batch_by_batch(world, monkeypatch):
    customers(4)
    monkeypatch.setattr(sv, "CAMPAIGN_BATCH", 2)
    job = sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    reports: list[tuple[int, int | None]] = []
    result = sv.survey_campaign_run(job, lambda done, total=None: reports.append((done, total)))
    assert reports == [(0, 6), (2, None), (4, None), (6, None)]
    assert result["sent"] == 5


def test_a_queued_job_shows_its_state_while_running(world):
    job = sv.survey_campaign_start(actor=world["supervisor"], form=annual())  # not yet committed
    BackgroundJob.objects.filter(pk=job.pk).update(status=J.RUNNING, done=1, total=4)
    job.refresh_from_db()
    state = job_state(job)
    assert state["percent"] == 25 and not state["finished"] and state["summary"] == ""
    page = client_for(world["supervisor"]).get(f"/jobs/{job.pk}/").content.decode()
    assert 'value="25"' in page and 'data-job-finished="0"' in page


def test_refusals_come_before_the_job_and_write_nothing(world):
    with pytest.raises(PermissionDenied):
        sv.survey_campaign_start(actor=world["director"], form=annual())
    rating = SurveyForm.objects.get(code="technician-rating")
    with pytest.raises(ValidationFailed):
        sv.survey_campaign_start(actor=world["supervisor"], form=rating)
    SurveyForm.objects.filter(pk=annual().pk).update(active=False)
    with pytest.raises(ValidationFailed):
        sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    assert not BackgroundJob.objects.exists() and not SurveyInvitation.objects.exists()


def test_the_same_form_is_not_sent_twice_at_once(world):
    first = sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    with pytest.raises(Conflict):
        sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    assert BackgroundJob.objects.count() == 1
    job_run(first.pk)
    # Once the first has finished, the form may be sent again (reaching only the uninvited).
    again = sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    assert job_run(again.pk).result["sent"] == 0


def test_a_job_runs_once_even_when_delivered_twice(world):
    job = sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    assert job_run(job.pk).status == J.DONE
    assert job_run(job.pk) is None
    assert SurveyInvitation.objects.count() == 1


def test_a_refusal_while_running_fails_the_job_with_the_reason(world):
    job = sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    world["supervisor"].is_active = False  # left the company before the consumer got to it
    world["supervisor"].save()
    done = job_run(job.pk)
    assert done.status == J.FAILED and done.error and done.finished_at is not None
    assert not SurveyInvitation.objects.exists()


def test_an_unexpected_error_fails_the_job_with_a_sentence_not_a_traceback(world, monkeypatch):
    job = sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    SurveyForm.objects.filter(pk=annual().pk).delete()  # gone before the job ran
    done = job_run(job.pk)
    assert done.status == J.FAILED and "联系管理员" in done.error and "Traceback" not in done.error


def test_a_job_is_seen_by_who_started_it_and_by_administrators(world):
    job = sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    other = f.UserFactory(username="sup-b", role=Role.SUPERVISOR, department="")
    admin = f.UserFactory(username="adm", role=Role.ADMIN)
    for user, status in ((world["supervisor"], 200), (admin, 200), (other, 404)):
        assert client_for(user).get(f"/jobs/{job.pk}/").status_code == status
        assert client_for(user).get(f"/jobs/{job.pk}/status/").status_code == status
        assert api_client_for(user).get(f"/api/v1/jobs/{job.pk}/").status_code == status
    body = api_client_for(world["supervisor"]).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["status"] == "queued" and body["kind"] == "survey_campaign"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_sending_the_same_form_at_once_never_overlap(reseed, world):
    # The form's row lock orders the two requests. The loser either finds the winner's job
    # still active (Conflict) or, when the winner's job already ran on commit (immediate Huey),
    # starts a second one only after the first finished: never two at once, never a customer
    # invited twice.
    other = f.UserFactory(username="sup-c", role=Role.SUPERVISOR, department="")
    form = annual()
    results = in_parallel(
        *(
            (lambda u=u: sv.survey_campaign_start(actor=u, form=form))
            for u in (world["supervisor"], other)
        )
    )
    ok = [r for kind, r in results if kind == "ok"]
    refused = [r for kind, r in results if kind == "error"]
    assert all(isinstance(exc, Conflict) for exc in refused), results
    jobs = list(BackgroundJob.objects.order_by("pk"))
    assert len(jobs) == len(ok) >= 1
    if len(jobs) == 2:
        assert jobs[1].created_at >= jobs[0].finished_at
        assert jobs[1].result["sent"] == 0
    assert SurveyInvitation.objects.filter(form=form).count() == 1


def test_the_job_page_reads_in_english(world, django_capture_on_commit_callbacks):
    from django.conf import settings

    with django_capture_on_commit_callbacks(execute=True):
        job = sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    client = client_for(world["supervisor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Sending a satisfaction survey" in page and "Done" in page
    assert "Annual customer satisfaction survey (October)" in page
    assert "年度" not in page and "发送" not in page


def test_the_command_sends_a_campaign_and_prints_the_result(world):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("survey_send", "annual-satisfaction", "--user", "supervisor", "--wait", stdout=out)
    assert "已向 1 位客户发送调查邀请" in out.getvalue()
    assert BackgroundJob.objects.get().status == J.DONE
    assert SurveyInvitation.objects.filter(form=annual()).count() == 1
    # Without --wait it is left to the consumer: the job waits in the queue.
    out = io.StringIO()
    call_command("survey_send", "annual-satisfaction", "--user", "supervisor", stdout=out)
    assert "/jobs/" in out.getvalue()
    assert BackgroundJob.objects.filter(status=J.QUEUED).count() == 1
    refusals = [
        (("annual-satisfaction", "--user", world["director"].username), "监督部门"),
        (("no-such-form", "--user", "supervisor"), "annual-satisfaction"),
        (("technician-rating", "--user", "supervisor"), "年度调查或意见卡"),
        (("annual-satisfaction", "--user", "nobody"), "nobody"),
    ]
    for args, words in refusals:
        with pytest.raises(CommandError) as exc:
            call_command("survey_send", *args, "--wait", stdout=io.StringIO())
        assert words in str(exc.value)
    assert BackgroundJob.objects.count() == 2


def test_a_job_left_running_by_a_dead_consumer_stops_blocking_after_six_hours(world):
    from datetime import timedelta

    from django.utils import timezone

    stuck = sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    BackgroundJob.objects.filter(pk=stuck.pk).update(status=J.RUNNING)
    with pytest.raises(Conflict):
        sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    BackgroundJob.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - timedelta(hours=6, minutes=1)
    )
    again = sv.survey_campaign_start(actor=world["supervisor"], form=annual())
    assert job_run(again.pk).status == J.DONE
