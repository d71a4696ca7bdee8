"""Error pages for people: sign in or create an account, and a way back (issue 13)."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from
from wiki.models import Role

PAGE = "/p/neem-initiatief"


def links(html: str) -> list[str]:
    main = html[html.index("<main") : html.index("</main>")]
    return re.findall(r'<a [^>]*href="([^"]+)"', main)


def test_a_page_that_needs_an_account_offers_sign_in_and_sign_up_once(client: TestClient) -> None:
    page = client.get("/proposals/new")
    assert page.status_code == 401
    main = page.text[page.text.index("<main") : page.text.index("</main>")]
    assert main.count("Log eerst in") == 1
    assert "/signin?next=/proposals/new" in links(page.text)
    assert "/signup?next=/proposals/new" in links(page.text)


def test_signing_up_from_there_returns_there(client: TestClient) -> None:
    form = client.get("/signup?next=/proposals/new")
    assert 'name="next" value="/proposals/new"' in form.text
    data = {
        "csrf_token": csrf_from(form.text),
        "next": "/proposals/new",
        "username": "nieuwkomer",
        "display_name": "Nieuwe Collega",
        "email": "nieuwkomer@example.nl",
        "password": PASSWORD,
    }
    response = client.post("/signup", data=data)
    assert response.headers["location"] == "/proposals/new"
    assert client.get("/proposals/new").status_code == 200


def test_signing_in_from_there_returns_there(client: TestClient, auth: Auth) -> None:
    user = auth.user(Role.CONTRIBUTOR)
    form = client.get("/signin?next=/proposals/new")
    assert "/signup?next=/proposals/new" in links(form.text)
    data = {
        "csrf_token": csrf_from(form.text),
        "next": "/proposals/new",
        "username": user.username,
        "password": PASSWORD,
    }
    assert client.post("/signin", data=data).headers["location"] == "/proposals/new"


def test_sign_up_never_leads_off_the_site(client: TestClient) -> None:
    form = client.get("/signup?next=//evil.example/x")
    assert 'name="next" value="/"' in form.text
    data = {
        "csrf_token": csrf_from(form.text),
        "next": "https://evil.example/",
        "username": "nieuwkomer",
        "display_name": "Nieuwe Collega",
        "email": "nieuwkomer@example.nl",
        "password": PASSWORD,
    }
    assert client.post("/signup", data=data).headers["location"] == "/"


def test_a_failed_form_leads_back_to_its_page(client: TestClient) -> None:
    response = client.post("/signout", data={"csrf_token": "wrong"}, headers={"Referer": f"http://testserver{PAGE}"})
    assert response.status_code == 403
    assert PAGE in links(response.text)
    assert "/signin?next=/p/neem-initiatief" in links(response.text)


def test_error_pages_lead_back_only_to_this_site(client: TestClient) -> None:
    missing = client.get("/p/no-such-page", headers={"Referer": "http://testserver/changes?page=2"})
    assert "/changes?page=2" in links(missing.text)
    elsewhere = client.get("/p/no-such-page", headers={"Referer": "http://evil.example/changes"})
    assert "http://evil.example/changes" not in elsewhere.text
    assert "/changes" not in links(elsewhere.text)
    assert "Terug naar de pagina waar je was" in missing.text
    assert "Terug naar de pagina waar je was" not in client.get("/p/no-such-page").text
