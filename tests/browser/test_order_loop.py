"""The whole service-order loop in a real Chromium, one role after another, with a screenshot of
each step kept in test-artifacts/: agent intake → station manager dispatch → technician on a
phone (on site, four steps, report, customer signature) → close → callback due."""

from __future__ import annotations

import re

import pytest

from aftersales.service.models import Status, WorkOrder
from aftersales.supervision.models import Callback

PHONE = {"width": 390, "height": 844}


def _draw_signature(page) -> None:
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for i in range(1, 20):
        page.mouse.move(x + w * (0.1 + 0.04 * i), y + h * (0.6 - 0.3 * ((i % 4) / 3)), steps=2)
    page.mouse.up()


@pytest.mark.django_db(transaction=True)
def test_an_order_goes_from_hotline_to_callback_through_every_role(
    reseed, world, login, live_server, artifacts
):
    shot = iter(range(1, 100))

    def snap(page, name: str) -> None:
        page.screenshot(path=str(artifacts / f"{next(shot):02d}-{name}.png"), full_page=True)

    # 1. The hotline agent registers the fault.
    agent = login(world["agent"])
    agent.goto(f"{live_server.url}/orders/intake/")
    agent.fill("#id_reporter_name", "李师傅")
    agent.fill("#id_contact_mobile", "13812345678")
    agent.fill("#id_serial", world["unit"].serial)
    agent.select_option("#id_fault_code", "AC01")
    agent.fill("#id_fault_description", "车厢空调不制冷，出风口温度 28 度")
    snap(agent, "agent-intake")
    agent.click("#intake-form button[type=submit]")
    agent.wait_for_url(re.compile(r"/orders/\d+/$"))
    order = WorkOrder.objects.get()
    assert order.status == Status.RECEIVED
    assert order.warranty_decision == "free"
    assert order.number in agent.content()
    snap(agent, "agent-order-received")

    # 2. The station manager responds and dispatches the certified technician from the board.
    manager = login(world["manager"].user)
    manager.goto(f"{live_server.url}/orders/dispatch/")
    manager.locator(f"#order-{order.pk} button:has-text('响应')").click()
    manager.wait_for_load_state("networkidle")
    card = manager.locator(f"#order-{order.pk}")
    card.locator(f"input[name=technicians][value='{world['tech'].pk}']").check()
    snap(manager, "manager-dispatch-board")
    card.locator("form[data-dispatch] button[type=submit]").click()
    manager.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED
    assert list(order.technicians.all()) == [world["tech"]]
    snap(manager, "manager-dispatched")

    # 3. The technician works on a phone: departs, arrives, records the four steps, diagnoses.
    tech = login(world["tech"].user, viewport=PHONE, mobile=True)
    tech.goto(f"{live_server.url}/field/")
    assert tech.locator(f"#job-{order.number}").is_visible()
    snap(tech, "tech-my-jobs")
    tech.goto(f"{live_server.url}/field/{order.pk}/")
    tech.click("#action-depart")
    tech.wait_for_load_state("networkidle")
    tech.click("#action-arrive")
    tech.wait_for_load_state("networkidle")
    tech.fill("#steps-form [name=listen]", "运行 3 年，里程 12 万公里，昨天起不制冷")
    tech.fill("#steps-form [name=look]", "属三包范围，未拆修")
    tech.fill("#steps-form [name=inspect]", "压缩机离合器线圈断路")
    tech.fill("#steps-form [name=handle]", "更换离合器线圈，责任在供应商")
    snap(tech, "tech-four-steps")
    tech.click("#save-steps-diagnose")
    tech.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.status == Status.DIAGNOSED
    assert order.visits.get().inspect == "压缩机离合器线圈断路"

    # ... writes the service report, resolves, and the customer signs on the phone.
    tech.click("#open-report")
    tech.fill("#report-form [name=work_done]", "更换压缩机离合器线圈，试机制冷正常")
    tech.fill("#report-form [name=cause]", "离合器线圈断路")
    tech.fill("#report-form [name=labour_hours]", "2")
    tech.click("#save-report")
    tech.wait_for_load_state("networkidle")
    snap(tech, "tech-report")
    tech.goto(f"{live_server.url}/field/{order.pk}/")
    tech.click("#action-resolve")
    tech.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.status == Status.RESOLVED
    tech.goto(f"{live_server.url}/field/{order.pk}/sign/")
    tech.fill("#id_signer_name", "王经理")
    _draw_signature(tech)
    snap(tech, "customer-signature")
    tech.click("#sign-submit")
    tech.wait_for_load_state("networkidle")
    assert tech.locator("#report-frozen").is_visible()
    snap(tech, "report-frozen")
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    assert order.report.signer_name == "王经理"
    assert len(order.report.content_hash) == 64

    # 4. The agent closes the order; a callback falls due for the supervision department.
    agent.goto(f"{live_server.url}/orders/{order.pk}/")
    agent.locator("form:has(input[name=action][value=close]) button[type=submit]").click()
    agent.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.status == Status.CLOSED
    snap(agent, "agent-closed")
    callback = Callback.objects.get(order=order)
    assert callback.status == Callback.Status.DUE

    supervisor = login(world["supervisor"])
    supervisor.goto(f"{live_server.url}/supervision/callbacks/")
    assert order.number in supervisor.content()
    snap(supervisor, "supervisor-callback-due")
