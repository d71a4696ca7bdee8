"""Search understands Dutch word forms, quotes plain text, and helps when it finds nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth
from wiki import pagefile
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site, open_site
from wiki.store import indexfile, wordforms
from wiki.store.plaintext import plain_text

ANNA = Author("Anna", "anna@users.wiki.invalid")
CONTENT = Path(__file__).resolve().parent.parent / "content"

# (what a person types, the form a bundled page has): words of the wiki's own pages.
# Found by stem: the page has no word starting with what was typed.
BY_STEM = [
    ("samenwerken", "samenwerking"),
    ("afdelingen", "afdeling"),
    ("discussies", "discussie"),
    ("functies", "functie"),
    ("organisaties", "organisatie"),
    ("procedures", "procedure"),
    ("verbeteren", "verbetering"),
    ("contacten", "contact"),
    ("netwerken", "netwerk"),
    ("plekken", "plek"),
    ("taken", "taak"),
]
# Found by prefix only: the stemmer gives the two forms different stems.
BY_PREFIX_ONLY = [
    ("gren", "grenzen"),
    ("begin", "begint"),
    ("idee", "ideeën"),
    ("bijdrage", "bijdragen"),
    ("kans", "kansen"),
    ("snel", "sneller"),
    ("samenwerking", "samenwerkingsplatform"),
]


def _bundled_words() -> dict[str, set[str]]:
    pages = {}
    for file in CONTENT.glob("*.md"):
        parsed = pagefile.parse(file.read_text(), file.stem)
        pages[file.stem] = {wordforms.fold(w) for w in wordforms.words(parsed.title + "\n" + plain_text(parsed.body))}
    return pages


def save(site: Site, name: str, text: str) -> None:
    found = site.pages.index.get(name)
    site.pages.save(EditRequest(name, text, found[0].revision if found else None, "", ANNA))


@pytest.mark.parametrize(("typed", "form"), BY_STEM + BY_PREFIX_ONLY)
def test_the_wikis_own_word_forms_find_each_other(site: Site, typed: str, form: str) -> None:
    by_stem = (typed, form) in BY_STEM
    assert (wordforms.stem(typed) == wordforms.stem(form)) is by_stem
    assert form.startswith(typed) is not by_stem
    folded, start = wordforms.fold(form), wordforms.fold(typed)
    # The pages that have the form and no other word starting with what was typed.
    pages = {name for name, words in _bundled_words().items()
             if folded in words and not any(word.startswith(start) for word in words - {folded})}  # fmt: skip
    assert pages, f"no bundled page has {form!r} alone"
    results = {result.path: result.snippet for result in site.search.search(typed, 50)}
    assert pages <= set(results)
    assert any(f"<mark>{form}</mark>".casefold() in results[name].casefold() for name in pages)


def test_principes_finds_principe_and_the_stem_column_is_no_substitute_for_prefixes(site: Site) -> None:
    save(site, "notitie", "# Notitie\n\nEén principe voor het team.\n")
    snippets = {r.path: r.snippet for r in site.search.search("principes")}
    assert snippets["notitie"] == "Notitie Eén <mark>principe</mark> voor het team."
    assert "notitie" in [r.path for r in site.search.search("princ")]


def test_phrases_match_exactly_never_by_stem(site: Site) -> None:
    save(site, "samen", "# Samen\n\nWij werken samen aan elke verbetering.\n")
    assert "samen" in [r.path for r in site.search.search("werkt samen")]
    assert "samen" in [r.path for r in site.search.search('"werken samen"')]
    assert "samen" not in [r.path for r in site.search.search('"werkt samen"')]
    assert "samen" not in [r.path for r in site.search.search('"verbeteringen"')]


def test_snippets_are_the_plain_text_with_matches_marked(client: TestClient, site: Site) -> None:
    text = (
        '# Kievit\n\n## De **kievit** in het `veld`\n\nZie [de kievit](neem-initiatief "titel") en '
        "[[Neem initiatief|een kievit]] of *kieviten* <b>hier</b> & daar.\n"
    )
    save(site, "vogels", text)
    result = site.search.search("kievit")[0]
    assert result.path == "vogels"
    plain = result.snippet.replace("<mark>", "").replace("</mark>", "")
    for mark in ("**", "`", "](", "[[", "##", "neem-initiatief", "titel"):
        assert mark not in plain
    assert result.snippet.count("<mark>") >= 4
    assert "<mark>kieviten</mark>" in result.snippet
    assert "&lt;b&gt;hier" in result.snippet  # raw HTML is text, as on the page
    api = client.get("/api/search", params={"q": "kievit"}).json()["results"][0]
    assert api["snippet"] == result.snippet
    page = client.get("/search", params={"q": "kievit"}).text
    assert "<mark>kievit</mark>" in page
    assert "**" not in page.split('class="results"')[1]


def test_a_search_without_results_suggests_the_wikis_own_words(client: TestClient) -> None:
    page = client.get("/search", params={"q": "samenwerkng"})
    assert page.context["results"] == []  # type: ignore[attr-defined]
    assert page.context["suggestions"][0] == "samenwerking"  # type: ignore[attr-defined]
    assert 'href="/search?q=samenwerking"' in page.text
    assert client.get("/search", params={"q": "samenwerking"}).context["results"]  # type: ignore[attr-defined]
    two = client.get("/search", params={"q": "initiatif zichtbar"}).context  # type: ignore[attr-defined]
    assert two["suggestions"][0] == "initiatief zichtbaar"
    assert client.get("/search", params={"q": "qxqxqxqx"}).context["suggestions"] == []  # type: ignore[attr-defined]
    assert client.get("/search", params={"q": "zichtbaar"}).context["suggestions"] == []  # type: ignore[attr-defined]


def test_a_search_without_results_offers_to_create_or_propose_the_page(client: TestClient, auth: Auth) -> None:
    query = {"q": "Koffie met collega's"}
    visitor = client.get("/search", params=query).text
    assert 'href="/signin?next=/proposals/new%3Ftitle%3DKoffie%2520met%2520collega%2527s"' in visitor
    assert "/new?title=" not in visitor
    auth.sign_in(Role.CONTRIBUTOR, "bijdrager")
    contributor = client.get("/search", params=query).text
    assert 'href="/proposals/new?title=Koffie%20met%20collega%27s"' in contributor
    assert 'value="Koffie met collega&#39;s"' in client.get("/proposals/new?title=Koffie%20met%20collega%27s").text
    client.cookies.clear()  # signed out
    auth.sign_in(Role.EDITOR, "redacteur")
    editor = client.get("/search", params=query).text
    assert 'href="/new?title=Koffie%20met%20collega%27s"' in editor
    assert "/proposals/new" not in editor.split("<main")[1]
    form = client.get("/new?title=Koffie%20met%20collega%27s").text
    assert 'id="title" name="title" value="Koffie met collega&#39;s"' in form
    assert "/new?title=" not in client.get("/search", params={"q": "zichtbaar"}).text


def test_the_index_is_built_again_when_the_stemmer_changes(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    version = indexfile.schema_version()
    assert version.endswith(f"snowballstemmer-{wordforms.STEMMER.version}-dutch")
    assert wordforms.STEMMER.version == "3.1.1"
    monkeypatch.setattr(wordforms, "STEMMER", wordforms.Stemmer("snowballstemmer", "3.1.1", "dutch_porter"))
    assert indexfile.schema_version() != version
    monkeypatch.undo()
    path = site.index.file.path
    site.close()
    with sqlite3.connect(path) as connection:  # an index written by an older stemmer
        connection.execute("UPDATE meta SET value = '5/2+snowballstemmer-3.0.1-dutch' WHERE key = 'schema'")
        connection.execute("DELETE FROM search")
    reopened = open_site(site.settings)
    try:
        assert reopened.index.file.meta("schema") == version
        assert "<mark>samenwerking</mark>" in reopened.search.search("samenwerken")[0].snippet
    finally:
        reopened.close()
