"""The whole wiki on PostgreSQL, configured through WIKI_DATABASE_URL, as one instance and as two."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from
from wiki.config import Settings
from wiki.models import Role
from wiki.services import beliefs
from wiki.services.site import Site, open_site
from wiki.store.database import open_database
from wiki.web.app import create_app

PAGE = "neem-initiatief"


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """Why: every test of this module runs on PostgreSQL (overrides the SQLite default)."""
    return postgres_url


@pytest.fixture
def settings(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Why: the database is chosen as an operator chooses it, through the environment."""
    monkeypatch.setenv("WIKI_DATABASE_URL", database_url)
    return Settings.from_env(repo=tmp_path / "wiki.git")


def post(client: TestClient, url: str, **data: str) -> str:
    response = client.post(url, data={"csrf_token": csrf_from(client.get("/privacy").text), **data})
    assert response.status_code == 303, response.text[:2000]
    return str(response.headers["location"])


def save_edit(client: TestClient, text: str) -> None:
    form = client.get(f"/edit/{PAGE}")
    assert form.status_code == 200
    context = form.context  # type: ignore[attr-defined]
    location = post(
        client,
        f"/edit/{PAGE}",
        base=context["base"],
        title=context["title"],
        body=context["body"] + f"\n{text}\n",
        message=text,
        action="save",
    )
    assert location == f"/p/{PAGE}"


def test_sign_in_edit_comment_and_support_on_postgresql(client: TestClient, auth: Auth, site: Site) -> None:
    assert site.database.backend.name == "postgresql"
    auth.sign_in(Role.EDITOR, "anna")
    save_edit(client, "Een alinea, bewaard met PostgreSQL.")
    assert "Een alinea, bewaard met PostgreSQL." in client.get(f"/p/{PAGE}").text
    post(client, f"/discuss/{PAGE}", body="Een voorbeeld uit mijn gemeente.")
    assert post(client, "/proposals/new", title="Deel wat je weet", body="Kennis groeit.", why="Ontbreekt.") == (
        "/proposals/1"
    )
    post(client, "/proposals/1/comment", body="Zelf ook eens mee.")
    post(client, "/proposals/1/support", support="yes")
    proposal = client.get("/proposals/1")
    assert proposal.context["supports"] is True  # type: ignore[attr-defined]
    assert "Zelf ook eens mee." in proposal.text
    assert client.get("/healthz").status_code == 200

    # It is all in PostgreSQL: a fresh connection to that database sees it.
    other = open_database(site.settings.database_url)
    try:
        assert [c.body for c in other.comments()] == ["Een voorbeeld uit mijn gemeente.", "Zelf ook eens mee."]
        assert [(row.username, row.name) for row in other.supporters(1)] == [("anna", "Editor Een")]
        assert other.next_number("proposal", 1) == 2
    finally:
        other.close()


@pytest.fixture
def second(site: Site) -> Iterator[TestClient]:
    """Why: a second instance on the same repository and database, as a replica behind a load balancer."""
    replica = open_site(site.settings)
    with TestClient(create_app(replica.settings, site=replica), follow_redirects=False) as test_client:
        yield test_client
    replica.close()


def test_any_instance_serves_any_person(client: TestClient, second: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR, "anna")
    second.cookies.update(client.cookies)
    # Signed in on the first instance, the second knows her and accepts her forms.
    save_edit(second, "Bewaard via de tweede instantie.")
    assert "Bewaard via de tweede instantie." in client.get(f"/p/{PAGE}").text
    # Signing out on the second ends the session on the first too: her forms at once (a form
    # is always checked in the database), her pages once the moment they are believed passes.
    post(second, "/signout")
    sent = client.post(
        f"/discuss/{PAGE}", data={"csrf_token": csrf_from(client.get("/privacy").text), "body": "Na het afmelden"}
    )
    assert sent.status_code == 401
    assert "Na het afmelden" not in client.get(f"/discuss/{PAGE}").text
    later = time.monotonic() + beliefs.SECONDS
    site.accounts.believed_sessions.clock = lambda: later
    assert client.get(f"/edit/{PAGE}").headers["location"] == f"/signin?next=/edit/{PAGE}"
