from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import outbox_deliver_due


@db_periodic_task(crontab(minute="*"))
@lock_task("outbox-deliver")
def deliver_outbox() -> None:
    outbox_deliver_due()
