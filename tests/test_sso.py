"""Signing in with the organisation's account, against a real OpenID Connect provider
(`oidc-provider` on 127.0.0.1, tests/oidc_server.py): accounts made and updated from the
claims, roles from the groups, every refusal the flow must make, sign-out at the provider,
linking a password account, deleting an account without a password, passwords off, and a
provider that is down."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from
from tests.oidc_server import (
    OTHER_CLIENT,
    OTHER_REDIRECT,
    OTHER_SECRET,
    PUBLIC_URL,
    WIKI_CLIENT,
    WIKI_SECRET,
    Provider,
    start_provider,
)
from wiki.config import Settings
from wiki.errors import Forbidden
from wiki.models import Role
from wiki.services import beliefs
from wiki.services.site import Site, open_site
from wiki.services.sso import display_name_candidates, username_candidates
from wiki.web.app import create_app

CALLBACK = PUBLIC_URL + "/signin/oidc/callback"


def sso_settings(tmp_path: Path, database_url: str, issuer: str, **changes: object) -> Settings:
    values: dict[str, object] = {
        "repo": tmp_path / "wiki.git",
        "database_url": database_url,
        "public_url": PUBLIC_URL,
        "oidc_issuer": issuer,
        "oidc_client_id": WIKI_CLIENT,
        "oidc_client_secret": WIKI_SECRET,
        "oidc_role_claim": "groups",
        "oidc_editors": "wiki-editors",
        "oidc_maintainers": "wiki-maintainers, wiki-admins",
    }
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, database_url: str, oidc_provider: Provider) -> Settings:
    """Why: every test here signs in through the provider the suite started."""
    return sso_settings(tmp_path, database_url, oidc_provider.issuer)


@pytest.fixture
def alice_claims(oidc_provider: Provider) -> Iterator[None]:
    """Why: a test that changes Alice at the provider leaves her as she was for the next one."""
    yield
    oidc_provider.set_claims("alice", groups=["wiki-editors"], name="Alice de Vries")


def start(client: TestClient, next_path: str = "/") -> str:
    """Click "sign in with your organisation's account": the provider's address."""
    answer = client.get("/signin/oidc", params={"next": next_path})
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def sign_in(client: TestClient, provider: Provider, person: str, next_path: str = "/") -> httpx2.Response:
    """The whole round trip: the wiki's answer to the provider sending the person back."""
    back = provider.signs_in(start(client, next_path), person)
    assert back.startswith(CALLBACK), back
    return client.get(back.removeprefix(PUBLIC_URL))


def signed_in_as(client: TestClient) -> str | None:
    page = client.get("/account")
    return None if page.status_code != 200 else page.context["user"].username  # type: ignore[attr-defined]


def test_the_first_sign_in_makes_the_account_with_the_role_of_the_group(
    client: TestClient, site: Site, oidc_provider: Provider
) -> None:
    answer = sign_in(client, oidc_provider, "alice", "/p/neem-initiatief")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/p/neem-initiatief"
    alice = site.accounts.get_user("alice")
    assert (alice.role, alice.display_name, alice.email) == (Role.EDITOR, "Alice de Vries", "alice@gemeente.example")
    assert signed_in_as(client) == "alice"
    # Bob's group makes a maintainer; his address is not verified, so it is not taken.
    client.cookies.clear()
    sign_in(client, oidc_provider, "bob")
    bob = site.accounts.get_user("bob")
    assert (bob.role, bob.email) == (Role.MAINTAINER, "")
    # The session ends after WIKI_OIDC_SESSION_HOURS, however busy the person is.
    lasts = site.database._row("SELECT expires - created FROM sessions WHERE user_id = ?", (bob.id,))[0]
    assert abs(lasts - 8 * 3600) < 60


@pytest.mark.usefixtures("alice_claims")
def test_the_role_and_the_name_follow_the_provider_at_the_next_sign_in(
    client: TestClient, site: Site, oidc_provider: Provider
) -> None:
    sign_in(client, oidc_provider, "alice")
    oidc_provider.set_claims("alice", groups=["wiki-admins"], name="Alice Bakker")
    client.cookies.clear()
    sign_in(client, oidc_provider, "alice")
    alice = site.accounts.get_user("alice")
    assert (alice.role, alice.display_name) == (Role.MAINTAINER, "Alice Bakker")
    oidc_provider.set_claims("alice", groups=["elsewhere"])
    sign_in(client, oidc_provider, "alice")
    assert site.accounts.get_user("alice").role == Role.CONTRIBUTOR
    assert [user.username for user, _ in site.accounts.users()] == ["alice"]  # one account, not three


