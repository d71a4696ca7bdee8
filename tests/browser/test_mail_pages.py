"""For people: a real server with mail on sends in the background (no command run), the mail
queue page for maintainers, and the unsubscribe confirm page; axe at 0 on each, both languages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.conftest import PASSWORD
from tests.server import running_server
from tests.smtpserver import SmtpServer
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import open_site

PAGE = "neem-initiatief"


@pytest.fixture
def mailing_wiki(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[tuple[str, str]]:
    """Why: the server sends mail itself; Anna wants every change to the principle at once.
    Yields the base URL and Anna's unsubscribe path."""
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    site = open_site(settings)
    site.accounts.add_user("beheerder", PASSWORD, Role.MAINTAINER, display_name="Bea Beheerder")
    anna = site.accounts.add_user("anna", PASSWORD, Role.EDITOR, "anna@example.nl", "Anna")
    site.database.update_user(anna.id, mail_frequency="immediately")
    site.database.watch(anna.id, "page", PAGE)
    token = site.mail.unsubscribe_token(anna.id)
    site.close()
    env = {"WIKI_SMTP_URL": smtp_server.url, "WIKI_PUBLIC_URL": "https://wiki.example.nl"}
    with running_server(settings, tmp_path / "server.log", env=env) as base:
        yield base, f"/unsubscribe/{token}"


def checked(page: Page, name: str, failures: dict[str, Any]) -> None:
    found = [violation["id"] for violation in axe_violations(page)]
    if found:
        failures[name] = found
    screenshot(page, name)


def test_the_server_mails_a_change_and_the_mail_pages_meet_wcag(
    page: Page, mailing_wiki: tuple[str, str], smtp_server: SmtpServer
) -> None:
    base, unsubscribe = mailing_wiki
    page.goto(f"{base}/signin")
    page.locator("#username").fill("beheerder")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.narrow-form button[type=submit]").click()
    page.goto(f"{base}/edit/{PAGE}")
    page.locator("#body").fill(page.locator("#body").input_value() + "\n\nEen zin van Bea.")
    page.locator("button[value=save]").click()
    [mail] = smtp_server.wait_for(1)  # sent by the server's own background task
    assert mail["Subject"] == "Bea Beheerder wijzigde 'Neem initiatief'"

    failures: dict[str, Any] = {}
    for language in ("nl", "en"):
        page.goto(f"{base}/lang/{language}?next=/")
        page.goto(f"{base}/admin/mail")
        expect(page.locator("main")).to_contain_text("1")
        checked(page, f"admin-mail-{language}", failures)
    page.locator("form.signout button").click()
    for language in ("en", "nl"):
        page.goto(f"{base}/lang/{language}?next=/")
        page.goto(base + unsubscribe)
        checked(page, f"unsubscribe-{language}", failures)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("[role=status]")).to_contain_text("geen mail meer")
    checked(page, "unsubscribed-nl", failures)
    page.goto(f"{base}/unsubscribe/1.ongeldig")
    expect(page.locator("main")).to_contain_text("niet geldig")
    assert failures == {}
