"""The single-use links of mail on both backends: found by username or address, spent once
(by one of two replicas at once), never after they expire, and a confirmation only for the
address it was sent to."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from wiki.store.database import Database
from wiki.store.mail_tokens import CONFIRM, RESET


def account(db: Database, username: str, email: str) -> int:
    return db.add_user(username, username.title(), email, "editor", "old-hash")


def test_accounts_are_found_by_username_or_every_one_with_the_address(opened: Callable[[], Database]) -> None:
    db = opened()
    anna = account(db, "anna", "Team@example.nl")
    bert = account(db, "bert", "team@example.nl")
    account(db, "cor", "")
    assert [found.id for found in db.mail_accounts("ANNA")] == [anna]
    assert [found.id for found in db.mail_accounts("team@EXAMPLE.nl")] == [anna, bert]
    assert db.mail_accounts("") == []
    [found] = db.mail_accounts("anna")
    assert (found.has_password, found.active, found.email_confirmed, found.language) == (True, True, True, "")


def test_a_reset_link_is_spent_once_by_one_of_two_replicas(opened: Callable[[], Database]) -> None:
    first, second = opened(), opened()
    anna = account(first, "anna", "anna@example.nl")
    first.add_session("session-hash", anna)
    first.add_mail_token("h1", RESET, anna, "anna@example.nl", time.time() + 3600)
    first.add_mail_token("h2", RESET, anna, "anna@example.nl", time.time() + 3600)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda db: db.reset_with_token("h1", "new-hash", time.time()), (first, second)))
    assert sorted(results, key=lambda result: result is None) == [anna, None]
    assert first.session("session-hash") is None
    assert first.mail_token_state("h1", RESET, time.time()) == "used"
    assert first.mail_token_state("h2", RESET, time.time()) == "used"  # the other links go with it
    assert first.mail_token_state("h1", CONFIRM, time.time()) == "unknown"  # purposes do not mix


def test_an_expired_link_and_a_changed_address_confirm_nothing(opened: Callable[[], Database]) -> None:
    db = opened()
    anna = account(db, "anna", "anna@example.nl")
    db.update_user(anna, email_confirmed=False)
    db.add_mail_token("old", CONFIRM, anna, "anna@example.nl", time.time() - 1)
    db.add_mail_token("other", CONFIRM, anna, "anna@elders.nl", time.time() + 60)
    assert db.mail_token_state("old", CONFIRM, time.time()) == "expired"
    assert db.confirm_with_token("old", time.time()) is None
    assert db.confirm_with_token("other", time.time()) is None
    assert db.reset_with_token("other", "x", time.time()) is None
    found = db.mail_account(anna)
    assert found is not None
    assert found.email_confirmed is False
    db.add_mail_token("good", CONFIRM, anna, "anna@example.nl", time.time() + 60)
    assert db.confirm_with_token("good", time.time()) == anna
    found = db.mail_account(anna)
    assert found is not None
    assert found.email_confirmed is True
