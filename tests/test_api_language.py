"""The JSON API's error messages are for the person reading them, so they come in that person's
language (the cookie they chose, else Accept-Language, else Dutch); the codes and shapes scripts
rely on stay the same in every language."""

from __future__ import annotations

from unittest.mock import ANY

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth
from wiki.models import Role
from wiki.services.site import Site
from wiki.web.i18n import LANGUAGE_COOKIE

PAGE = "het-proces-is-je-product"
ENGLISH = {"Accept-Language": "en"}


def test_a_bad_request_answers_in_dutch_by_default_and_in_english_when_asked(client: TestClient) -> None:
    dutch = client.get("/api/search", params={"q": "proces", "limit": "0"})
    english = client.get("/api/search", params={"q": "proces", "limit": "0"}, headers=ENGLISH)
    assert (dutch.status_code, english.status_code) == (400, 400)
    assert dutch.json() == {
        "error": "bad_request",
        "message": "'limit' moet een heel getal van 1 tot en met 50 zijn.",
        "request_id": ANY,
    }
    assert english.json() == {
        "error": "bad_request",
        "message": "'limit' must be a whole number from 1 to 50.",
        "request_id": ANY,
    }
    assert "Accept-Language" in dutch.headers["Vary"]


def test_the_chosen_language_wins_over_the_browsers(client: TestClient) -> None:
    client.cookies.set(LANGUAGE_COOKIE, "en")
    response = client.get("/api/pages/bestaat-niet", headers={"Accept-Language": "nl"})
    assert response.json() == {"error": "not_found", "message": "No such page.", "request_id": ANY}


def test_a_conflict_keeps_its_current_page_in_either_language(client: TestClient, auth: Auth) -> None:
    headers = auth.token(Role.EDITOR)
    current = client.get(f"/api/pages/{PAGE}").json()
    for extra, says in [
        ({}, "De pagina bestaat al: stuur de versie mee waarop je tekst is gebaseerd."),
        (ENGLISH, "The page exists: send the revision your text is based on."),
    ]:
        response = client.put(f"/api/pages/{PAGE}", headers=headers | extra, json={"body": "Zonder basis.\n"})
        assert response.status_code == 409
        assert response.json() == {
            "error": "conflict",
            "message": says,
            "current_revision": current["revision"],
            "current_body": current["body"],
            "request_id": ANY,
        }


def test_a_bad_token_is_refused_in_the_readers_language(client: TestClient) -> None:
    for extra, says in [({}, "Het token is niet geldig."), (ENGLISH, "The token is not valid.")]:
        response = client.get(f"/api/pages/{PAGE}", headers={"Authorization": "Bearer fout"} | extra)
        assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Bearer")
        assert response.json() == {"error": "unauthorized", "message": says, "request_id": ANY}


def test_unknown_routes_and_methods_answer_in_the_readers_language(client: TestClient) -> None:
    assert client.get("/api/nergens").json() == {
        "error": "not_found",
        "message": "Deze pagina bestaat niet.",
        "request_id": ANY,
    }
    wrong = client.delete(f"/api/pages/{PAGE}", headers=ENGLISH)
    assert wrong.json() == {
        "error": "method_not_allowed",
        "message": "This address does not accept that kind of request.",
        "request_id": ANY,
    }


def test_too_many_headers_are_refused_in_the_readers_language(client: TestClient) -> None:
    many = {f"x-extra-{n}": "1" for n in range(200)}
    dutch = client.get("/api/pages", headers=many)
    english = client.get("/api/pages", headers=many | ENGLISH)
    assert (dutch.status_code, english.status_code) == (431, 431)
    assert dutch.json() == {
        "error": "headers_too_large",
        "message": "Het verzoek heeft te veel of te grote headers.",
        "request_id": ANY,
    }
    assert english.json() == {
        "error": "headers_too_large",
        "message": "Too many or too large request headers.",
        "request_id": ANY,
    }


def test_an_unexpected_failure_is_told_in_the_readers_language(
    client: TestClient, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(site.pages, "list_pages", broken)
    dutch = client.get("/api/pages")
    english = client.get("/api/pages", headers=ENGLISH)
    assert (dutch.status_code, english.status_code) == (500, 500)
    assert dutch.json() == {"error": "internal", "message": "Er ging bij ons iets mis.", "request_id": ANY}
    assert english.json() == {"error": "internal", "message": "Something went wrong on our side.", "request_id": ANY}
