"""The account mails end to end through a real SMTP server: a new account confirms its address
from the mail it gets, and a forgotten password is reset from the link in the mail."""

from __future__ import annotations

import re
import time

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, csrf_from
from tests.smtpserver import SmtpServer
from wiki.config import Settings
from wiki.models import Role
from wiki.services.mailer import open_mailer
from wiki.services.site import Site

PUBLIC = "https://wiki.example.nl"
_LINK = re.compile(r"https://wiki\.example\.nl(/[A-Za-z/-]+/[A-Za-z0-9_-]{20,})")


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    """Why: mail is on, through the test's SMTP server, with links on a public address."""
    return Settings(
        repo=settings.repo,
        database_url=settings.database_url,
        smtp_url=smtp_server.url,
        public_url=PUBLIC,
        mail_from="wiki@example.nl",
    )


def delivered(site: Site, smtp_server: SmtpServer, count: int) -> str:
    """Send what is due and return the path of the link in the ``count``-th mail."""
    site.notifier.settle()
    open_mailer(site).send_due(time.time())
    message = smtp_server.wait_for(count)[count - 1]
    text = message.get_body(("plain",))
    assert text is not None
    found = _LINK.search(text.get_content())
    assert found, text.get_content()
    return found.group(1)


def test_a_new_account_confirms_its_address_from_its_mail(
    site: Site, client: TestClient, smtp_server: SmtpServer
) -> None:
    form = client.get("/signup")
    data = {"username": "anna", "display_name": "Anna", "email": "anna@example.nl", "password": PASSWORD}
    assert client.post("/signup", data=data | {"csrf_token": csrf_from(form.text), "next": "/"}).status_code == 303
    link = delivered(site, smtp_server, 1)
    assert smtp_server.messages[0]["To"] == "anna@example.nl"
    assert client.get(link).status_code in (200, 303)
    row = site.database._row("SELECT email_confirmed FROM users WHERE username = 'anna'")
    assert bool(row[0])


def test_a_forgotten_password_is_reset_from_the_link_in_the_mail(
    site: Site, client: TestClient, smtp_server: SmtpServer
) -> None:
    site.accounts.add_user("bert", PASSWORD, Role.EDITOR, "bert@example.nl", "Bert")
    form = client.get("/password-reset")
    client.post("/password-reset", data={"username_or_email": "bert@example.nl", "csrf_token": csrf_from(form.text)})
    link = delivered(site, smtp_server, 1)
    assert link.startswith("/password-reset/")
    page = client.get(link)
    assert page.status_code == 200
    new = "een heel nieuw wachtwoord"
    assert client.post(link, data={"password": new, "csrf_token": csrf_from(page.text)}).status_code == 303
    with TestClient(client.app, follow_redirects=False) as fresh:
        signin = fresh.get("/signin")
        answer = fresh.post(
            "/signin",
            data={"username": "bert", "password": new, "csrf_token": csrf_from(signin.text), "next": "/"},
        )
        assert answer.status_code == 303
    payload = site.database._row("SELECT payload FROM outbox WHERE kind = 'message'")
    assert link not in str(payload[0])  # the link is not kept once its mail went out
