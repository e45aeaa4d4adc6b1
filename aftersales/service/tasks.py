from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .sla import sla_sweep


@db_periodic_task(crontab(minute="*/5"))
@lock_task("sla-sweep")
def sweep_sla() -> None:
    sla_sweep()
