"""The PostgreSQL session settings of settings.py are in force on every connection: the period
counts rely on them for their plans (docs/performance.md)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_connections_plan_for_indexed_probes_and_compile_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
