"""The command line: accounts and tokens are made here, and every command explains itself."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, git
from wiki.cli import main, parser
from wiki.config import Settings
from wiki.services.accounts import AccountService
from wiki.store.database import open_database


def run(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(list(argv))


def test_user_add_reads_the_password_from_standard_input(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database", settings.database_url]
    assert (
        run(
            monkeypatch,
            "user",
            "add",
            "jan",
            "--role",
            "editor",
            "--display-name",
            "Jan Jansen",
            *db,
            stdin=PASSWORD + "\n",
        )
        == 0
    )
    assert "Created jan (editor)." in capsys.readouterr().out
    accounts = AccountService(open_database(settings.database_url))
    user = accounts.authenticate("jan", PASSWORD)
    assert user is not None
    assert user.display_name == "Jan Jansen"
    assert run(monkeypatch, "user", "add", "jan", "--role", "editor", *db, stdin=PASSWORD + "\n") == 1
    assert "taken" in capsys.readouterr().err


def test_tokens_are_created_listed_and_revoked(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database", settings.database_url]
    run(monkeypatch, "user", "add", "piet", "--role", "maintainer", *db, stdin=PASSWORD + "\n")
    capsys.readouterr()
    assert run(monkeypatch, "token", "create", "piet", "--label", "script", *db) == 0
    token = capsys.readouterr().out.strip()
    accounts = AccountService(open_database(settings.database_url))
    assert accounts.user_for_token(token) is not None
    run(monkeypatch, "token", "list", "piet", *db)
    token_id = capsys.readouterr().out.split("\t")[0]
    assert run(monkeypatch, "token", "revoke", "piet", token_id, *db) == 0
    assert accounts.user_for_token(token) is None


def test_init_creates_a_seeded_bare_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "nieuw.git"
    assert run(monkeypatch, "init", str(target)) == 0
    assert len(git(target, "ls-tree", "--name-only", "HEAD").split()) == 11
    assert run(monkeypatch, "init", str(target)) == 1


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ([], ["serve", "init", "user", "token"]),
        (["serve"], ["--repo", "--database", "--host", "--port"]),
        (["init"], ["path"]),
        (["user", "add"], ["--role", "--email", "--display-name", "standard input"]),
        (["token", "create"], ["--label"]),
        (["token", "revoke"], ["--all", "id"]),
    ],
)
def test_every_command_explains_itself(
    command: list[str], expected: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parser().parse_args([*command, "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for word in expected:
        assert word in text


def test_maintainers_manage_accounts_on_the_command_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database", settings.database_url]
    run(monkeypatch, "user", "add", "els", "--role", "contributor", *db, stdin=PASSWORD + "\n")
    accounts = AccountService(open_database(settings.database_url))
    assert run(monkeypatch, "user", "role", "els", "editor", *db) == 0
    assert accounts.get_user("els").role.value == "editor"
    assert run(monkeypatch, "user", "disable", "els", *db) == 0
    assert accounts.authenticate("els", PASSWORD) is None
    assert run(monkeypatch, "user", "disable", "els", "--enable", *db) == 0
    capsys.readouterr()
    assert run(monkeypatch, "user", "reset-password", "els", *db) == 0
    new_password = capsys.readouterr().out.strip()
    assert accounts.authenticate("els", PASSWORD) is None
    assert accounts.authenticate("els", new_password) is not None
    run(monkeypatch, "user", "list", *db)
    assert "els\teditor\tactive" in capsys.readouterr().out


def test_serve_refuses_fewer_than_one_worker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = f"sqlite:///{tmp_path / 'wiki.sqlite3'}"
    assert main(["serve", "--workers", "0", "--repo", str(tmp_path / "wiki.git"), "--database", database]) == 1
    assert "--workers must be 1 or more" in capsys.readouterr().err
    assert not (tmp_path / "wiki.git").exists()