def test_a_taken_username_and_display_name_get_a_number_and_the_sign_in_goes_on(
    client: TestClient, site: Site, oidc_provider: Provider
) -> None:
    site.accounts.add_user("alice", PASSWORD, Role.CONTRIBUTOR, display_name="Alice de Vries")
    assert sign_in(client, oidc_provider, "alice").status_code == 303
    made = site.accounts.get_user("alice-2")
    assert made.display_name == "Alice de Vries (2)"
    assert signed_in_as(client) == "alice-2"


def test_names_from_the_provider_keep_the_username_rules() -> None:
    assert next(username_candidates("a.de.vries@gemeente.nl")) == "a.de.vries"
    assert next(username_candidates("Zoë Çelik")) == "Zoe-Celik"
    assert next(username_candidates("admin")) == "person-admin"
    assert next(username_candidates("x")) == "person-x"
    assert list(display_name_candidates("", "alice"))[:2] == ["alice", "alice (2)"]


def test_with_approval_the_account_waits_and_closed_sign_up_is_refused_clearly(
    tmp_path: Path, database_url: str, oidc_provider: Provider
) -> None:
    for mode in ("approval", "closed"):
        folder = tmp_path / mode
        site = open_site(sso_settings(folder, f"sqlite:///{folder}.sqlite3", oidc_provider.issuer, signup=mode))
        try:
            with TestClient(create_app(site.settings, site=site), follow_redirects=False) as client:
                answer = sign_in(client, oidc_provider, "bob")
                if mode == "approval":
                    assert answer.status_code == 303
                    assert site.accounts.users()[0][1] is True  # waiting
                    assert signed_in_as(client) is None
                else:
                    assert answer.status_code == 403
                    assert "Zelf een account aanmaken kan niet" in answer.text
                    assert site.accounts.users() == []
        finally:
            site.close()


def test_a_wrong_state_or_another_browser_is_refused(client: TestClient, site: Site, oidc_provider: Provider) -> None:
    back = oidc_provider.signs_in(start(client), "alice")
    query = parse_qs(urlsplit(back).query)
    wrong = client.get("/signin/oidc/callback", params={"code": query["code"][0], "state": "not-the-state"})
    assert wrong.status_code == 403
    with TestClient(create_app(site.settings, site=site), follow_redirects=False) as other_browser:
        assert other_browser.get(back.removeprefix(PUBLIC_URL)).status_code == 403
    assert site.accounts.users() == []


def test_a_code_used_once_is_refused_the_second_time(client: TestClient, site: Site, oidc_provider: Provider) -> None:
    back = oidc_provider.signs_in(start(client), "alice")
    assert client.get(back.removeprefix(PUBLIC_URL)).status_code == 303
    client.cookies.clear()
    assert client.get(back.removeprefix(PUBLIC_URL)).status_code == 403  # the state is used up
    # The same code under the state of a new sign-in: the provider refuses it.
    fresh_state = parse_qs(urlsplit(start(client)).query)["state"][0]
    code = parse_qs(urlsplit(back).query)["code"][0]
    replay = client.get("/signin/oidc/callback", params={"code": code, "state": fresh_state})
    assert replay.status_code == 403
    assert site.database._row("SELECT count(*) FROM sessions")[0] == 1


