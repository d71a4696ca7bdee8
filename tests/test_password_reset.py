"""A forgotten password: a link by mail that works once, for an hour, to each account that
matches; the same answer whether an account exists or not; every session ends."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, csrf_from
from wiki.config import Settings
from wiki.models import Role, User
from wiki.services.site import Site, open_site
from wiki.web.app import create_app

NEW_PASSWORD = "a brand new secret"
_LINK = re.compile(r"https://wiki\.example\.nl/password-reset/([A-Za-z0-9_-]+)")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Why: a reset link needs mail; the address is not dialled (the outbox is what is read)."""
    return Settings(
        repo=tmp_path / "wiki.git",
        database_url=database_url,
        smtp_url="smtp://127.0.0.1:1",
        mail_from="wiki@example.nl",
        public_url="https://wiki.example.nl",
    )


def person(site: Site, username: str, email: str, role: Role = Role.EDITOR) -> User:
    return site.accounts.add_user(username, PASSWORD, role, email, username.title())


def outbox(site: Site) -> list[dict[str, Any]]:
    rows = site.database._rows("SELECT key, user_id, kind, payload FROM outbox ORDER BY id")
    return [{"key": r[0], "user_id": int(r[1]), "kind": r[2], **json.loads(r[3])} for r in rows]


def link_of(message: dict[str, Any]) -> str:
    found = _LINK.search(message["text"])
    assert found, message["text"]
    assert found.group(0) in message["html"]
    return found.group(1)


def ask(client: TestClient, wanted: str) -> tuple[int, str]:
    form = client.get("/password-reset")
    response = client.post("/password-reset", data={"username_or_email": wanted, "csrf_token": csrf_from(form.text)})
    return response.status_code, response.text


def choose(client: TestClient, token: str, password: str = NEW_PASSWORD) -> Any:
    form = client.get(f"/password-reset/{token}")
    assert form.status_code == 200
    return client.post(f"/password-reset/{token}", data={"password": password, "csrf_token": csrf_from(form.text)})


@contextmanager
def signed_in_client(site: Site, username: str) -> Iterator[TestClient]:
    with TestClient(create_app(site.settings, site=site), follow_redirects=False) as other:
        page = other.get("/signin")
        data = {"username": username, "password": PASSWORD, "csrf_token": csrf_from(page.text), "next": "/"}
        assert other.post("/signin", data=data).status_code == 303
        yield other


def test_the_sign_in_page_leads_to_the_form(client: TestClient) -> None:
    assert 'href="/password-reset"' in client.get("/signin").text
    form = client.get("/password-reset")
    assert form.status_code == 200
    assert 'name="username_or_email"' in form.text


def test_the_answer_is_the_same_for_an_account_and_for_nobody(site: Site, client: TestClient) -> None:
    person(site, "anna", "anna@example.nl")
    answers = {wanted: ask(client, wanted) for wanted in ("anna", "nobody", "anna@example.nl", "nobody@example.nl")}
    assert len(set(answers.values())) == 1
    status, body = answers["nobody"]
    assert status == 200
    assert "De link werkt een uur lang" in body
    # Anna asked for twice (by name and by address): two mails, to her alone.
    assert [row["user_id"] for row in outbox(site)] == [site.accounts.get_user("anna").id] * 2


