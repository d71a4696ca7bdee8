"""Upgrades keep data: databases made by schema version 1 open with every row readable and
writable, on both backends; a failing step changes nothing; a database from a newer release is
refused.  The fixtures hold real rows, written through its own ``Database`` methods by the
release before versions were recorded (commit 5ede992)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from tests.postgres import Cluster
from wiki.errors import NameTaken, StoreUnavailable
from wiki.services import api_tokens as tokens_module
from wiki.services.accounts import AccountService
from wiki.store import migrations
from wiki.store.database import Database, open_database

FIXTURES = Path(__file__).parent / "fixtures"


def _sqlite_v1(tmp_path: Path) -> str:
    copy = tmp_path / "old.sqlite3"
    shutil.copyfile(FIXTURES / "schema-v1.sqlite3", copy)
    return f"sqlite:///{copy}"


def _postgres_v1(cluster: Cluster) -> str:
    url = cluster.new_database()
    psql = cluster.bin / "psql"
    if not psql.is_file():
        psql = Path(shutil.which("psql") or "psql")
    subprocess.run(
        [str(psql), "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(FIXTURES / "schema-v1.postgres.sql")],
        check=True,
        capture_output=True,
    )
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Why: every upgrade is tested from the same rows on both backends."""
    if request.param == "postgresql":
        return _postgres_v1(request.getfixturevalue("postgres"))
    return _sqlite_v1(tmp_path)


def _version(database: Database) -> int:
    with database.backend.transaction() as transaction:
        found = migrations.current_version(transaction)
    assert found is not None
    return found


def test_a_version_1_database_opens_at_the_latest_version_with_every_row(old_url: str) -> None:
    database = open_database(old_url)
    try:
        assert _version(database) == migrations.LATEST
        names = {user.username: user for user in database.users()}
        assert {"beheer", "anna", "Bert.Jansen", "cor_", "dirk-1", "anna2"} <= set(names)
        assert "weg" not in names
        assert names["anna"].display_name == "Anna de Vriés"
        assert names["beheer"].role == "maintainer"
        assert names["cor_"].pending
        assert names["dirk-1"].disabled
        assert database.user_by_name("ANNA") == names["anna"]
        assert [token.label for token in database.tokens("anna")] == ["laptop"]
        found = database.session(hashlib.sha256(b"session-bert").hexdigest())
        assert found is not None
        assert found[0].username == "Bert.Jansen"
        comments = database.comments("page:neem-initiatief")
        assert [(c.body, c.hidden_reason) for c in comments] == [("Kan dit korter?", "off topic")]
        assert [c.body for c in database.comments("proposal:1")] == ["Goed idee, **steun**."]
        assert len(database.supporters(1)) == 2
        draft = database.draft(names["anna"].id, "neem-initiatief")
        assert draft is not None
        assert draft[1] == "Een half af concept."
        assert "weg@users.wiki.invalid" in database.former_authors()
        assert database.secret("session", "new") == "0123456789abcdef" * 4
        # Writing goes on where the old rows stopped: counters, identities and unique names.
        assert database.next_number("proposals", 1) == 3
        new = database.add_user("nieuw", "Nieuw Iemand", "nieuw@example.org", "contributor", "x")
        assert new > max(user.id for user in names.values())
    finally:
        database.close()