def _token_for_the_other_application(provider: Provider, nonce: str) -> dict[str, object]:
    """A real ID token the provider signed for another client (audience ``other-app``)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": OTHER_CLIENT,
        "redirect_uri": OTHER_REDIRECT,
        "scope": "openid profile email",
        "state": "s",
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    back = provider.signs_in(f"{provider.issuer}/auth?{urlencode(query)}", "alice")
    code = parse_qs(urlsplit(back).query)["code"][0]
    answer = httpx2.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": OTHER_REDIRECT,
            "code_verifier": verifier,
        },
        auth=(OTHER_CLIENT, OTHER_SECRET),
    )
    answer.raise_for_status()
    token: dict[str, object] = answer.json()
    return token


def test_an_id_token_for_another_audience_is_refused(site: Site, oidc_provider: Provider) -> None:
    token = _token_for_the_other_application(oidc_provider, "nonce-1")
    assert site.sso.client is not None
    with pytest.raises(Forbidden):
        site.sso.client.verify(token, "nonce-1")


def test_an_expired_id_token_is_refused(
    client: TestClient, site: Site, oidc_provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert site.sso.client is not None
    # The provider's ID tokens last an hour; two hours on, with the leeway, it has expired.
    monkeypatch.setattr(site.sso.client, "clock", lambda: time.time() + 2 * 3600)
    answer = sign_in(client, oidc_provider, "alice")
    assert answer.status_code == 403
    assert "Inloggen is niet gelukt" in answer.text
    assert site.accounts.users() == []


def test_signing_out_ends_the_session_and_the_one_at_the_provider(
    client: TestClient, site: Site, oidc_provider: Provider, auth: Auth
) -> None:
    sign_in(client, oidc_provider, "alice")
    token = csrf_from(client.get("/account").text)
    answer = client.post("/signout", data={"csrf_token": token})
    assert answer.status_code == 303
    logout = urlsplit(answer.headers["location"])
    assert f"{logout.scheme}://{logout.netloc}{logout.path}" == f"{oidc_provider.issuer}/session/end"
    assert parse_qs(logout.query)["post_logout_redirect_uri"] == [PUBLIC_URL + "/"]
    assert parse_qs(logout.query)["client_id"] == [WIKI_CLIENT]
    assert site.database._row("SELECT count(*) FROM sessions")[0] == 0
    assert signed_in_as(client) is None
    # A password session signs out as before: home, with the notice.
    auth.sign_in(Role.EDITOR)
    token = csrf_from(client.get("/account").text)
    assert client.post("/signout", data={"csrf_token": token}).headers["location"] == "/"


def test_a_session_from_single_sign_on_ends_at_its_maximum_age(
    client: TestClient, site: Site, oidc_provider: Provider
) -> None:
    sign_in(client, oidc_provider, "alice")
    assert signed_in_as(client) == "alice"
    site.database._write("UPDATE sessions SET expires = ?", (time.time() - 1,))
    # Written past the service, as another process would: it shows once the moment passes.
    later = site.accounts.believed_sessions.clock() + beliefs.SECONDS
    site.accounts.believed_sessions.clock = lambda: later
    assert signed_in_as(client) is None


def test_linking_a_password_account_once_after_confirming_the_password(
    client: TestClient, site: Site, oidc_provider: Provider, auth: Auth
) -> None:
    editor = auth.sign_in(Role.EDITOR, "aliced")
    token = csrf_from(client.get("/account").text)
    wrong = client.post("/signin/oidc", data={"csrf_token": token, "action": "link", "password": "not it at all"})
    assert wrong.status_code == 400
    answer = client.post("/signin/oidc", data={"csrf_token": token, "action": "link", "password": PASSWORD})
    assert answer.status_code == 303
    back = oidc_provider.signs_in(answer.headers["location"], "alice")
    assert client.get(back.removeprefix(PUBLIC_URL)).headers["location"] == "/account"
    page = client.get("/account")
    assert page.context["sign_on"].linked  # type: ignore[attr-defined]
    again = client.post("/signin/oidc", data={"csrf_token": token, "action": "link", "password": PASSWORD})
    assert again.status_code == 400  # once
    # From now on Alice's organisation account opens the editor's account, with the group's role.
    client.cookies.clear()
    sign_in(client, oidc_provider, "alice")
    assert signed_in_as(client) == "aliced"
    assert site.accounts.get_user("aliced").id == editor.id
    assert [user.username for user, _ in site.accounts.users()] == ["aliced"]


def test_a_link_is_bound_to_the_session_that_asked_for_it(
    client: TestClient, site: Site, oidc_provider: Provider, auth: Auth
) -> None:
    auth.sign_in(Role.EDITOR, "aliced")
    token = csrf_from(client.get("/account").text)
    answer = client.post("/signin/oidc", data={"csrf_token": token, "action": "link", "password": PASSWORD})
    back = oidc_provider.signs_in(answer.headers["location"], "alice")
    session = site.database._row("SELECT id_hash FROM sessions")[0]
    site.database._write("DELETE FROM sessions WHERE id_hash = ?", (session,))  # signed out meanwhile
    assert client.get(back.removeprefix(PUBLIC_URL)).status_code == 403
    assert site.database._row("SELECT count(*) FROM oidc_identities")[0] == 0


def test_an_account_without_a_password_is_deleted_by_signing_in_again(
    client: TestClient, site: Site, oidc_provider: Provider
) -> None:
    sign_in(client, oidc_provider, "bob")
    page = client.get("/account")
    assert 'name="current"' not in page.text  # no password to change
    answer = client.post("/signin/oidc", data={"csrf_token": csrf_from(page.text), "action": "delete"})
    assert answer.status_code == 303
    assert parse_qs(urlsplit(answer.headers["location"]).query)["prompt"] == ["login"]
    back = oidc_provider.signs_in(answer.headers["location"], "bob")
    done = client.get(back.removeprefix(PUBLIC_URL))
    assert done.headers["location"] == "/"
    assert site.accounts.users() == []
    assert signed_in_as(client) is None


def test_with_passwords_off_only_the_organisation_account_signs_in(
    tmp_path: Path, database_url: str, oidc_provider: Provider
) -> None:
    site = open_site(sso_settings(tmp_path, database_url, oidc_provider.issuer, passwords=False))
    site.accounts.add_user("oldhand", PASSWORD, Role.EDITOR)
    try:
        with TestClient(create_app(site.settings, site=site), follow_redirects=False) as client:
            page = client.get("/signin")
            assert 'name="password"' not in page.text
            assert "/signin/oidc" in page.text
            assert 'href="/signup' not in page.text
            assert 'name="password"' not in client.get("/signup").text
            assert not site.resets.available()
            sign_in(client, oidc_provider, "alice")
            assert signed_in_as(client) == "alice"
            account = client.get("/account").text
            assert 'name="current"' not in account
            refused = client.post(
                "/signin", data={"username": "oldhand", "password": PASSWORD, "csrf_token": csrf_from(account)}
            )
            assert refused.status_code == 403
            assert "Inloggen met een wachtwoord kan hier niet" in refused.text
    finally:
        site.close()


def test_a_provider_that_is_down_gets_a_clear_page_and_passwords_still_work(tmp_path: Path, database_url: str) -> None:
    provider = start_provider()
    site = open_site(sso_settings(tmp_path, database_url, provider.issuer))
    try:
        with TestClient(create_app(site.settings, site=site), follow_redirects=False) as client:
            assert sign_in(client, provider, "alice").status_code == 303
            client.cookies.clear()
            provider.stop()
            down = client.get("/signin/oidc")
            assert down.status_code == 503
            assert "De inlogdienst van je organisatie antwoordt niet" in down.text
            assert "met je wachtwoord" in down.text
            auth = Auth(site, client)
            auth.sign_in(Role.EDITOR)
            assert signed_in_as(client) == "editor1"
            # Signing out still works, without the provider's logout.
            token = csrf_from(client.get("/account").text)
            assert client.post("/signout", data={"csrf_token": token}).headers["location"] == "/"
    finally:
        provider.stop()
        site.close()


def test_the_client_secret_is_in_no_log_line_and_no_page(
    client: TestClient, site: Site, oidc_provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pages = [sign_in(client, oidc_provider, "alice").text, client.get("/account").text]
    client.cookies.clear()
    pages.append(client.get("/signin/oidc/callback", params={"state": "x", "code": "y"}).text)
    assert site.sso.client is not None
    monkey = site.sso.client
    with pytest.raises(Forbidden):
        monkey.verify(_token_for_the_other_application(oidc_provider, "n"), "n")
    assert caplog.records  # the refusal was logged ...
    assert WIKI_SECRET not in caplog.text  # ... without the secret
    assert all(WIKI_SECRET not in page for page in pages)
    assert WIKI_SECRET not in repr(site.settings)
    assert WIKI_SECRET not in repr(site.sso.client)


def test_signing_in_works_on_postgresql_too(tmp_path: Path, postgres_url: str, oidc_provider: Provider) -> None:
    site = open_site(sso_settings(tmp_path, postgres_url, oidc_provider.issuer))
    try:
        with TestClient(create_app(site.settings, site=site), follow_redirects=False) as client:
            assert sign_in(client, oidc_provider, "bob").status_code == 303
            assert signed_in_as(client) == "bob"
            assert site.accounts.get_user("bob").role == Role.MAINTAINER
            back = oidc_provider.signs_in(start(client), "bob")
            assert client.get(back.removeprefix(PUBLIC_URL)).status_code == 303
            assert client.get(back.removeprefix(PUBLIC_URL)).status_code == 403  # used up
    finally:
        site.close()


def test_a_disabled_account_stays_out_and_without_a_role_claim_maintainers_keep_the_role(
    tmp_path: Path, client: TestClient, site: Site, oidc_provider: Provider
) -> None:
    sign_in(client, oidc_provider, "alice")
    site.accounts.set_disabled("alice", disabled=True)
    client.cookies.clear()
    refused = sign_in(client, oidc_provider, "alice")
    assert refused.status_code == 403
    assert "Dit account is uitgezet" in refused.text
    assert signed_in_as(client) is None
    # Without WIKI_OIDC_ROLE_CLAIM everyone starts as a contributor and a maintainer's choice stays.
    folder = tmp_path / "no-claim"
    plain = open_site(sso_settings(folder, f"sqlite:///{folder}.sqlite3", oidc_provider.issuer, oidc_role_claim=""))
    try:
        with TestClient(create_app(plain.settings, site=plain), follow_redirects=False) as other:
            sign_in(other, oidc_provider, "bob")
            assert plain.accounts.get_user("bob").role == Role.CONTRIBUTOR
            plain.accounts.set_role("bob", Role.EDITOR)
            sign_in(other, oidc_provider, "bob")
            assert plain.accounts.get_user("bob").role == Role.EDITOR
    finally:
        plain.close()
