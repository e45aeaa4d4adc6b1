"""On PostgreSQL, eight processes issue the last units of one part at once: exactly the
available quantity is issued, the rest are refused with the message, nothing goes negative.

Real processes (multiprocessing, `spawn`): each child sets Django up against the *test*
database (its name is passed in) and calls the requisition service on its own connection."""

from __future__ import annotations

import multiprocessing

import pytest
from django.db import connection

from aftersales.parts import services
from aftersales.parts.models import Requisition, StockBalance, StockMovement

from .test_parts_race_worker import issue_in_child
from .test_parts_support import assert_ledger_explains_every_balance, parts_world, receive


@pytest.fixture
def pw(world):
    return parts_world(world)


pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 8
STOCK = 3


def test_eight_processes_issuing_the_last_units_never_oversell(reseed, pw):
    keeper, wh, part = pw["keeper"], pw["wh"], pw["compressor"]
    receive(keeper, wh, part, STOCK)
    reqs = [
        Requisition.objects.create(
            number=f"REQ-RACE-{i}",
            requester=pw["tech"],
            warehouse=wh,
            part=part,
            quantity=1,
            status="approved",
        )
        for i in range(WORKERS)
    ]
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    db_name = connection.settings_dict["NAME"]
    procs = [
        ctx.Process(target=issue_in_child, args=(db_name, r.pk, keeper.pk, start, results))
        for r in reqs
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _p in procs]
    for p in procs:
        p.join(30)

    kinds = [kind for kind, _msg in outcomes]
    assert kinds.count("error") == 0, outcomes
    assert kinds.count("issued") == STOCK
    assert kinds.count("refused") == WORKERS - STOCK
    assert all("库存只有 0 件，不能出库 1 件" in msg for kind, msg in outcomes if kind == "refused")
    assert services.balance_of(wh, part) == 0
    assert StockBalance.objects.filter(quantity__lt=0, allow_negative=False).count() == 0
    van = services.technician_van(pw["tech"])
    assert services.balance_of(van, part) == STOCK
    assert StockMovement.objects.filter(doc_type="requisition", part=part).count() == STOCK
    assert Requisition.objects.filter(status="issued").count() == STOCK
    assert_ledger_explains_every_balance(part)
