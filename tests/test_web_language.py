"""The interface language: the browser's preference until the person chooses (issue 13)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from wiki.web.i18n import negotiate

PAGE = "/p/neem-initiatief"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("EN-us", "en"),
        ("de-DE,de;q=0.9,en-US;q=0.8,nl;q=0.6", "en"),
        ("nl;q=0.3, en;q=0.8", "en"),
        ("en;q=0.8, nl", "nl"),
        ("fr", "nl"),
        ("en;q=0", "nl"),
        ("nl;q=0, *", "en"),
        ("*", "nl"),
        ("en;q=nonsense, nl", "nl"),
        ("", "nl"),
    ],
)
def test_accept_language_is_read_by_weight_and_primary_tag(header: str, language: str) -> None:
    assert negotiate(header) == language


def test_an_english_browser_gets_english_until_the_person_chooses(client: TestClient) -> None:
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"})
    assert '<html lang="en">' in english.text
    assert '<html lang="nl">' in client.get("/", headers={"Accept-Language": "fr"}).text
    client.get("/lang/nl?next=/")
    assert '<html lang="nl">' in client.get("/", headers={"Accept-Language": "en"}).text


def test_kept_pages_are_kept_per_negotiated_language(client: TestClient) -> None:
    for _ in range(2):  # the second of each comes from the kept-pages front
        assert '<html lang="nl">' in client.get(PAGE).text
        assert '<html lang="en">' in client.get(PAGE, headers={"Accept-Language": "en"}).text
    dutch, english = (
        client.get(PAGE).headers["etag"],
        client.get(PAGE, headers={"Accept-Language": "en"}).headers["etag"],
    )
    assert dutch != english
    client.cookies.set("wiki_lang", "nl")
    assert '<html lang="nl">' in client.get(PAGE, headers={"Accept-Language": "en"}).text


@pytest.mark.parametrize("path", ["/", PAGE, "/p/no-such-page", "/changes"])
def test_answers_say_they_vary_by_language_and_cookie(client: TestClient, path: str) -> None:
    for _ in range(2):  # a kept page's second answer comes from the kept-pages front
        names = [name.strip().lower() for name in client.get(path).headers["vary"].split(",")]
        assert "accept-language" in names
        assert "cookie" in names
        assert len(names) == len(set(names))
