"""With mail on, a new account made through sign-up confirms its address before mail goes
to it; accounts made on the command line count as confirmed; without mail nothing changes.
The account keeps the language its owner uses, for the mail written to them."""

from __future__ import annotations

import io
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from
from wiki.cli import main
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import Site, open_site
from wiki.web.app import create_app

_LINK = re.compile(r"https://wiki\.example\.nl/account/confirm/([A-Za-z0-9_-]+)")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Why: confirming is for a wiki with mail; nothing dials the address (the outbox is read)."""
    return Settings(
        repo=tmp_path / "wiki.git",
        database_url=database_url,
        smtp_url="smtp://127.0.0.1:1",
        public_url="https://wiki.example.nl",
    )


def sign_up(client: TestClient, username: str = "anna", email: str = "anna@example.nl") -> None:
    form = client.get("/signup")
    data = {
        "username": username,
        "display_name": username.title(),
        "email": email,
        "password": PASSWORD,
        "csrf_token": csrf_from(form.text),
        "next": "/",
    }
    assert client.post("/signup", data=data).status_code == 303


def account_row(site: Site, username: str) -> tuple[bool, str]:
    row = site.database._row("SELECT email_confirmed, language FROM users WHERE username = ?", (username,))
    return bool(row[0]), str(row[1])


def confirmations(site: Site) -> list[dict[str, Any]]:
    rows = site.database._rows("SELECT user_id, payload FROM outbox WHERE key LIKE 'confirm:%' ORDER BY id")
    return [{"user_id": int(row[0]), **json.loads(row[1])} for row in rows]


def link_of(message: dict[str, Any]) -> str:
    found = _LINK.search(message["text"])
    assert found, message["text"]
    return found.group(1)


def test_a_new_account_confirms_its_address_with_the_link(site: Site, client: TestClient) -> None:
    sign_up(client)
    assert account_row(site, "anna") == (False, "nl")
    [mail] = confirmations(site)
    assert mail["user_id"] == site.accounts.get_user("anna").id
    assert mail["subject"] == "Bevestig je e-mailadres"
    page = client.get("/account")
    assert "nog niet bevestigd" in page.text
    assert 'value="confirm-email"' in page.text
    confirmed = client.get(f"/account/confirm/{link_of(mail)}")
    assert confirmed.status_code == 200
    assert "Je e-mailadres is bevestigd" in confirmed.text
    assert account_row(site, "anna")[0] is True
    assert "nog niet bevestigd" not in client.get("/account").text
    assert client.get(f"/account/confirm/{link_of(mail)}").status_code == 410
    assert client.get("/account/confirm/made-up").status_code == 404


def test_an_expired_link_confirms_nothing(site: Site, client: TestClient) -> None:
    sign_up(client)
    [mail] = confirmations(site)
    lifetime = site.database._row("SELECT expires - created FROM mail_tokens WHERE purpose = 'confirm'")[0]
    assert 47 * 3600 < lifetime <= 48 * 3600
    site.database._write("UPDATE mail_tokens SET expires = ?", (time.time() - 1,))
    refused = client.get(f"/account/confirm/{link_of(mail)}")
    assert refused.status_code == 410
    assert "verlopen" in refused.text
    assert account_row(site, "anna")[0] is False


def test_the_link_can_be_sent_again_a_few_times_an_hour(site: Site, client: TestClient) -> None:
    sign_up(client)
    page = client.get("/account")
    again = {"action": "confirm-email", "csrf_token": csrf_from(page.text)}
    for _ in range(2):  # the sign-up's mail was the first of three
        sent = client.post("/account", data=again)
        assert sent.status_code == 303
    assert len(confirmations(site)) == 3
    refused = client.post("/account", data=again)
    assert refused.status_code == 429
    assert "Wacht een uur" in refused.text
    assert len(confirmations(site)) == 3
    # Any of the links confirms.
    assert client.get(f"/account/confirm/{link_of(confirmations(site)[1])}").status_code == 200
    assert account_row(site, "anna")[0] is True


def test_without_mail_sign_up_is_as_before(settings: Settings) -> None:
    site = open_site(Settings(repo=settings.repo, database_url=settings.database_url))
    try:
        with TestClient(create_app(site.settings, site=site), follow_redirects=False) as client:
            sign_up(client)
            assert 'value="confirm-email"' not in client.get("/account").text
        assert account_row(site, "anna")[0] is True
        assert site.database._rows("SELECT * FROM outbox") == []
        assert site.database._rows("SELECT * FROM mail_tokens") == []
    finally:
        site.close()


def test_accounts_made_on_the_command_line_count_as_confirmed(
    site: Site, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    argv = ["user", "add", "jan", "--role", "editor", "--email", "jan@example.nl"]
    assert main([*argv, "--database", settings.database_url]) == 0
    assert account_row(site, "jan") == (True, "")
    assert confirmations(site) == []


def test_sign_up_keeps_the_language_in_use(site: Site, client: TestClient) -> None:
    client.cookies.set("wiki_lang", "en")
    sign_up(client)
    assert account_row(site, "anna") == (False, "en")
    assert confirmations(site)[0]["subject"] == "Confirm your e-mail address"


def test_choosing_a_language_signed_in_stores_it_on_the_account(site: Site, client: TestClient, auth: Auth) -> None:
    client.get("/lang/en")  # nobody signed in: only the cookie
    editor = auth.sign_in(Role.EDITOR)
    assert account_row(site, editor.username)[1] == ""
    assert client.get("/lang/en?next=/").status_code == 303
    assert account_row(site, editor.username)[1] == "en"
    client.get("/lang/nl")
    assert account_row(site, editor.username)[1] == "nl"
    client.get("/lang/xx")
    assert account_row(site, editor.username)[1] == "nl"
