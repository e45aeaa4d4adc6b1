from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import assessment_compute, previous_month_to_assess


@db_periodic_task(crontab(day="1", hour="2", minute="0"))
@lock_task("assessment-monthly")
def compute_last_month() -> None:
    """Drafts of last month on the first of the month; HR reviews and approves them."""
    assessment_compute(month=previous_month_to_assess(), actor=None)
