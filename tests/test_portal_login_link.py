"""One-time sign-in links of the portal: issued and sent for a registered mobile or email, the
same answer for an unknown one, a GET never signs in, a POST does once, expiry and guesses."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from aftersales.notifications.models import Channel, OutboxMessage
from aftersales.portal.models import LoginLink

from . import factories as f

REQUEST_URL = "/p/login-link/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def contact(world):
    return f.ContactFactory(
        customer=world["customer"], mobile="13900001111", email="zhang@bus.example.com"
    )


def ask(address: str, client: Client | None = None):
    return (client or Client()).post(REQUEST_URL, {"address": address})


def token_from(message: OutboxMessage) -> str:
    found = re.search(r"/p/login-link/([A-Za-z0-9_-]+)/", message.body)
    assert found, message.body
    return found.group(1)


def link_url(token: str) -> str:
    return reverse("portal:login_link", args=[token])


def without_csrf(html: str) -> str:
    # The masked CSRF token (64 characters) differs on every page; nothing else may.
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


def logged_in_user_id(client: Client):
    return client.session.get("_auth_user_id")


def issue(world, contact) -> str:
    assert ask(contact.mobile).status_code == 200
    return token_from(OutboxMessage.objects.get(template_code="portal_login_link"))


def test_a_registered_mobile_gets_a_link_by_sms(world, contact):
    response = ask(contact.mobile)
    assert response.status_code == 200
    assert 'id="login-link-sent"' in response.content.decode()
    message = OutboxMessage.objects.get(template_code="portal_login_link")
    assert message.channel == Channel.SMS
    assert message.to == "13900001111"
    assert message.recipient_user == world["customer_user"]
    token = token_from(message)
    assert len(token) >= 43  # token_urlsafe(32): 256 bits
    link = LoginLink.objects.get()
    assert link.user == world["customer_user"]
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in link.token_hash  # only the hash is stored
    assert link.expires_at - link.created_at <= timedelta(minutes=15, seconds=1)


def test_a_registered_email_gets_a_link_by_email(world, contact):
    assert ask("Zhang@Bus.example.com").status_code == 200
    message = OutboxMessage.objects.get(template_code="portal_login_link")
    assert message.channel == Channel.EMAIL
    assert message.to == "zhang@bus.example.com"
    assert message.subject


def test_an_unknown_number_gets_the_same_answer_and_nothing_is_sent(world, contact):
    known = ask(contact.mobile)
    OutboxMessage.objects.all().delete()
    LoginLink.objects.all().delete()
    unknown = ask("13700009999")
    assert unknown.status_code == known.status_code == 200
    assert without_csrf(unknown.content.decode()) == without_csrf(known.content.decode())
    assert not OutboxMessage.objects.exists()
    assert not LoginLink.objects.exists()


def test_a_contact_of_a_customer_without_portal_account_gets_nothing(world):
    f.ContactFactory(customer=world["other_customer"], mobile="13600002222")
    assert ask("13600002222").status_code == 200
    assert not OutboxMessage.objects.exists()
    assert not LoginLink.objects.exists()


def test_a_get_shows_a_button_and_signs_nobody_in(world, contact):
    token = issue(world, contact)
    client = Client()
    response = client.get(link_url(token))
    assert response.status_code == 200
    assert 'id="confirm-login"' in response.content.decode()
    assert logged_in_user_id(client) is None
    assert LoginLink.objects.get().used_at is None


def test_a_post_signs_the_customer_in_once(world, contact):
    token = issue(world, contact)
    client = Client()
    response = client.post(link_url(token))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert logged_in_user_id(client) == str(world["customer_user"].pk)
    assert client.get(reverse("portal:home")).status_code == 200
    assert LoginLink.objects.get().used_at is not None

    again = Client()
    response = again.post(link_url(token))
    assert response.status_code == 410
    assert 'id="login-link-invalid"' in response.content.decode()
    assert logged_in_user_id(again) is None
    assert again.get(link_url(token)).status_code == 410


def test_an_expired_link_signs_nobody_in(world, contact):
    token = issue(world, contact)
    LoginLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = Client()
    assert client.get(link_url(token)).status_code == 410
    assert client.post(link_url(token)).status_code == 410
    assert logged_in_user_id(client) is None
    assert LoginLink.objects.get().used_at is None


def test_a_guessed_token_signs_nobody_in(world, contact):
    issue(world, contact)
    client = Client()
    guess = "A" * 43
    assert client.get(link_url(guess)).status_code == 410
    response = client.post(link_url(guess))
    assert response.status_code == 410
    assert 'id="login-link-invalid"' in response.content.decode()
    assert logged_in_user_id(client) is None
    assert LoginLink.objects.get().used_at is None


def test_a_link_of_a_deactivated_account_signs_nobody_in(world, contact):
    token = issue(world, contact)
    world["customer_user"].is_active = False
    world["customer_user"].save(update_fields=["is_active"])
    client = Client()
    assert client.post(link_url(token)).status_code == 410
    assert logged_in_user_id(client) is None


@override_settings(PORTAL_LOGIN_LINK_PER_HOUR=2)
def test_asking_for_links_is_rate_limited(world, contact):
    client = Client()
    assert ask(contact.mobile, client).status_code == 200
    assert ask("13700009999", client).status_code == 200
    response = ask(contact.mobile, client)
    assert response.status_code == 429
    assert LoginLink.objects.count() == 1


def test_the_portal_pages_offer_the_link_to_visitors(world):
    page = Client().get(reverse("portal:qr_report", args=[world["unit"].qr_token]))
    assert reverse("portal:login_link_request") in page.content.decode()
