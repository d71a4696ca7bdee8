"""Shared fixtures: a fresh repository and database per test, clients, and signed-in people."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.postgres import Cluster, NotInstalled
from wiki.config import Settings
from wiki.models import Page, Role, User
from wiki.services.site import Site, open_site
from wiki.store import loopguard
from wiki.web.app import create_app

# The per-backend store fixtures (``store_url``, ``opened``) the database tests share, the SMTP
# server (``smtp_server``) of the mail tests, the OpenID Connect provider (``oidc_provider``) and
# the people of the discussion tests.
pytest_plugins = ["tests.backends", "tests.smtpserver", "tests.oidc_server", "tests.discussions"]

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def git(repo: Path, *args: str) -> str:
    """Run git against a test repository and return its output (tests only)."""
    return subprocess.run(["git", f"--git-dir={repo}", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def no_blocking_on_the_loop() -> Iterator[None]:
    """Why: any git, SQL or Markdown work on the event loop's thread raises in every test, so a
    route that skips the thread pool fails instead of stalling everyone else's requests."""
    loopguard.switch(True)
    yield
    loopguard.switch(False)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """Why: the store must behave the same on PostgreSQL; one throwaway server for the whole run.

    Skips when PostgreSQL is not installed, except under ``CI=true``, where that fails the run."""
    try:
        cluster = Cluster()
    except NotInstalled as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs PostgreSQL: {missing}")
        pytest.skip(str(missing))
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres: Cluster) -> str:
    """Why: each test gets an empty PostgreSQL database of its own."""
    return postgres.new_database()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Why: SQLite, the embedded default; a module overrides this fixture to run on PostgreSQL."""
    return f"sqlite:///{tmp_path / 'wiki.sqlite3'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Why: every test gets its own repository and database, seeded from content/."""
    return Settings(repo=tmp_path / "wiki.git", database_url=database_url)


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    """Why: the services, opened as the app opens them, closed after the test."""
    opened = open_site(settings)
    yield opened
    opened.close()


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    """Why: HTTP tests go through the real app, sharing the test's site.  Uncompressed, so tests
    can read the template context (gzip drops it; compression has its own tests)."""
    app = create_app(site.settings, site=site)
    with TestClient(app, follow_redirects=False, headers={"Accept-Encoding": "identity"}) as test_client:
        yield test_client


def csrf_from(html: str) -> str:
    """The form token in a rendered page."""
    match = _CSRF.search(html)
    assert match, "no form token on the page"
    return match.group(1)


class Auth:
    """Makes accounts and signs them in, so a test reads ``auth.sign_in(Role.EDITOR)``."""

    def __init__(self, site: Site, client: TestClient) -> None:
        self.site = site
        self.client = client
        self.named: set[str] = set()

    def user(self, role: Role, username: str | None = None) -> User:
        name = username or f"{role.value}1"
        # Display names are unique: a second account of a role is named after its username.
        shown = f"{role.value.title()} Een"
        if shown in self.named:
            shown = f"{role.value.title()} {name.title()}"
        self.named.add(shown)
        return self.site.accounts.add_user(name, PASSWORD, role, display_name=shown)

    def sign_in(self, role: Role = Role.EDITOR, username: str | None = None) -> User:
        user = self.user(role, username)
        page = self.client.get("/signin")
        response = self.client.post(
            "/signin",
            data={
                "username": user.username,
                "password": PASSWORD,
                "csrf_token": csrf_from(page.text),
                "next": "/",
            },
        )
        assert response.status_code == 303
        return user

    def token(self, role: Role, username: str | None = None) -> dict[str, str]:
        user = self.user(role, username)
        return {"Authorization": "Bearer " + self.site.accounts.create_token(user.username)}


@pytest.fixture
def auth(site: Site, client: TestClient) -> Auth:
    """Why: most web tests need someone signed in with a given role."""
    return Auth(site, client)


@pytest.fixture
def renders(site: Site, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages built from Markdown, in order, to tell a kept page from a new one."""
    built: list[str] = []
    original = site.pages.render

    def counting(page: Page, *args: Any) -> str:
        built.append(page.path)
        return original(page, *args)

    monkeypatch.setattr(site.pages, "render", counting)
    return built
