"""Notices after an action: from a sealed one-time cookie, never from the address (issue 13)."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from
from wiki.models import Role
from wiki.services.site import Site
from wiki.web.app import create_app
from wiki.web.notices import NOTICE_COOKIE

PAGE = "/p/neem-initiatief"
SAVED = '<p class="notice utrecht-alert utrecht-alert--ok" role="status">Opgeslagen.</p>'


def notice_of(client: TestClient, path: str) -> object:
    return client.get(path).context["notice"]  # type: ignore[attr-defined]


def save_edit(client: TestClient) -> str:
    form = client.get("/edit/neem-initiatief")
    context = form.context  # type: ignore[attr-defined]
    data = {
        "csrf_token": csrf_from(form.text),
        "base": context["base"],
        "title": context["title"],
        "body": context["body"] + "\nNog een alinea.\n",
        "message": "Alinea",
        "action": "save",
    }
    response = client.post("/edit/neem-initiatief", data=data)
    assert response.status_code == 303
    return str(response.headers["location"])


def test_a_notice_in_the_address_shows_nothing(client: TestClient, auth: Auth) -> None:
    assert "aangenomen" not in client.get("/proposals?notice=accepted").text
    assert notice_of(client, f"{PAGE}?notice=saved") is None
    auth.sign_in(Role.EDITOR)
    client.get("/privacy")  # the sign-in notice is shown here
    page = client.get("/?notice=accepted")
    assert page.context["notice"] is None  # type: ignore[attr-defined]
    assert 'class="notice ' not in page.text


def test_after_an_action_the_notice_shows_once(client: TestClient, auth: Auth) -> None:
    auth.sign_in(Role.EDITOR)
    client.get("/privacy")
    location = save_edit(client)
    assert "notice" not in location
    shown = client.get(location)
    assert SAVED in shown.text
    assert shown.headers["cache-control"] == "no-store"
    again = client.get(location)
    assert 'class="notice ' not in again.text


def test_notices_show_after_signing_out_and_deleting_an_account(client: TestClient, auth: Auth) -> None:
    auth.sign_in(Role.EDITOR)
    signed_in = client.get("/privacy")
    assert signed_in.context["notice"] == "Je bent ingelogd."  # type: ignore[attr-defined]
    client.post("/signout", data={"csrf_token": csrf_from(signed_in.text)})
    assert notice_of(client, "/") == "Je bent uitgelogd."
    auth.sign_in(Role.CONTRIBUTOR)
    token = csrf_from(client.get("/account").text)
    client.post("/account", data={"csrf_token": token, "action": "delete", "password": PASSWORD})
    assert notice_of(client, "/") == "Je account is verwijderd. Je reacties en steunbetuigingen zijn gewist."


def test_a_forged_or_expired_notice_cookie_shows_nothing(client: TestClient, site: Site) -> None:
    expires = int(time.time()) + 60
    seal = site.accounts.seal("notice", f"saved.{expires}")
    client.cookies.set(NOTICE_COOKIE, f"accepted.{expires}.{seal}")
    assert notice_of(client, "/") is None
    past = int(time.time()) - 1
    client.cookies.set(NOTICE_COOKIE, f"saved.{past}.{site.accounts.seal('notice', f'saved.{past}')}")
    assert notice_of(client, "/") is None
    client.cookies.set(NOTICE_COOKIE, f"saved.{expires}.{site.accounts.csrf_token(f'saved.{expires}')}")
    assert notice_of(client, "/") is None  # a form token is no seal
    client.cookies.set(NOTICE_COOKIE, f"saved.{expires}.{seal}")
    assert notice_of(client, "/") == "Opgeslagen."


def test_a_page_with_a_notice_is_never_served_to_another_reader(client: TestClient, auth: Auth, site: Site) -> None:
    other = TestClient(create_app(site.settings, site=site), headers={"Accept-Encoding": "identity"})
    with other:
        kept = other.get(PAGE)
        assert "etag" in other.get(PAGE).headers
        auth.sign_in(Role.EDITOR)
        client.get("/privacy")
        location = save_edit(client)
        client.cookies.delete("wiki_session")  # a reader again, with the notice still to see
        shown = client.get(location)
        assert SAVED in shown.text
        assert "etag" not in shown.headers
        assert shown.headers["cache-control"] == "no-store"
        for _ in range(2):  # the first renders and keeps the new text, the second comes from memory
            page = other.get(PAGE)
            assert "Nog een alinea." in page.text
            assert 'class="notice ' not in page.text
        assert kept.text != page.text
        assert 'class="notice ' not in client.get(location).text


def test_a_notice_waits_past_kept_pages_for_its_reader(client: TestClient, site: Site) -> None:
    assert "etag" in client.get(PAGE).headers  # kept, so the front answers the next reader
    expires = int(time.time()) + 60
    client.cookies.set(NOTICE_COOKIE, f"saved.{expires}.{site.accounts.seal('notice', f'saved.{expires}')}")
    shown = client.get(PAGE)
    assert SAVED in shown.text
    assert "etag" not in shown.headers
