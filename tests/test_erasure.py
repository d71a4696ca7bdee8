"""Erasing an account erases what issue 16 added about it, on SQLite and on PostgreSQL: its
watches, its notifications, its mail waiting or sent, its mail tokens; the events of its
comments go with the comments; events it caused stay for the others, without its name."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from wiki.store.database import Database
from wiki.store.notifications import NewEvent

TABLES = ("watches", "notifications", "outbox", "mail_tokens")


@pytest.fixture
def db(opened: Callable[[], Database]) -> Database:
    """Why: every test runs once per backend (``tests/backends.py``)."""
    return opened()


def count(db: Database, table: str, user_id: int) -> int:
    return int(db._rows(f"SELECT count(*) FROM {table} WHERE user_id = ?", (user_id,))[0][0])  # noqa: S608


def events(db: Database) -> dict[str, tuple[int | None, str]]:
    """Each event's key with its actor account and stored actor name."""
    return {
        str(k): (None if a is None else int(a), str(n))
        for k, a, n in db._rows("SELECT key, actor_id, actor FROM events")
    }


def test_erasing_an_account_erases_its_watches_notifications_mail_and_tokens(db: Database) -> None:
    anna = db.add_user("anna", "Anna", "anna@example.nl", "editor", "x")
    bert = db.add_user("bert", "Bert", "bert@example.nl", "editor", "x")
    comment = db.add_comment("page:over", anna, "Een opmerking van Anna, @bert.")
    now = time.time()
    db.watch(anna, "page", "over")
    db.watch(bert, "page", "over")
    # Anna's comment told Bert (with mail), Bert's edit told Anna (with mail).
    db.record(
        NewEvent("comment:1", "comment", "page:over", anna, "", now, {"comment": comment}, comment),
        {bert: "mention"},
        [bert],
    )
    db.record(NewEvent("edit:abc", "edit", "page:over", bert, "", now, {"revision": "abc"}), {anna: "watch"}, [anna])
    db.enqueue_message("password_reset:1", anna, "Nieuw wachtwoord", "Een link.", "<p>Een link.</p>")
    with db.backend.transaction() as transaction:
        transaction.execute(
            "INSERT INTO mail_tokens (token_hash, purpose, user_id, email, created, expires) VALUES (?, ?, ?, ?, ?, ?)",
            ("hash", "password_reset", anna, "anna@example.nl", now, now + 3600),
        )
    assert all(count(db, table, anna) for table in TABLES)

    db.delete_user(anna)

    assert {table: count(db, table, anna) for table in TABLES} == dict.fromkeys(TABLES, 0)
    # Her comment's event went with her comment, so Bert's notification and mail of it too ...
    assert "comment:1" not in events(db)
    assert count(db, "notifications", bert) == 0
    assert count(db, "outbox", bert) == 0
    # ... while Bert's own edit stays an event, and what Bert has is untouched.
    assert events(db)["edit:abc"] == (bert, "")
    assert count(db, "watches", bert) == 1


def test_an_event_an_erased_account_caused_keeps_no_link_to_it(db: Database) -> None:
    anna = db.add_user("anna", "Anna", "anna@example.nl", "editor", "x")
    bert = db.add_user("bert", "Bert", "bert@example.nl", "editor", "x")
    db.record(
        NewEvent("edit:def", "edit", "page:over", anna, "", time.time(), {"revision": "def"}), {bert: "watch"}, []
    )
    db.delete_user(anna)
    assert events(db)["edit:def"] == (None, "")
    [told] = db.notifications(bert)
    assert told.actor == ""  # shown as a former participant, never by name
