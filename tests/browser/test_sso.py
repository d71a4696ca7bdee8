"""Signing in with the organisation's account in real Chromium: the wiki served by ``wiki serve``
(with its Content-Security-Policy and the event-loop tripwire on), the provider of
tests/oidc_server.py, a person who links their password account, signs out at the provider and
signs in through it, signs out at the provider too and is asked again; the wiki's pages on the way meet WCAG 2.1 AA."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests import server
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD
from tests.oidc_server import WIKI_CLIENT, WIKI_SECRET, Provider, start_provider
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import open_site

pytestmark = pytest.mark.browser


def summarise(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations]


@pytest.fixture
def sso_wiki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Provider]]:
    """Why: the redirect URI is the wiki's public address, so the port is chosen first and both
    the provider's client and ``WIKI_PUBLIC_URL`` are made with it."""
    port = server.free_port()
    monkeypatch.setattr(server, "free_port", lambda: port)
    base = f"http://127.0.0.1:{port}"
    provider = start_provider(base)
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    site = open_site(settings)
    site.accounts.add_user("alice.dv", PASSWORD, Role.CONTRIBUTOR, display_name="Alice")
    site.close()
    env = {
        "WIKI_PUBLIC_URL": base,
        "WIKI_OIDC_ISSUER": provider.issuer,
        "WIKI_OIDC_CLIENT_ID": WIKI_CLIENT,
        "WIKI_OIDC_CLIENT_SECRET": WIKI_SECRET,
        "WIKI_OIDC_ROLE_CLAIM": "groups",
        "WIKI_OIDC_EDITORS": "wiki-editors",
    }
    try:
        with server.running_server(settings, tmp_path / "server.log", env=env) as running:
            yield running, provider
    finally:
        provider.stop()
    assert WIKI_SECRET not in (tmp_path / "server.log").read_text()


def at_the_provider(page: Page, person: str) -> None:
    page.locator("input[name=login]").fill(person)
    page.locator("button").click()


def test_link_a_password_account_sign_out_and_sign_in_through_the_provider(
    page: Page, sso_wiki: tuple[str, Provider]
) -> None:
    base, _provider = sso_wiki
    page.goto(base + "/signin")
    assert summarise(axe_violations(page)) == []
    page.get_by_label("Gebruikersnaam").fill("alice.dv")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.goto(base + "/account")
    assert summarise(axe_violations(page)) == []
    page.locator("#link-password").fill(PASSWORD)
    page.get_by_role("button", name="Koppelen aan het account van mijn organisatie").click()
    at_the_provider(page, "alice")
    expect(page.get_by_role("status")).to_contain_text("Je account is gekoppeld")
    assert summarise(axe_violations(page)) == []

    page.get_by_role("button", name="Uitloggen").click()  # a password session: signed out here only
    expect(page.get_by_role("status")).to_have_text("Je bent uitgelogd.")

    # The provider still knows Alice: she is back at once, in her linked account.
    page.goto(base + "/signin")
    page.get_by_role("link", name="Inloggen met het account van je organisatie").click()
    expect(page.get_by_role("status")).to_have_text("Je bent ingelogd.")
    expect(page.locator(".who")).to_have_text("Alice de Vries")  # the provider's name, on the linked account

    page.get_by_role("button", name="Uitloggen").click()  # from single sign-on: at the provider too
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(lambda url: url.startswith(base + "/"))  # with the state Authlib sent along
    page.goto(base + "/signin")
    page.get_by_role("link", name="Inloggen met het account van je organisatie").click()
    at_the_provider(page, "alice")  # signed out there as well: the provider asks again
    expect(page.get_by_role("status")).to_have_text("Je bent ingelogd.")
