"""`/api/v1/ahp/weights/` and `/api/v1/ahp/adjust/` (S14): any signed-in user computes, nobody
else; malformed input answers 400 naming the cell, in the same words as the command line."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from aftersales.accounts.models import Role

from . import factories as f
from .conftest import api_client_for

CONSISTENT = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
CIRCULAR = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]


@pytest.fixture
def client(db):
    return api_client_for(f.UserFactory(role=Role.CUSTOMER))


@pytest.mark.parametrize("url", ["/api/v1/ahp/weights/", "/api/v1/ahp/adjust/"])
def test_it_requires_a_signed_in_user(db, url):
    resp = APIClient().post(url, {"matrix": CONSISTENT, "weights": [1.0]}, format="json")
    assert resp.status_code in (401, 403)


def test_weights_of_a_consistent_matrix(client):
    resp = client.post("/api/v1/ahp/weights/", {"matrix": CONSISTENT}, format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["weights"] == pytest.approx([0.6370, 0.2583, 0.1047], abs=1e-4)
    assert body["cr"] == pytest.approx(0.0332, abs=1e-4)
    assert body["consistent"] is True
    assert set(body) == {"weights", "lambda_max", "ci", "cr", "consistent", "most_inconsistent"}


def test_an_inconsistent_matrix_is_an_answer_naming_the_judgements_to_revisit(client):
    resp = client.post("/api/v1/ahp/weights/", {"matrix": CIRCULAR}, format="json")
    assert resp.status_code == 200
    body = resp.json()
    assert body["consistent"] is False
    assert body["most_inconsistent"] and all(i < j for i, j in body["most_inconsistent"])


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"matrix": [[1, 2], [1, 1]]}, "(0, 1) 与 (1, 0)"),
        ({"matrix": [[1, 0], [1, 1]]}, "(0, 1)"),
        ({"matrix": [[1, 2, 3], [0.5, 1, 2]]}, "第 0 行"),
        ({"matrix": []}, "为空"),
        ({}, "matrix"),
    ],
)
def test_a_bad_matrix_answers_400_naming_the_cell(client, payload, named):
    resp = client.post("/api/v1/ahp/weights/", payload, format="json")
    assert resp.status_code == 400
    assert resp.json()["code"] == "invalid"
    assert named in resp.json()["detail"]


def test_adjust_removes_parts_management_as_in_the_seed(client):
    payload = {"weights": [0.1115, 0.1813, 0.0546, 0.6527], "remove": 1}
    resp = client.post("/api/v1/ahp/adjust/", payload, format="json")
    assert resp.status_code == 200
    assert [round(x, 4) for x in resp.json()["weights"]] == [0.1362, 0.0667, 0.7972]


def test_adjust_sets_and_adds(client):
    payload = {
        "weights": [0.2918, 0.1676, 0.2211, 0.1925, 0.1270],
        "set": {"index": 2, "weight": 0.32},
    }
    resp = client.post("/api/v1/ahp/adjust/", payload, format="json")
    assert [round(x, 4) for x in resp.json()["weights"]] == [0.2547, 0.1463, 0.32, 0.1681, 0.1109]
    payload = {"weights": [0.5, 0.5], "add": {"ratio_to": 1, "k": 2}}
    resp = client.post("/api/v1/ahp/adjust/", payload, format="json")
    assert resp.json()["weights"] == pytest.approx([0.25, 0.25, 0.5])


@pytest.mark.parametrize(
    "payload",
    [
        {"weights": [0.5, 0.5]},
        {"weights": [0.5, 0.5], "remove": 7},
        {"weights": [0.5, 0.7], "remove": 0},
        {"weights": [0.5, 0.5], "set": {"index": 0}},
    ],
)
def test_a_bad_adjustment_answers_400(client, payload):
    resp = client.post("/api/v1/ahp/adjust/", payload, format="json")
    assert resp.status_code == 400
    assert resp.json()["detail"]
