"""The top bar: each role's entries, grouped under headings, each entry once."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import Role
from aftersales.accounts.roles import MENU_GROUPS, menu_for, menu_groups

from .conftest import client_for, user_per_role


def flat(groups):
    for entry in groups:
        yield from entry.get("entries", [entry])


@pytest.mark.parametrize("role", Role.values)
def test_every_entry_of_a_role_appears_once_in_menu_order(world, role):
    user = user_per_role(world)[role]
    expected = [(i["label"], i["url"]) for i in menu_for(user)]
    got = [(i["label"], i["url"]) for i in flat(menu_groups(user))]
    assert got == sorted(got, key=expected.index) and sorted(got) == sorted(expected)
    for entry in menu_groups(user):
        assert "entries" not in entry or len(entry["entries"]) >= 2  # no heading over one entry


def test_the_director_gets_headings_and_the_technician_plain_links(world):
    director = [e for e in menu_groups(world["director"]) if "entries" in e]
    assert [e["label"] for e in director] == [str(label) for label, _names in MENU_GROUPS]
    stats = director[0]["entries"]
    assert [i["label"] for i in stats][:2] == ["统计分析", "月度考核"]
    assert all("entries" not in e for e in menu_groups(world["tech"].user))


def test_a_heading_with_one_entry_for_the_user_is_shown_as_that_entry(world):
    # A station manager has analytics but no assessment, evaluation or certification.
    manager = menu_groups(world["manager"].user)
    labels = [e["label"] for e in manager]
    assert "统计分析" in labels and "统计与考核" not in labels


def test_the_page_renders_the_headings_as_drop_downs(world):
    body = client_for(world["director"]).get("/orders/").content.decode()
    assert body.count('<details class="nav-group" data-nav-group>') == len(MENU_GROUPS)
    assert "<summary>统计与考核</summary>" in body and 'href="/reports/"' in body
