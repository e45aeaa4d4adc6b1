"""A reopened order gets a new report revision: the signed original stays frozen, and the order
cannot close again until the customer has signed the new revision."""

from __future__ import annotations

import pytest

from aftersales.core.errors import PermissionDenied, ValidationFailed
from aftersales.service import services
from aftersales.service.models import ServiceReport, Status

from .test_field import png_data_url, resolved_with_report


def _signed_and_closed(world):
    order = resolved_with_report(world)
    tech = world["tech"].user
    services.report_sign(order=order, actor=tech, signer_name="王经理", image=png_data_url())
    order.refresh_from_db()
    return services.work_order_transition(order=order, action="close", actor=world["agent"])


def test_reopening_a_signed_order_starts_a_new_unsigned_revision_and_keeps_the_original(world):
    order = _signed_and_closed(world)
    original = ServiceReport.objects.get(order=order)
    order = services.work_order_transition(
        order=order, action="reopen", actor=world["agent"], reason="空调又不制冷"
    )
    revisions = list(ServiceReport.objects.filter(order=order).order_by("revision"))
    assert [r.revision for r in revisions] == [1, 2]
    assert revisions[0].pk == original.pk and revisions[0].is_signed
    assert revisions[0].content_hash == original.content_hash
    assert not revisions[1].is_signed
    assert revisions[1].work_done == original.work_done
    assert order.report.revision == 2


def test_a_reopened_order_cannot_close_again_on_the_old_signature(world):
    order = _signed_and_closed(world)
    order = services.work_order_transition(
        order=order, action="reopen", actor=world["agent"], reason="空调又不制冷"
    )
    for action in ("dispatch", "arrive", "resolve"):
        extra = {"technicians": [world["tech"].pk]} if action == "dispatch" else {}
        actor = world["manager"].user if action == "dispatch" else world["tech"].user
        order = services.work_order_transition(order=order, action=action, actor=actor, **extra)
    order.refresh_from_db()
    assert order.status == Status.RESOLVED
    with pytest.raises(ValidationFailed):
        services.work_order_transition(order=order, action="close", actor=world["agent"])
    services.report_update(
        order=order, actor=world["tech"].user, work_done="再次更换线圈", cause="线圈批次缺陷"
    )
    services.report_sign(
        order=order, actor=world["tech"].user, signer_name="王经理", image=png_data_url()
    )
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    order = services.work_order_transition(order=order, action="close", actor=world["agent"])
    assert order.status == Status.CLOSED
    assert ServiceReport.objects.get(order=order, revision=1).work_done != "再次更换线圈"


def test_an_agent_cannot_write_the_four_steps_or_the_report(world):
    order = resolved_with_report(world)
    with pytest.raises(PermissionDenied):
        services.report_update(order=order, actor=world["agent"], work_done="x")
    visit = order.visits.get()
    with pytest.raises(PermissionDenied):
        services.visit_record_steps(visit=visit, actor=world["agent"], listen="x")
    visit.refresh_from_db()
    assert visit.listen != "x"


def test_an_order_closed_again_after_a_reopen_gets_a_new_callback(
    world, django_capture_on_commit_callbacks
):
    from aftersales.supervision.models import Callback
    from aftersales.supervision.services import callback_complete

    with django_capture_on_commit_callbacks(execute=True):
        order = _signed_and_closed(world)
    first = Callback.objects.get(order=order)
    callback_complete(callback=first, actor=world["supervisor"], notes="客户满意")
    order.refresh_from_db()
    order = services.work_order_transition(
        order=order, action="reopen", actor=world["agent"], reason="又坏了"
    )
    order = services.work_order_transition(
        order=order, action="resolve_remote", actor=world["agent"], reason="远程指导复位"
    )
    services.report_sign(
        order=order, actor=world["tech"].user, signer_name="王经理", image=png_data_url()
    )
    order.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.work_order_transition(order=order, action="close", actor=world["agent"])
    callbacks = list(Callback.objects.filter(order=order).order_by("id"))
    assert [c.status for c in callbacks] == [Callback.Status.DONE, Callback.Status.DUE]
    callback_complete(callback=callbacks[1], actor=world["supervisor"], notes="已解决")
    order.refresh_from_db()
    assert order.status == Status.FOLLOWED_UP
