from huey.contrib.djhuey import db_task

from .jobs import job_run


@db_task()
def run_background_job(job_id: int) -> None:
    job_run(job_id)
