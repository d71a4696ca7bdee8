"""Plain words for readers who are not developers: no 'Aanmelden' beside 'Inloggen', no
git, Markdown or Atom jargon, and a size change says what its number counts."""

from __future__ import annotations

import html

import pytest
from starlette.testclient import TestClient

from tests.conftest import csrf_from
from tests.test_web_history import ANNA, PAGE, edit
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.web import i18n

JARGON = ("git-repository", "Broncode", "Markdown", "Atom-feed", "Aanmelden")


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("nl", ["1.094 tekens erbij", "1 teken erbij", "12 tekens eraf", "1 teken eraf", "even lang"]),
        (
            "en",
            [
                "1,094 characters added",
                "1 character added",
                "12 characters removed",
                "1 character removed",
                "same length",
            ],
        ),
    ],
)
def test_a_size_change_says_what_it_counts(language: str, shown: list[str]) -> None:
    i18n.set_language(language)
    try:
        assert [i18n.format_size_change(n) for n in (1094, 1, -12, -1, 0)] == shown
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)


def test_the_history_shows_characters_added_and_removed(client: TestClient, site: Site) -> None:
    edit(site, "x" * 1092)  # with a line break before and after: 1,094 characters more
    page = site.pages.get(PAGE)[0]
    site.pages.save(EditRequest(PAGE, page.text[:-13] + "\n", page.revision, "Korter", ANNA))  # 12 fewer
    text = html.unescape(client.get(f"/history/{PAGE}").text)
    assert "1.094 tekens erbij" in text
    assert "12 tekens eraf" in text
    assert "+1.094" not in text


def test_pages_speak_without_jargon_in_dutch(client: TestClient) -> None:
    seen = {path: client.get(path).text for path in ("/", f"/p/{PAGE}", f"/history/{PAGE}", "/changes", "/signin")}
    for path, text in seen.items():
        assert [word for word in JARGON if word in text] == [], path
    assert "Elke wijziging wordt bewaard" in seen["/"]
    assert "Account aanmaken" in seen["/"]
    assert "Nog geen account? Maak een account aan" in seen["/signin"]
    assert "Tekst bekijken" in seen[f"/p/{PAGE}"]
    assert "Volg wijzigingen" in seen[f"/history/{PAGE}"]
    assert "Volg wijzigingen" in seen["/changes"]
    signup = client.get("/signup")
    assert csrf_from(signup.text)
    assert '<h1 class="utrecht-heading-1">Account aanmaken</h1>' in signup.text
