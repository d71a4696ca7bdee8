"""One person's contributions read back from the database, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from wiki.store.database import Database


@pytest.fixture
def db(opened: Callable[[], Database]) -> Database:
    """Why: every test runs once per backend (``tests/backends.py``)."""
    return opened()


def test_a_person_is_found_in_any_case_but_not_while_waiting_for_approval(db: Database) -> None:
    anna = db.add_user("Anna", "Anna de Vries", "anna@example.nl", "editor", "x")
    db.add_user("wacht", "Wacht", "w@example.nl", "contributor", "x", pending=True)
    found = db.person("anna")
    assert found is not None
    assert (found.id, found.username, found.display_name) == (anna, "Anna", "Anna de Vries")
    assert db.person("wacht") is None
    assert db.usernames_present(["ANNA", "wacht", "niemand"]) == {"anna": "Anna"}
    assert db.commit_addresses(anna) == [f"u{anna}@users.wiki.invalid"]


def test_comments_newest_first_paged_and_hidden_ones_only_for_oneself(db: Database) -> None:
    anna = db.add_user("anna", "Anna", "anna@example.nl", "editor", "x")
    first, second, third = (db.add_comment("page:over", anna, f"Reactie {n}") for n in range(3))
    db.hide_comment(second, "page:over", "Te fel.", "Dora")
    assert [row.id for row in db.comments_by(anna, 10)] == [third, first]
    own = db.comments_by(anna, 10, with_hidden=True)
    assert [(row.id, row.hidden_reason) for row in own] == [(third, None), (second, "Te fel."), (first, None)]
    assert [row.id for row in db.comments_by(anna, 1, third, with_hidden=True)] == [second]


def test_supports_newest_proposal_first_and_paged(db: Database) -> None:
    anna = db.add_user("anna", "Anna", "anna@example.nl", "editor", "x")
    for proposal in (3, 1, 2):
        db.set_support(proposal, anna, supported=True)
    assert [number for number, _when in db.supports_by(anna, 10)] == [3, 2, 1]
    assert [number for number, _when in db.supports_by(anna, 1, 3)] == [2]
