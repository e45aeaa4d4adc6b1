from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .monthly import refresh_recent


@db_periodic_task(crontab(hour="1", minute="30"))
@lock_task("kpi-months-refresh")
def refresh_kpi_months() -> None:
    """Count the recent complete months again every night: writes that bypass the model
    signals (bulk updates, restores) must not leave the trend chart wrong for long."""
    refresh_recent()
