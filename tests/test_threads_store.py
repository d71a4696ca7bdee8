"""Threads, edits, deletes and the moderation tables, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from wiki.store.database import Database

PAGE = "page:neem-initiatief"


@pytest.fixture
def db(opened: Callable[[], Database]) -> Database:
    """Why: every test runs once per backend (``tests/backends.py``)."""
    return opened()


def test_replies_edits_and_deletes_keep_the_thread(db: Database) -> None:
    anna = db.add_user("anna", "Anna", "anna@example.nl", "contributor", "x")
    bert = db.add_user("bert", "Bert", "bert@example.nl", "contributor", "x")
    top = db.add_comment(PAGE, anna, "Eerste")
    reply = db.add_comment(PAGE, bert, "Antwoord", parent_id=top)
    db.edit_comment(top, "Eerste, beter")
    db.edit_comment(top, "Eerste, best")
    assert [v.body for v in db.comment_versions(top)] == ["Eerste", "Eerste, beter"]
    found = db.comment(top)
    assert found is not None
    assert (found.body, found.edited is not None, found.user_id) == ("Eerste, best", True, anna)
    db.delete_comment(top)  # it has a reply: a placeholder stays, its versions go
    rows = db.comments(PAGE)
    assert [(r.id, r.body, r.deleted is not None, r.parent_id) for r in rows] == [
        (top, "", True, None),
        (reply, "Antwoord", False, top),
    ]
    assert db.comment_versions(top) == []
    db.delete_comment(reply)  # the last reply: it goes, and the placeholder with it
    assert db.comments(PAGE) == []


def test_an_erased_author_leaves_the_replies_as_new_threads(db: Database) -> None:
    anna = db.add_user("anna", "Anna", "anna@example.nl", "contributor", "x")
    bert = db.add_user("bert", "Bert", "bert@example.nl", "contributor", "x")
    top = db.add_comment(PAGE, anna, "Van Anna")
    reply = db.add_comment(PAGE, bert, "Van Bert", parent_id=top)
    db.edit_comment(top, "Van Anna, bewerkt")
    db.delete_user(anna)
    assert [(r.id, r.parent_id) for r in db.comments(PAGE)] == [(reply, None)]


def test_the_moderation_log_and_one_second_look(db: Database) -> None:
    anna = db.add_user("anna", "Anna", "anna@example.nl", "contributor", "x")
    mia = db.add_user("mia", "Mia", "mia@example.nl", "maintainer", "x")
    comment = db.add_comment(PAGE, anna, "Geheim")
    assert db.hide_comment(comment, PAGE, "Toon", "Mia", by_id=mia)
    assert db.hidden_by_id(comment) == mia
    assert db.maintainer_count() == 1
    assert db.ask_second_look(comment, "Kijk nog eens")
    assert not db.ask_second_look(comment, "Nog een keer")
    assert db.second_look_states(PAGE) == {comment: False}
    assert [look.comment_id for look in db.open_second_looks()] == [comment]
    db.log_moderation(comment, PAGE, "second_look_answered", mia, "Mag weer")
    assert db.answer_second_look(comment, mia, "Mag weer", "restored_alone")
    assert not db.answer_second_look(comment, mia, "Nog eens", "kept")
    db.restore_comment(comment, PAGE, "Mag weer", mia)
    assert db.second_look_states(PAGE) == {comment: True}
    log = db.moderation_log(10)
    assert [(row.action, row.by, row.reason, row.outcome) for row in log] == [
        ("restore", "Mia", "Mag weer", None),
        ("second_look_answered", "Mia", "Mag weer", "restored_alone"),
        ("hide", "Mia", "Toon", None),
    ]
    assert all("Geheim" not in row.reason for row in log)
    db.delete_user(mia)
    assert {row.by for row in db.moderation_log(10)} == {""}  # the log stays; the name goes
