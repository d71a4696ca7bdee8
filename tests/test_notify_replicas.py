"""Instances sharing one remote and one database tell each change once: the instance that wrote
it tells it, the others take it in from the remote and stay silent; a commit pushed to the
remote from outside is told by whichever instance takes it in first."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, git
from wiki.config import Settings
from wiki.models import Role, User
from wiki.services.accounts import commit_author
from wiki.services.pages import EditRequest
from wiki.services.site import Site, open_site

PAGE = "over"


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Why: replicas share the database; SQLite on one machine, PostgreSQL across machines."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def instances(tmp_path: Path, shared_database: str) -> Iterator[Callable[[str], Site]]:
    """Why: two instances on their own repositories, sharing an empty bare remote and the database."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    opened: list[Site] = []

    def make(name: str) -> Site:
        settings = Settings(repo=tmp_path / f"{name}.git", database_url=shared_database, remote=str(remote))
        opened.append(open_site(settings))
        return opened[-1]

    yield make
    for site in opened:
        site.close()


def told(*sites: Site, user: User) -> list[tuple[str, str]]:
    for site in sites:
        site.notifier.settle()
    return [(n.kind, n.data["origin"]) for n in sites[0].database.notifications(user.id)]


def test_a_save_on_one_instance_is_told_once_by_that_instance(instances: Callable[[str], Site]) -> None:
    a, b = instances("a"), instances("b")
    anna = a.accounts.add_user("anna", PASSWORD, Role.EDITOR, "anna@example.nl", "Anna")
    bert = a.accounts.add_user("bert", PASSWORD, Role.EDITOR, "bert@example.nl", "Bert")
    a.database.watch(anna.id, "page", PAGE)
    page = a.pages.get(PAGE)[0]
    a.pages.save(EditRequest(PAGE, page.text + "\nVan Bert.\n", page.revision, "", commit_author(bert)))
    assert told(a, user=anna) == [("edit", "wiki")]
    assert a.database.is_watching(bert.id, "page", PAGE)  # in the same transaction as the event
    assert "refs/heads/main" in b.replication.sync()  # b takes the commit in from the remote
    assert told(a, b, user=anna) == [("edit", "wiki")]


def test_a_commit_pushed_to_the_remote_from_outside_is_told_once(
    instances: Callable[[str], Site], tmp_path: Path
) -> None:
    a, b = instances("a"), instances("b")
    anna = a.accounts.add_user("anna", PASSWORD, Role.EDITOR, "anna@example.nl", "Anna")
    a.database.watch(anna.id, "principles", "")
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(tmp_path / "remote.git"), str(work)], check=True)
    (work / f"{PAGE}.md").write_text((work / f"{PAGE}.md").read_text() + "\nVan buiten.\n")
    for args in (["add", "-A"], ["-c", "user.name=Buiten", "-c", "user.email=b@example.nl", "commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(work), *args], check=True)
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "HEAD"], check=True)
    assert "refs/heads/main" in b.replication.sync()
    assert "refs/heads/main" in a.replication.sync()
    assert told(a, b, user=anna) == [("edit", "elsewhere")]
