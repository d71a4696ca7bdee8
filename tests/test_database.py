"""The store, on both backends: every behaviour here must hold on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from wiki.errors import BadInput, NameTaken, StoreUnavailable
from wiki.store import credentials, discussion, users
from wiki.store.database import Database, open_database

EMAIL = "anna@users.wiki.invalid"
# A time as the store sees them now, with a fraction: a 4-byte REAL column would round it by minutes.
NOW = 1_750_000_000.25


class Clock:
    """A settable ``time`` module for the store, so windows and orderings are exact."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def db(opened: Callable[[], Database]) -> Database:
    """Why: most tests need one open store."""
    return opened()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Why: throttling windows and 'in the order they supported' depend on the time."""
    fake = Clock(NOW)
    for module in (users, credentials, discussion):
        monkeypatch.setattr(module, "time", fake)
    return fake


def add(db: Database, username: str = "Anna", *, pending: bool = False) -> int:
    return db.add_user(
        username, f"{username} de Vries", f"{username.lower()}@example.nl", "editor", "hash", pending=pending
    )


# -- users ---------------------------------------------------------------------------------


def test_a_username_is_taken_in_any_case_and_found_in_any_case(db: Database) -> None:
    anna = add(db, "Anna")
    with pytest.raises(NameTaken):
        add(db, "aNNA")
    found = db.user_by_name("ANNA")
    assert found is not None
    assert (found.id, found.username, found.display_name) == (anna, "Anna", "Anna de Vries")
    assert db.user_by_id(anna) == found
    assert db.user_by_name("bob") is None
    # The refused insert left the store usable (on PostgreSQL: the connection went back clean).
    assert db.user_by_id(add(db, "bob")) is not None


def test_accounts_are_listed_waiting_ones_first_then_by_name_in_any_case(db: Database) -> None:
    for name in ("bob", "Anna", "carl"):
        add(db, name, pending=name == "carl")
    assert [(user.username, user.pending) for user in db.users()] == [("carl", True), ("Anna", False), ("bob", False)]


def test_a_new_role_or_password_applies_and_a_new_role_ends_sessions(db: Database) -> None:
    anna = add(db)
    db.add_session("s1", anna)
    db.set_password_hash(anna, "new hash")
    assert db.session("s1") is not None
    db.set_role(anna, "maintainer")
    user = db.user_by_id(anna)
    assert user is not None
    assert (user.role, user.password_hash) == ("maintainer", "new hash")
    assert db.session("s1") is None


def test_disabling_ends_sessions_and_enabling_approves(db: Database) -> None:
    anna = add(db, pending=True)
    db.add_session("s1", anna)
    db.update_user(anna, display_name="Anna V.")
    assert db.session("s1") is not None
    db.update_user(anna, disabled=True)
    user = db.user_by_id(anna)
    assert user is not None
    assert (user.display_name, user.disabled, user.pending) == ("Anna V.", True, True)
    assert db.session("s1") is None
    db.update_user(anna, disabled=False, pending=False)
    user = db.user_by_id(anna)
    assert user is not None
    assert (user.disabled, user.pending) == (False, False)


def test_deleting_an_account_erases_all_that_is_personal(db: Database) -> None:
    anna, bob = add(db, "anna"), add(db, "bob")
    db.add_token(anna, "token-hash", "script")
    db.add_session("s1", anna)
    db.add_comment("proposal:1", anna, "Van Anna")
    db.add_comment("proposal:1", bob, "Van Bob")
    db.set_support(1, anna, True)
    db.set_support(1, bob, True)
    db.put_draft(anna, "neem-initiatief", "Titel", "Tekst", "abc")

    db.delete_user(anna)

    assert db.user_by_name("anna") is None
    assert db.token_owner("token-hash") is None
    assert db.tokens("anna") == []
    assert db.session("s1") is None
    assert [comment.body for comment in db.comments()] == ["Van Bob"]
    assert [(row.username, row.name) for row in db.supporters(1)] == [("bob", "bob de Vries")]
    assert [name for _, name, _ in db.all_supports()] == ["bob de Vries"]
    assert db.draft(anna, "neem-initiatief") is None
    assert db.former_authors() == {f"u{anna}@users.wiki.invalid"}
    db.delete_user(bob)
    assert db.former_authors() == {f"u{anna}@users.wiki.invalid", f"u{bob}@users.wiki.invalid"}
    # The name stays unavailable (issue 14: a newcomer under it could act on the erased
    # person's proposals), in any case or look-alike, and only a keyed hash of it is kept.
    for name in ("anna", "Anna", "ANNA"):
        with pytest.raises(NameTaken):
            add(db, name)
    with db.backend.transaction() as transaction:
        kept = [str(cell) for row in transaction.execute("SELECT * FROM erased_usernames").fetchall() for cell in row]
    assert len(kept) == 2
    assert not any("anna" in cell.lower() or "bob" in cell.lower() for cell in kept)


# -- tokens and sessions -------------------------------------------------------------------


def test_tokens_are_listed_newest_first_and_revoked_only_by_their_owner(db: Database) -> None:
    anna, bob = add(db, "anna"), add(db, "bob")
    first = db.add_token(anna, "hash-1", "nightly")
    second = db.add_token(anna, "hash-2", "laptop")
    db.add_token(bob, "hash-3", "bob's")
    assert [(token.id, token.label, token.username) for token in db.tokens("ANNA")] == [
        (second, "laptop", "anna"),
        (first, "nightly", "anna"),
    ]
    assert db.tokens("anna")[0].last_used is None
    owner = db.token_owner("hash-1")
    assert owner is not None
    assert (owner.user.username, owner.token_id, owner.expires, owner.last_used) == ("anna", first, None, None)
    assert db.token_owner("unknown") is None
    assert db.delete_token(first, "bob") is False
    assert db.delete_token(first, "Anna") is True
    assert db.delete_token(first, "anna") is False
    assert db.token_owner("hash-1") is None
    assert [token.label for token in db.tokens("anna")] == ["laptop"]


def test_a_session_knows_its_account_start_last_activity_and_fixed_end(db: Database, clock: Clock) -> None:
    anna = add(db)
    db.add_session("s1", anna)
    db.add_session("sso", anna, NOW + 8 * 3600)  # from single sign-on: it ends at a fixed time
    clock.now += 90
    db.touch_session("s1")
    found = db.session("s1")
    assert found is not None
    user, started, seen, ends = found
    assert (user.username, started, seen, ends) == ("Anna", NOW, NOW + 90, None)
    assert db.session("sso") is not None
    assert db.session("sso")[3] == NOW + 8 * 3600  # type: ignore[index]
    assert db.session("other") is None
    db.delete_session("s1")
    assert db.session("s1") is None


def test_a_token_keeps_its_expiry_and_its_last_use_is_written_at_most_once_a_minute(db: Database, clock: Clock) -> None:
    anna = add(db)
    token = db.add_token(anna, "hash-1", "nightly", expires=NOW + 30 * 86400)
    db.touch_token(token, NOW, 60)
    db.touch_token(token, NOW + 59, 60)  # within the minute: not written again
    assert [(row.expires, row.last_used) for row in db.tokens("anna")] == [(NOW + 30 * 86400, NOW)]
    db.touch_token(token, NOW + 60, 60)
    owner = db.token_owner("hash-1")
    assert owner is not None
    assert (owner.expires, owner.last_used) == (NOW + 30 * 86400, NOW + 60)


def test_a_new_password_ends_every_other_session_and_a_reset_ends_sessions_and_tokens(db: Database) -> None:
    anna, bob = add(db, "anna"), add(db, "bob")
    for session in ("a1", "a2", "a3"):
        db.add_session(session, anna)
    db.add_session("b1", bob)
    db.add_token(anna, "anna-token", "script")
    db.add_token(bob, "bob-token", "script")
    db.change_password_hash(anna, "new hash", keep_session="a2")
    assert [db.session(s) is not None for s in ("a1", "a2", "a3", "b1")] == [False, True, False, True]
    assert db.token_owner("anna-token") is not None  # her own change keeps her scripts working
    db.reset_password_hash(anna, "reset hash")
    assert (db.session("a2"), db.token_owner("anna-token")) == (None, None)
    found = db.user_by_id(anna)
    assert found is not None
    assert found.password_hash == "reset hash"
    assert db.session("b1") is not None
    assert db.token_owner("bob-token") is not None
    assert db.delete_tokens(anna) == 0


# -- secrets, comments, supports ---------------------------------------------------------------


def test_a_secret_is_made_once_and_kept(opened: Callable[[], Database]) -> None:
    db = opened()
    assert db.secret("csrf", "first") == "first"
    assert db.secret("csrf", "second") == "first"
    assert opened().secret("csrf", "third") == "first"  # another replica, or a restart
    assert db.secret("other", "x") == "x"


def test_comments_are_kept_per_target_oldest_first_and_hidden_with_a_reason(db: Database) -> None:
    anna = add(db)
    first = db.add_comment("page:neem-initiatief", anna, "Eerste")
    second = db.add_comment("page:neem-initiatief", anna, "Tweede")
    db.add_comment("proposal:3", anna, "Elders")
    on_page = db.comments("page:neem-initiatief")
    assert [(c.id, c.body, c.username, c.author) for c in on_page] == [
        (first, "Eerste", "Anna", "Anna de Vries"),
        (second, "Tweede", "Anna", "Anna de Vries"),
    ]
    assert [c.body for c in db.comments()] == ["Eerste", "Tweede", "Elders"]
    assert db.hide_comment(first, "proposal:3", "spam", "Beheer") is False  # wrong target
    assert db.hide_comment(first + 1000, "page:neem-initiatief", "spam", "Beheer") is False
    assert db.hide_comment(first, "page:neem-initiatief", "Bevat een telefoonnummer", "Beheer") is True
    hidden = db.comments("page:neem-initiatief")[0]
    assert (hidden.hidden_reason, hidden.hidden_by, hidden.body) == ("Bevat een telefoonnummer", "Beheer", "Eerste")
    assert db.comments("page:neem-initiatief")[1].hidden_reason is None


def test_one_support_per_person_in_the_order_they_supported(db: Database, clock: Clock) -> None:
    anna, bob = add(db, "anna"), add(db, "bob")
    db.set_support(7, bob, True)
    clock.now += 1
    db.set_support(7, anna, True)
    db.set_support(7, bob, True)  # again: still one, and still first
    assert [(row.username, row.name) for row in db.supporters(7)] == [
        ("bob", "bob de Vries"),
        ("anna", "anna de Vries"),
    ]
    assert [(row.username, row.name) for row in db.supporters(8)] == []
    assert db.all_supports() == [(7, "bob de Vries", NOW), (7, "anna de Vries", NOW + 1)]
    db.set_support(7, bob, False)
    db.set_support(7, bob, False)  # withdrawing twice is harmless
    assert [(row.username, row.name) for row in db.supporters(7)] == [("anna", "anna de Vries")]


# -- counters ---------------------------------------------------------------------------------


def test_a_counter_counts_up_and_never_below_at_least(db: Database) -> None:
    assert [db.next_number("proposal", 1) for _ in range(3)] == [1, 2, 3]
    assert db.next_number("proposal", 10) == 10
    assert db.next_number("proposal", 5) == 11
    assert db.next_number("proposal", 0) == 12
    assert db.next_number("other", 0) == 1
    assert db.next_number("other", 1) == 2


def test_concurrent_counting_from_two_replicas_never_repeats_a_number(opened: Callable[[], Database]) -> None:
    replicas = [opened(), opened()]
    numbers: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def count(db: Database) -> None:
        start.wait()
        mine = [db.next_number("proposal", 1) for _ in range(25)]
        with lock:
            numbers.extend(mine)

    threads = [threading.Thread(target=count, args=(replicas[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 201))


# -- sign-in throttling -----------------------------------------------------------------------


def test_sign_in_attempts_count_within_a_window_and_start_over_after_it(db: Database, clock: Clock) -> None:
    assert [db.count_attempt("user:anna", 60) for _ in range(3)] == [1, 2, 3]
    assert db.count_attempt("addr:192.0.2.1", 60) == 1
    clock.now += 60
    assert db.count_attempt("user:anna", 60) == 4
    clock.now += 61
    assert db.count_attempt("user:anna", 60) == 1  # the window passed: a new one, counted from now
    clock.now += 59
    assert db.count_attempt("user:anna", 60) == 2
    db.uncount_attempt("user:anna")
    assert db.count_attempt("user:anna", 60) == 2
    db.clear_failures("user:anna")
    db.uncount_attempt("user:anna")  # nothing to take back: never below zero
    assert db.count_attempt("user:anna", 60) == 1
    assert db.count_attempt("addr:192.0.2.1", 600) == 2  # other keys keep theirs


def test_attempts_counted_at_once_from_two_replicas_each_get_their_own_number(
    opened: Callable[[], Database],
) -> None:
    replicas = [opened(), opened()]
    start = threading.Barrier(8)
    numbers: list[int] = []

    def attempt(db: Database) -> None:
        start.wait()
        numbers.extend(db.count_attempt("user:anna", 900) for _ in range(10))

    threads = [threading.Thread(target=attempt, args=(replicas[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 81))


# -- drafts -----------------------------------------------------------------------------------


def test_one_draft_per_person_and_page(db: Database, clock: Clock) -> None:
    anna, bob = add(db, "anna"), add(db, "bob")
    db.put_draft(anna, "neem-initiatief", "Titel", "Eerste", "abc")
    clock.now += 5
    db.put_draft(anna, "neem-initiatief", "Titel 2", "Tweede", "def")
    db.put_draft(bob, "neem-initiatief", "Van Bob", "Bob", "abc")
    assert db.draft(anna, "neem-initiatief") == ("Titel 2", "Tweede", "def", NOW + 5)
    assert db.draft(bob, "neem-initiatief") == ("Van Bob", "Bob", "abc", NOW + 5)
    assert db.draft(anna, "over") is None
    db.delete_draft(anna, "neem-initiatief")
    assert db.draft(anna, "neem-initiatief") is None
    assert db.draft(bob, "neem-initiatief") is not None


# -- opening ----------------------------------------------------------------------------------


def test_the_store_answers_while_open_and_not_after_closing(store_url: str) -> None:
    db = open_database(store_url)
    assert db.ping() is True
    db.close()
    assert db.ping() is False


@pytest.mark.parametrize("form", ["plain", "relative", "absolute"])
def test_sqlite_urls_and_plain_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    monkeypatch.chdir(tmp_path)
    url = {
        "plain": "data/a.sqlite3",
        "relative": "sqlite:///data/a.sqlite3",
        "absolute": f"sqlite:///{tmp_path}/data/a.sqlite3",
    }
    db = open_database(url[form])
    add(db)
    db.close()
    assert (tmp_path / "data" / "a.sqlite3").is_file()
    assert db.backend.name == "sqlite"


@pytest.mark.parametrize("url", ["mysql://wiki:geheim@db/wiki", "sqlite://data.db", "sqlite:///", "https://x/y"])
def test_other_urls_are_refused_without_repeating_a_password(url: str) -> None:
    with pytest.raises(BadInput) as refused:
        open_database(url)
    assert "postgresql://" in refused.value.message
    assert "geheim" not in refused.value.message


def test_postgres_is_also_accepted_as_the_scheme(postgres_url: str) -> None:
    db = open_database(postgres_url.replace("postgresql://", "postgres://", 1))
    assert db.backend.name == "postgresql"
    assert db.next_number("proposal", 1) == 1
    db.close()


def test_an_unreachable_postgresql_is_reported_plainly() -> None:
    with pytest.raises(StoreUnavailable) as refused:
        open_database("postgresql://wiki:geheim@127.0.0.1:1/wiki")
    assert "127.0.0.1" in refused.value.message
    assert "geheim" not in refused.value.message


def test_a_database_made_before_sign_up_and_postgresql_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
            " display_name TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL, password_hash TEXT NOT NULL,"
            " disabled INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL)"
        )
        old.execute("INSERT INTO users VALUES (1, 'Anna', 'Anna', '', 'editor', 'hash', 0, 0)")
        old.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
        old.execute("INSERT INTO counters VALUES ('proposal', 4)")
    old.close()
    db = open_database(str(path))
    found = db.user_by_name("anna")
    assert found is not None
    assert (found.id, found.pending) == (1, False)
    with pytest.raises(NameTaken):
        add(db, "ANNA")
    assert db.next_number("proposal", 1) == 5
    db.close()
