"""A forgotten password in a real browser, with mail on: from the sign-in page to the form, the
link's page, the new password and the account page that says what the reset did; and the
confirmation of an address.  Every page passes axe (WCAG 2.1 A and AA)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.conftest import PASSWORD
from tests.server import running_server
from wiki.config import Settings
from wiki.models import Role
from wiki.services.mail_links import digest
from wiki.services.site import open_site
from wiki.store.mail_tokens import CONFIRM, RESET

RESET_TOKEN = "reset-link-made-by-the-test"
CONFIRM_TOKEN = "confirm-link-made-by-the-test"


def summarise(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations]


@pytest.fixture
def mailing_wiki(tmp_path: Path) -> Iterator[str]:
    """Why: resetting needs mail on; the links are stored by the test as a mail would carry them
    (the SMTP address is never dialled by what this test does)."""
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    site = open_site(settings)
    anna = site.accounts.add_user("anna", PASSWORD, Role.EDITOR, "anna@example.nl", "Anna")
    site.database.update_user(anna.id, email_confirmed=False)
    soon = time.time() + 3600
    site.database.add_mail_token(digest(RESET_TOKEN), RESET, anna.id, anna.email, soon)
    site.database.add_mail_token(digest(CONFIRM_TOKEN), CONFIRM, anna.id, anna.email, soon)
    site.close()
    # Mail is on with an SMTP address and a public address (the links name it; this test reads its tokens).
    mail = {"WIKI_SMTP_URL": "smtp://127.0.0.1:1", "WIKI_PUBLIC_URL": "https://wiki.example.nl"}
    with running_server(settings, tmp_path / "server.log", env=mail) as base:
        yield base


def test_reset_a_forgotten_password_and_confirm_the_address(page: Page, mailing_wiki: str) -> None:
    base = mailing_wiki
    page.goto(f"{base}/signin")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wachtwoord vergeten?")
    assert summarise(axe_violations(page)) == []
    page.get_by_label("Gebruikersnaam of e-mailadres").fill("niemand")
    page.get_by_role("button", name="Stuur me een link").click()
    expect(page.get_by_role("status")).to_contain_text("De link werkt een uur lang")
    assert summarise(axe_violations(page)) == []
    screenshot(page, "password-reset-asked-nl")

    page.goto(f"{base}/password-reset/{RESET_TOKEN}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kies een nieuw wachtwoord")
    assert summarise(axe_violations(page)) == []
    page.get_by_label("Nieuw wachtwoord").fill("een nieuw geheim wachtwoord")
    page.get_by_role("button", name="Mijn nieuwe wachtwoord opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Je API-tokens werken nog")
    expect(page.get_by_text("nog niet bevestigd")).to_be_visible()
    assert summarise(axe_violations(page)) == []
    screenshot(page, "password-reset-done-nl")

    page.goto(f"{base}/password-reset/{RESET_TOKEN}")
    expect(page.get_by_role("alert")).to_contain_text("Deze link is al gebruikt")
    assert summarise(axe_violations(page)) == []

    page.goto(f"{base}/account/confirm/{CONFIRM_TOKEN}")
    expect(page.get_by_role("status")).to_contain_text("Je e-mailadres is bevestigd")
    assert summarise(axe_violations(page)) == []
    page.get_by_role("link", name="Naar je account").click()
    expect(page.get_by_text("nog niet bevestigd")).to_have_count(0)
