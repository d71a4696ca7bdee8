"""No N+1 queries: listing proposals asks the database a fixed number of times, however many
proposals there are (support counts in one query, former authors once per listing)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth
from wiki.models import Role, User
from wiki.services import accounts
from wiki.services.site import Site

PAGE = "neem-initiatief"
LISTINGS = ("/proposals?status=all", "/proposals", "/api/proposals", "/atom/proposals")


class _Counted:
    """A transaction whose statements are counted; everything else is the backend's own."""

    def __init__(self, transaction: Any, counter: list[str]) -> None:
        self._transaction = transaction
        self._counter = counter

    def execute(self, sql: str, params: Any = ()) -> Any:
        self._counter.append(sql)
        return self._transaction.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transaction, name)


@pytest.fixture
def statements(site: Site, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement the database runs from now on.  The wiki-wide count of erasures,
    read at most once a second, is read once here: a clock must not change the count."""
    monkeypatch.setattr(accounts, "time", SimpleNamespace(monotonic=lambda: 1e9, time=time.time))
    backend = site.database.backend
    original = backend.transaction
    counter: list[str] = []

    @contextmanager
    def counted() -> Iterator[_Counted]:
        with original() as transaction:
            yield _Counted(transaction, counter)

    monkeypatch.setattr(backend, "transaction", counted)
    return counter


def _propose(site: Site, author: User, count: int) -> None:
    for number in range(count):
        site.proposals.create(
            author, f"Voorstel {number}", "Waarom", [(PAGE, f"# Neem initiatief\n\nTekst {number}.\n")]
        )


def _queries(client: TestClient, statements: list[str]) -> dict[str, int]:
    """Statements per listing, each asked once before (caches of the whole wiki fill on a first
    request, whatever the number of proposals)."""
    counts = {}
    for url in LISTINGS:
        client.get(url)
        statements.clear()
        assert client.get(url).status_code == 200, url
        counts[url] = len(statements)
    return counts


def test_listing_30_proposals_asks_the_database_as_often_as_listing_3(
    client: TestClient, auth: Auth, site: Site, statements: list[str]
) -> None:
    author = auth.user(Role.CONTRIBUTOR, "indiener")
    supporter = auth.user(Role.CONTRIBUTOR, "steuner")
    _propose(site, author, 3)
    site.discussion.support(2, supporter, supported=True)
    few = _queries(client, statements)
    _propose(site, author, 27)
    many = _queries(client, statements)
    assert many == few
    assert max(many.values()) <= 5
    listed = client.get("/api/proposals?status=open").json()["proposals"]
    assert len(listed) == 30
    assert {item["id"]: item["supporters"] for item in listed if item["supporters"]} == {2: 1}