def test_the_api_answers_202_whoever_is_asked_for(site: Site, client: TestClient) -> None:
    person(site, "anna", "anna@example.nl")
    known = client.post("/api/password-reset", json={"username_or_email": "anna"})
    unknown = client.post("/api/password-reset", json={"username_or_email": "niemand"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    assert "message" in known.json()
    assert [row["user_id"] for row in outbox(site)] == [site.accounts.get_user("anna").id]
    bad = client.post("/api/password-reset", json={"username_or_email": 3})
    assert bad.status_code == 400
    assert bad.json()["error"] == "bad_request"


def test_the_link_sets_the_password_once_and_ends_every_session(site: Site, client: TestClient) -> None:
    anna = person(site, "anna", "anna@example.nl")
    token = site.accounts.create_token("anna")
    with signed_in_client(site, "anna") as other:
        assert other.get("/account").status_code == 200
        ask(client, "anna")
        link = link_of(outbox(site)[0])
        done = choose(client, link)
        assert done.status_code == 303
        assert done.headers["location"] == "/account"
        account = client.get("/account")
        assert account.status_code == 200  # signed in with the new password
        assert "Op je andere apparaten en browsers ben je uitgelogd" in account.text
        assert "Je API-tokens werken nog" in account.text
        # The other browser, signed in before, is out.
        assert other.get("/account").status_code == 401
    assert site.accounts.authenticate("anna", NEW_PASSWORD) == anna
    assert site.accounts.authenticate("anna", PASSWORD) is None
    # Tokens are not revoked silently: the page said so, and the token still works.
    assert site.accounts.user_for_token(token) == anna
    again = client.get(f"/password-reset/{link}")
    assert again.status_code == 410
    assert 'name="password"' not in again.text
    form = client.get("/password-reset")
    used = client.post(
        f"/password-reset/{link}", data={"password": "yet another one!", "csrf_token": csrf_from(form.text)}
    )
    assert used.status_code == 410
    assert site.accounts.authenticate("anna", NEW_PASSWORD) == anna


def test_an_expired_link_changes_nothing(site: Site, client: TestClient) -> None:
    person(site, "anna", "anna@example.nl")
    ask(client, "anna")
    link = link_of(outbox(site)[0])
    expires = site.database._row("SELECT expires - created FROM mail_tokens")[0]
    assert 3500 < expires <= 3600  # one hour
    site.database._write("UPDATE mail_tokens SET expires = ?", (time.time() - 1,))
    shown = client.get(f"/password-reset/{link}")
    assert shown.status_code == 410
    assert 'name="password"' not in shown.text
    form = client.get("/password-reset")
    refused = client.post(
        f"/password-reset/{link}", data={"password": NEW_PASSWORD, "csrf_token": csrf_from(form.text)}
    )
    assert refused.status_code == 410
    assert site.accounts.authenticate("anna", PASSWORD) is not None
    assert client.get("/password-reset/not-a-link").status_code == 404


def test_a_short_password_is_refused_and_the_link_still_works(site: Site, client: TestClient) -> None:
    person(site, "anna", "anna@example.nl")
    ask(client, "anna")
    link = link_of(outbox(site)[0])
    short = choose(client, link, "kort")
    assert short.status_code == 400
    assert 'name="password"' in short.text
    assert choose(client, link).status_code == 303


def test_accounts_sharing_an_address_each_get_their_own_mail(site: Site, client: TestClient) -> None:
    anna = person(site, "anna", "team@example.nl")
    bert = person(site, "bert", "Team@Example.nl")
    ask(client, "team@example.nl")
    rows = outbox(site)
    assert sorted(row["user_id"] for row in rows) == sorted([anna.id, bert.id])
    assert len({link_of(row) for row in rows}) == 2
    for row in rows:
        assert choose(client, link_of(row)).status_code == 303
    assert site.accounts.authenticate("anna", NEW_PASSWORD) == anna
    assert site.accounts.authenticate("bert", NEW_PASSWORD) == bert


def test_links_are_limited_per_account_and_per_address(site: Site, client: TestClient) -> None:
    person(site, "anna", "anna@example.nl")
    answers = {ask(client, "anna") for _ in range(5)}
    assert len(answers) == 1  # over the limit: the same answer, nothing sent
    assert len(outbox(site)) == 3
    # Two accounts on one address: two asks each are within each account's limit, but the
    # address is asked for four times.
    anneke = person(site, "anneke", "team@example.nl")
    bert = person(site, "bert", "team@example.nl")
    for wanted in ("anneke", "bert", "anneke", "bert"):
        ask(client, wanted)
    shared = [row["user_id"] for row in outbox(site)[3:]]
    assert shared == [anneke.id, bert.id, anneke.id]


def test_no_link_without_a_password_or_a_confirmed_address(site: Site, client: TestClient) -> None:
    sso = person(site, "anna", "anna@example.nl")
    site.database.set_password_hash(sso.id, "")  # single sign-on only
    unconfirmed = person(site, "bert", "bert@example.nl")
    site.database.update_user(unconfirmed.id, email_confirmed=False)
    site.accounts.add_user("cor", PASSWORD, Role.EDITOR, "", "Cor")  # no address
    disabled = person(site, "daan", "daan@example.nl")
    site.accounts.set_disabled(disabled.username, disabled=True)
    for wanted in ("anna", "bert", "cor", "daan", "daan@example.nl"):
        ask(client, wanted)
    assert outbox(site) == []


def test_the_token_is_stored_only_as_its_hash(site: Site, client: TestClient) -> None:
    anna = person(site, "anna", "anna@example.nl")
    ask(client, "anna")
    link = link_of(outbox(site)[0])
    rows = site.database._rows("SELECT token_hash, purpose, user_id, email, used FROM mail_tokens")
    assert rows == [(hashlib.sha256(link.encode()).hexdigest(), "reset", anna.id, "anna@example.nl", None)]
    assert link not in repr(rows)


def test_the_mail_is_in_the_account_language(site: Site, client: TestClient) -> None:
    anna = person(site, "anna", "anna@example.nl")
    site.database.update_user(anna.id, language="en")
    person(site, "bert", "bert@example.nl")
    ask(client, "anna")
    ask(client, "bert")
    english, dutch = outbox(site)
    assert english["subject"] == "Reset your password"
    assert "Hello Anna," in english["text"]
    assert dutch["subject"] == "Stel een nieuw wachtwoord in"
    assert "Hallo Bert," in dutch["text"]
    assert '<html lang="nl">' in dutch["html"]


def test_without_mail_the_form_says_so_and_nothing_is_sent(settings: Settings) -> None:
    site = open_site(Settings(repo=settings.repo, database_url=settings.database_url))
    try:
        person(site, "anna", "anna@example.nl")
        with TestClient(create_app(site.settings, site=site), follow_redirects=False) as client:
            form = client.get("/password-reset")
            assert 'name="username_or_email"' not in form.text
            assert "kun je geen nieuw wachtwoord aanvragen via e-mail" in form.text
            token = csrf_from(client.get("/signin").text)
            asked = client.post("/password-reset", data={"username_or_email": "anna", "csrf_token": token})
            assert asked.status_code == 200
            assert 'name="username_or_email"' not in asked.text
            api = client.post("/api/password-reset", json={"username_or_email": "anna"})
            assert api.status_code == 202
        assert outbox(site) == []
        assert site.database._rows("SELECT * FROM mail_tokens") == []
    finally:
        site.close()
