"""``wiki_wrote``: only a mark the site signed after a save makes a replica fetch, once per save.

A fetch runs under the writer lock, so a cookie anyone can write ("a time in the
future") let anyone stall every save on a replica, request after request.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, csrf_from, git
from wiki.config import Settings
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.replication import WRITE_MARK
from wiki.services.site import Site, open_site
from wiki.web.app import create_app
from wiki.web.replicas import WROTE_COOKIE

PAGE = "over"


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[Site, Site]]:
    """Two instances on their own repositories, sharing a bare remote and the database."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    sites = [
        open_site(Settings(repo=tmp_path / f"{name}.git", database_url=database, remote=str(remote))) for name in "ab"
    ]
    yield sites[0], sites[1]
    for site in sites:
        site.close()


def count_fetches(site: Site, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the fetches ``site`` makes from the shared remote from now on."""
    replica = site.replication.replica
    assert replica is not None
    fetches: list[int] = []
    real = replica.sync

    def counted() -> list[str]:
        fetches.append(1)
        return real()

    monkeypatch.setattr(replica, "sync", counted)
    return fetches


def client_of(site: Site) -> TestClient:
    return TestClient(create_app(site.settings, site=site), headers={"Accept-Encoding": "identity"})


def save_on(client: TestClient, site: Site, line: str) -> None:
    form = client.get(f"/edit/{PAGE}")
    page = site.pages.get(PAGE)[0]
    edit = {
        "csrf_token": csrf_from(form.text),
        "title": page.title,
        "body": page.body + f"\n{line}\n",
        "base": page.revision,
        "message": line,
    }
    assert client.post(f"/edit/{PAGE}", data=edit, follow_redirects=False).status_code == 303


def sign_in(client: TestClient) -> None:
    token = csrf_from(client.get("/signin").text)
    client.post("/signin", data={"username": "redacteur", "password": PASSWORD, "csrf_token": token})


def visit_with(client: TestClient, mark: str) -> str:
    client.cookies.set(WROTE_COOKIE, mark)
    return client.get(f"/p/{PAGE}").text


def test_a_mark_the_site_did_not_sign_makes_no_fetch(
    replicas: tuple[Site, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = replicas
    head = b.repo.head()
    assert head is not None
    now = time.time()
    seal = a.accounts.seal
    stale = f"{head}-{now - 3600:.3f}"
    other_purpose = f"{head}-{now:.3f}"
    forged = [
        f"{now + 30:.3f}",  # the old cookie: any time ahead of the last fetch
        "9" * 12,
        f"{'0' * 40}-{now:.3f}-{'0' * 64}",  # the shape, without the key
        f"{stale}-{seal(WRITE_MARK, stale)}",  # signed, but long ago
        f"{other_purpose}-{seal('notice', other_purpose)}",  # signed for another use
        f"{head}-{now:.3f}-{seal(WRITE_MARK, stale)}",  # a real signature on another time
        "x" * 5000,
    ]
    fetches = count_fetches(b, monkeypatch)
    with client_of(b) as client:
        for mark in forged:
            assert "Over" in visit_with(client, mark)
            client.post("/signin", data={"username": "x", "password": "y"})  # and posts: none
    assert fetches == []


def test_a_save_makes_the_next_replica_fetch_once_and_its_own_none(
    replicas: tuple[Site, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = replicas
    a.accounts.add_user("redacteur", PASSWORD, Role.EDITOR)
    fetched_by_a, fetched_by_b = count_fetches(a, monkeypatch), count_fetches(b, monkeypatch)
    with client_of(a) as on_a, client_of(b) as on_b:
        sign_in(on_a)
        assert WROTE_COOKIE not in on_a.cookies  # signing in published nothing
        save_on(on_a, a, "Net opgeslagen op instantie a.")
        mark = on_a.cookies[WROTE_COOKIE]
        assert str(a.repo.head()) in mark
        for _ in range(3):
            assert "Net opgeslagen op instantie a." in on_a.get(f"/p/{PAGE}").text
        assert fetched_by_a == []  # a has what it saved
        assert "Net opgeslagen" not in on_b.get(f"/p/{PAGE}").text  # someone else, on b: not yet
        for _ in range(3):
            assert "Net opgeslagen op instantie a." in visit_with(on_b, mark)
        assert fetched_by_b == [1]
        assert b.repo.head() == a.repo.head()


def test_a_mark_a_replica_already_followed_makes_no_fetch(
    replicas: tuple[Site, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the interval fetch brought the save, its mark no longer fetches anything."""
    a, b = replicas
    revision = append_directly(a)
    mark = a.replication.write_mark(revision)
    b.replication.sync()
    counted = count_fetches(b, monkeypatch)
    b.replication.synced_at = 0.0  # even when its clock says it fetched long ago
    with client_of(b) as on_b:
        visit_with(on_b, mark)
    assert counted == []


def append_directly(site: Site) -> str:
    page, _ = site.pages.get(PAGE)
    author = Author("Schrijver", "s@users.wiki.invalid")
    return site.pages.save(EditRequest(PAGE, page.text + "\nrechtstreeks\n", page.revision, "r", author)).revision
