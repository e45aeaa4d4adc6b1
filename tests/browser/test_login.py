import pytest

from aftersales.accounts.models import Role
from tests import factories as f


@pytest.mark.django_db(transaction=True)
def test_an_agent_logs_in_and_lands_on_the_order_list(login, live_server, reseed, artifacts):
    agent = f.UserFactory(username="agent1", role=Role.AGENT)
    page = login(agent)
    assert "/orders/" in page.url
    page.screenshot(path=str(artifacts / "orders.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_keeps_the_user_on_the_login_page(browser, live_server, reseed):
    f.UserFactory(username="agent2", role=Role.AGENT)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "agent2")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "/login/" in page.url
    context.close()
