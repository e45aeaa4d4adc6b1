"""The Content-Security-Policy is strict on our pages; only the admin is relaxed for unfold."""

import pytest

from .conftest import client_for


def _script_src(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(p for p in policy.split(";") if p.strip().startswith("script-src"))


@pytest.mark.django_db
def test_the_public_qr_form_allows_no_inline_or_eval_script(client, world):
    response = client.get(f"/p/q/{world['unit'].qr_token}/")
    assert response.status_code == 200
    assert "unsafe" not in _script_src(response)


def test_back_office_pages_allow_no_inline_script(world):
    response = client_for(world["agent"]).get("/orders/")
    assert "unsafe" not in _script_src(response)


def test_the_admin_alone_gets_unsafe_eval_for_unfold(world):
    from tests import factories as f

    admin_user = f.UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    response = client_for(admin_user).get("/admin/")
    assert "'unsafe-eval'" in _script_src(response)


@pytest.mark.django_db
def test_the_api_docs_load_their_script_from_a_file_not_inline(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert "unsafe" not in _script_src(response)
    html = response.content.decode()
    assert "<script src=" in html