def test_version_2_maps_old_identities_folds_usernames_and_keeps_erased_names_unavailable(old_url: str) -> None:
    database = open_database(old_url)
    try:
        names = {user.username: user for user in database.users()}
        old = [f"{name.lower()}@users.wiki.invalid" for name in names]
        assert database.commit_owners(old) == {
            f"{name.lower()}@users.wiki.invalid": user.id for name, user in names.items()
        }
        assert database.commit_owners([f"u{names['cor_'].id}@users.wiki.invalid"]) == {
            f"u{names['cor_'].id}@users.wiki.invalid": names["cor_"].id
        }
        with database.backend.transaction() as transaction:
            folded = dict(transaction.execute("SELECT username, username_fold FROM users").fetchall())
        assert folded["Bert.Jansen"] == "bert.jansen"
        assert folded["dirk-1"] == "dirk-1"
        found = database.user_by_name("BERT.JANSEN")
        assert found is not None
        assert found.username == "Bert.Jansen"
        # 'weg' was erased in version 1: its name stays taken, though only a hash of it is kept.
        for again in ("weg", "WEG"):
            with pytest.raises(NameTaken):
                database.add_user(again, f"Weer {again}", "", "contributor", "x")
        # Erasing an old account marks its old address and its new one, nobody else's.
        database.delete_user(names["anna"].id)
        former = database.former_authors()
        assert {"anna@users.wiki.invalid", f"u{names['anna'].id}@users.wiki.invalid"} <= former
        assert "anna2@users.wiki.invalid" not in former
        assert database.commit_owners(["anna@users.wiki.invalid"]) == {}
    finally:
        database.close()


def test_opening_again_migrates_nothing_and_keeps_the_rows(old_url: str) -> None:
    open_database(old_url).close()
    database = open_database(old_url)
    try:
        assert _version(database) == migrations.LATEST
        assert len(database.users()) == 6
    finally:
        database.close()


def test_a_step_that_fails_leaves_the_database_as_it_was(old_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    failing = migrations.Step(
        migrations.LATEST + 1,
        "a step that breaks halfway",
        sqlite=("CREATE TABLE half (x INTEGER)", "INSERT INTO nowhere VALUES (1)"),
        postgres=("CREATE TABLE half (x INTEGER)", "INSERT INTO nowhere VALUES (1)"),
    )
    monkeypatch.setattr(migrations, "STEPS", (*migrations.STEPS, failing))
    monkeypatch.setattr(migrations, "LATEST", failing.version)
    with pytest.raises(Exception, match="nowhere"):
        open_database(old_url)
    monkeypatch.undo()
    database = open_database(old_url)
    try:
        assert _version(database) == migrations.LATEST
        with database.backend.transaction() as transaction, pytest.raises(database.backend.error):
            transaction.execute("SELECT x FROM half")
    finally:
        database.close()


def test_a_database_from_a_newer_release_is_refused_with_the_reason(old_url: str) -> None:
    database = open_database(old_url)
    with database.backend.transaction() as transaction:
        transaction.execute("UPDATE schema_version SET version = ?", (migrations.LATEST + 5,))
    database.close()
    with pytest.raises(StoreUnavailable) as refused:
        open_database(old_url)
    assert f"schema {migrations.LATEST + 5}" in str(refused.value.message)


def test_steps_are_numbered_one_after_another_and_each_says_what_it_does() -> None:
    versions = [step.version for step in migrations.STEPS]
    assert versions == list(range(migrations.BASELINE + 1, migrations.BASELINE + 1 + len(versions)))
    assert (versions[-1] if versions else migrations.BASELINE) == migrations.LATEST
    for step in migrations.STEPS:
        assert step.what, step
        assert step.sqlite or step.postgres or step.then is not None, step


def test_a_token_from_version_1_never_expires_and_keeps_working(old_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    database = open_database(old_url)
    try:
        assert [(token.label, token.expires) for token in database.tokens("anna")] == [("laptop", None)]
        # The fixture's token is the digest of "token-anna", made before tokens had a prefix.
        monkeypatch.setattr(tokens_module, "TOKEN_PREFIX", "token-")
        accounts = AccountService(database, PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        user = accounts.user_for_token("token-anna")
        assert user is not None
        assert user.username == "anna"
        assert database.tokens("anna")[0].last_used is not None  # its use is noted from now on
        database.add_token(user.id, "new-hash", "phone", expires=2_000_000_000.0)
        assert {token.label: token.expires for token in database.tokens("anna")} == {
            "laptop": None,
            "phone": 2_000_000_000.0,
        }
    finally:
        database.close()
