"""Playwright in Debian's Chromium against pytest-django's live server.

Sync Playwright runs an event loop in the test thread, which makes Django's async-safety check
refuse ORM calls; allowing it here (and only here) is what DESIGN's "Known traps" prescribes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(
    os.environ.get("TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def artifacts(request) -> Path:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def new_page(browser, live_server):
    """new_page(viewport=..., mobile=...) → a page in a fresh, anonymous context (zh-CN,
    Asia/Shanghai). Any Content-Security-Policy error on it fails the test at teardown."""
    contexts = []
    csp_errors: list[str] = []

    def _new_page(*, viewport: dict | None = None, mobile: bool = False):
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900},
            is_mobile=mobile,
            has_touch=mobile,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        # A script the Content-Security-Policy blocks is a broken page: collect and fail.
        page.on(
            "console",
            lambda msg: (
                csp_errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        return page

    yield _new_page
    for context in contexts:
        context.close()
    assert csp_errors == [], csp_errors


@pytest.fixture
def login(new_page, live_server):
    """login(user, viewport=...) → a page whose context is logged in as `user` through the
    real login form."""

    def _login(
        user, *, password: str = "password", viewport: dict | None = None, mobile: bool = False
    ):
        page = new_page(viewport=viewport, mobile=mobile)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return _login
