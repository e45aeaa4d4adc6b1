"""The child process of the PostgreSQL race in test_parts_concurrency (no tests here).

Kept apart so that a `spawn`ed child imports nothing of Django before it sets Django up against
the test database whose name the parent passes in."""

from __future__ import annotations

import os
from typing import Any


def issue_in_child(
    db_name: str, requisition_id: int, actor_id: int, start: Any, results: Any
) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = db_name
    from aftersales.accounts.models import User
    from aftersales.core.errors import Conflict
    from aftersales.parts import services as parts_services
    from aftersales.parts.models import Requisition as Req

    actor = User.objects.get(pk=actor_id)
    req = Req.objects.get(pk=requisition_id)
    start.wait(30)
    try:
        parts_services.requisition_transition(obj=req, action="issue", actor=actor)
    except Conflict as exc:
        results.put(("refused", str(exc.message)))
    except Exception as exc:  # noqa: BLE001 — reported to the test
        results.put(("error", repr(exc)))
    else:
        results.put(("issued", ""))
