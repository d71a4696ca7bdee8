"""History over HTTP: pages for people, Atom feeds, and the JSON shapes scripts rely on."""

from __future__ import annotations

import dataclasses
import html
import re
import xml.etree.ElementTree as ET
from unittest.mock import ANY
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.web import i18n
from wiki.web.app import create_app
from wiki.web.templating import ENVIRONMENT

PAGE = "bepaal-je-eigen-grenzen"
ANNA = Author('Anna "de" Vries & co', "anna@users.wiki.invalid")
ATOM = "{http://www.w3.org/2005/Atom}"
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def edit(site: Site, text: str, message: str = "Een <b>wijziging</b>", name: str = PAGE) -> str:
    page = site.pages.get(name)[0]
    return site.pages.save(EditRequest(name, page.text + f"\n{text}\n", page.revision, message, ANNA)).revision


def test_the_history_page_lists_revisions_with_escaped_names(client: TestClient, site: Site) -> None:
    revision = edit(site, "Nieuwe alinea.")
    response = client.get(f"/history/{PAGE}")
    assert response.status_code == 200
    window = response.context["window"]  # type: ignore[attr-defined]
    assert window.items[0].revision == revision
    assert "Anna &#34;de&#34; Vries &amp; co" in response.text
    assert "Een &lt;b&gt;wijziging&lt;/b&gt;" in response.text
    assert "<b>wijziging" not in response.text
    assert f'href="/p/{PAGE}?revision={revision}"' in response.text


@pytest.mark.parametrize(
    ("language", "older", "newer"),
    [
        ("en", "Compare from the version of ", "Compare to the version of "),
        ("nl", "Vergelijken vanaf de versie van ", "Vergelijken met de versie van "),
    ],
)
def test_each_revisions_compare_choice_is_labelled_with_its_date(
    client: TestClient, site: Site, language: str, older: str, newer: str
) -> None:
    """Screen-reader users choose revisions by the hidden labels, which the template fills in
    from one translation per page (the date goes where the translation puts it)."""
    edit(site, "Nieuwe alinea.")
    client.get(f"/lang/{language}")
    response = client.get(f"/history/{PAGE}")
    window = response.context["window"]  # type: ignore[attr-defined]
    i18n.set_language(language)
    try:
        dates = [i18n.format_date(item.date) for item in window.items]
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
    labels = re.findall(r'<label for="(from|to)-(\d+)" class="visually-hidden">([^<]*)</label>', response.text)
    assert len(labels) == 2 * len(window.items) >= 4
    for side, row, text in labels:
        assert text == (older if side == "from" else newer) + html.escape(dates[int(row) - 1])


def test_the_dated_labels_escape_the_date_exactly_once(
    client: TestClient, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(site, "Nieuwe alinea.")
    monkeypatch.setitem(ENVIRONMENT.filters, "date", lambda moment: '<b>&"')
    text = client.get(f"/history/{PAGE}").text
    labels = re.findall(r'<label for="(?:from|to)-\d+" class="visually-hidden">([^<]*)</label>', text)
    assert len(labels) >= 4
    assert all(label.endswith(" &lt;b&gt;&amp;&#34;") for label in labels), labels


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "UTC"])
def test_the_history_shows_times_in_the_sites_time_zone(site: Site, zone: str) -> None:
    edit(site, "Nieuwe alinea.")
    app = create_app(dataclasses.replace(site.settings, timezone=zone), site=site)
    with TestClient(app, headers={"Accept-Encoding": "identity"}) as client:
        response = client.get(f"/history/{PAGE}")
    when = response.context["window"].items[0].date  # type: ignore[attr-defined]
    shown = format_datetime(when, format="medium", locale="nl", tzinfo=ZoneInfo(zone))
    assert f">{html.escape(shown)}</time>" in response.text


def test_an_old_version_has_a_banner_and_its_source(client: TestClient, site: Site) -> None:
    seed = site.pages.get(PAGE)[0].revision
    edit(site, "Later toegevoegd.")
    old = client.get(f"/p/{PAGE}?revision={seed}")
    assert old.status_code == 200
    assert old.context["info"].revision == seed  # type: ignore[attr-defined]
    assert "Later toegevoegd." not in old.text
    assert "een oudere versie" in old.text.lower()
    source = client.get(f"/source/{PAGE}?revision={seed}")
    assert source.context["page"].text.startswith("---\ntitle: Bepaal je eigen grenzen")  # type: ignore[attr-defined]


def test_compare_inline_side_by_side_and_changes_only(client: TestClient, site: Site) -> None:
    seed = site.pages.get(PAGE)[0].revision
    new = edit(site, "Toegevoegd.")
    inline = client.get(f"/compare/{PAGE}?from={seed}&to={new}")
    assert inline.status_code == 200
    assert '<ins><span class="visually-hidden">[toegevoegd:] </span>Toegevoegd' in inline.text
    side = client.get(f"/compare/{PAGE}?from={seed}&to={new}&view=side&only=changes")
    assert side.context["side"] is True  # type: ignore[attr-defined]
    assert side.text.count('<tr class="changed">') == 1
    assert side.text.count("<tr>") == 1  # only the header row besides the changed one


def test_blame_links_each_paragraph_to_its_change(client: TestClient, site: Site) -> None:
    revision = edit(site, "Van Anna.")
    response = client.get(f"/blame/{PAGE}")
    assert f'href="/change/{revision}"' in response.text


def test_recent_changes_and_one_change(client: TestClient, site: Site) -> None:
    revision = edit(site, "Iets nieuws.")
    response = client.get("/changes")
    assert response.context["window"].items[0].revision == revision  # type: ignore[attr-defined]
    change = client.get(f"/change/{revision}")
    assert change.status_code == 200
    assert change.context["diffs"][0].change.path == PAGE  # type: ignore[attr-defined]
    assert "Iets nieuws." in change.text


def test_bad_revisions_are_the_same_404_in_html_and_json(client: TestClient) -> None:
    for bad in ["HEAD", "0" * 40, "--output=x", "abc"]:
        assert client.get(f"/change/{bad}").status_code == 404
        assert client.get(f"/p/{PAGE}?revision={bad}").status_code == 404
        assert client.get(f"/compare/{PAGE}?from={bad}&to={bad}").status_code == 404
        response = client.get(f"/api/history/{PAGE}?before={bad}")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "message": "Die versie bestaat niet.", "request_id": ANY}


def test_feeds_are_valid_atom(client: TestClient, site: Site) -> None:
    revision = edit(site, "Voor de feed.", "Feed & <co>")
    for url in ["/atom/changes", f"/atom/p/{PAGE}"]:
        response = client.get(url)
        assert response.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)  # noqa: S314 (our own feed)
        assert feed.tag == f"{ATOM}feed"
        for tag in ("id", "title", "updated", "link"):
            assert feed.find(f"{ATOM}{tag}") is not None, tag
        entry = feed.find(f"{ATOM}entry")
        assert entry is not None
        for tag in ("id", "title", "updated", "link", "author"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
        assert entry.findtext(f"{ATOM}title") == "Feed & <co>"
        assert entry.findtext(f"{ATOM}id", "").endswith(f"/change/{revision}")
        assert ISO.fullmatch(entry.findtext(f"{ATOM}updated", ""))


def test_api_history_and_changes_shapes(client: TestClient, site: Site) -> None:
    revisions = [edit(site, f"API {n}.") for n in range(3)]
    site.pages.rename(PAGE, "grenzen", ANNA)
    first = client.get("/api/history/grenzen?limit=2").json()
    assert set(first) == {"revisions", "next"}
    assert set(first["revisions"][0]) == {"revision", "path", "author", "date", "message"}
    assert first["revisions"][1]["revision"] == revisions[2]
    assert first["revisions"][1]["path"] == PAGE
    assert ISO.fullmatch(first["revisions"][0]["date"])
    second = client.get(f"/api/history/grenzen?limit=2&before={first['next']}").json()
    assert [r["revision"] for r in second["revisions"]] == [revisions[1], revisions[0]]
    everything = client.get("/api/history/grenzen?limit=1000").json()
    assert len(everything["revisions"]) == 5
    assert everything["next"] is None
    changes = client.get("/api/changes?limit=1").json()
    assert set(changes["changes"][0]) == {"revision", "author", "date", "message", "paths"}
    assert changes["changes"][0]["paths"] == [PAGE, "grenzen"] or changes["changes"][0]["paths"] == ["grenzen"]
    by_anna = client.get("/api/changes", params={"author": ANNA.name}).json()["changes"]
    assert {c["author"] for c in by_anna} == {ANNA.name}
    assert client.get("/api/history/grenzen?limit=abc").status_code == 400


def test_editors_restore_undo_rename_delete_and_bring_back(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    seed = site.pages.get(PAGE)[0]
    edit(site, "Weg ermee.")

    def post(url: str, **data: str) -> str:
        response = client.post(url, data={"csrf_token": csrf_from(client.get("/").text), **data})
        assert response.status_code == 303, response.text
        return response.headers["location"]

    restored = client.get(post(f"/restore/{PAGE}", revision=seed.revision))
    assert restored.context["notice"].startswith("De pagina is teruggezet")  # type: ignore[attr-defined]
    assert site.pages.get(PAGE)[0].text == seed.text
    assert post(f"/rename/{PAGE}", new_name="grenzen", message="Korter").startswith("/p/grenzen")
    old_address = client.get(f"/p/{PAGE}")
    assert old_address.status_code == 301
    assert old_address.headers["location"] == "/p/grenzen"
    assert post("/delete/grenzen", message="Weg") == "/deleted"
    assert "grenzen" in client.get("/deleted").text
    assert post("/undelete/grenzen") == "/p/grenzen"
    assert client.get("/p/grenzen").status_code == 200


def test_maintainers_name_versions(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.MAINTAINER)
    token = csrf_from(client.get("/versions").text)
    response = client.post("/versions", data={"csrf_token": token, "display_name": "Versie 1.0"})
    assert response.status_code == 303
    edit(site, "Na de versie.")
    since = client.get("/versions/versie-1.0")
    assert [page.path for page in since.context["pages"]] == [PAGE]  # type: ignore[attr-defined]
    again = client.post("/versions", data={"csrf_token": token, "display_name": "Versie 1.0"})
    assert again.status_code == 409


def test_undo_is_offered_only_where_it_can_work(client: TestClient, auth: Auth, site: Site) -> None:
    """The creation row cannot be undone (restore a version instead), so it has no undo link; the
    other rows link to the undo page, which asks for a reason first."""
    auth.sign_in(Role.EDITOR)
    seed = site.pages.get(PAGE)[0].revision
    later = edit(site, "Weg te halen.")
    response = client.get(f"/history/{PAGE}")
    undo_links = re.findall(rf'<a href="/undo/{PAGE}\?revision=(\w+)">', response.text)
    assert undo_links == [later]
    assert seed not in undo_links


def test_an_undo_that_cannot_work_leads_back_to_the_history(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    seed = site.pages.get(PAGE)[0].revision
    token = csrf_from(client.get("/").text)
    response = client.post(f"/undo/{PAGE}", data={"csrf_token": token, "revision": seed})
    assert response.status_code == 409
    assert f'href="/history/{PAGE}"' in response.text


def test_comparing_a_page_with_one_version_says_so(client: TestClient, auth: Auth, site: Site) -> None:
    site.pages.save(EditRequest("enkel", "---\ntitle: Enkel\n---\nEén versie.\n", None, "", ANNA))
    history = client.get("/history/enkel")
    assert "Gekozen versies vergelijken" not in history.text
    first = site.pages.save(EditRequest("dubbel", "---\ntitle: Dubbel\n---\nEen.\n", None, "", ANNA))
    site.pages.save(EditRequest("dubbel", "---\ntitle: Dubbel\n---\nTwee.\n", first.revision, "", ANNA))
    assert "Gekozen versies vergelijken" in client.get("/history/dubbel").text  # the label is still this
    assert "maar één versie" in history.text
    only = history.context["window"].items[0].revision  # type: ignore[attr-defined]
    response = client.get(f"/compare/enkel?to={only}")
    assert response.status_code == 200
    assert "maar één versie" in response.text
    assert 'href="/history/enkel"' in response.text
    edit(site, "Een tweede versie.")
    assert client.get(f"/compare/{PAGE}?to={only}").status_code == 404  # two versions: choose both


def test_the_home_page_lets_feed_readers_discover_the_feeds(client: TestClient) -> None:
    head = client.get("/").text.split("</head>")[0]
    links = re.findall(r'<link rel="alternate" type="application/atom\+xml" href="([^"]+)"', head)
    assert links == ["/atom/changes", "/atom/proposals"]


def test_recent_changes_and_a_change_show_titles_and_short_ids(client: TestClient, site: Site) -> None:
    revision = edit(site, "Met een titel.")
    site.pages.save(EditRequest("weg", "---\ntitle: Tijdelijke pagina\n---\nKort.\n", None, "", ANNA))
    gone = site.pages.delete("weg", ANNA).revision
    changes = client.get("/changes").text
    assert f'<a href="/p/{PAGE}" lang="nl">Bepaal je eigen grenzen</a>' in changes
    assert f">{PAGE}</a>" not in changes
    change = client.get(f"/change/{revision}").text
    assert 'lang="nl">Bepaal je eigen grenzen</a>' in change
    assert f"<code>{revision}</code>" not in change
    assert f">{revision[:8]}</code>" in change
    assert f'value="{revision}" readonly' in change  # the full id, to copy
    deleted = client.get(f"/change/{gone}").text
    assert '<span lang="nl">Tijdelijke pagina</span> <span class="tag">verwijderd</span>' in deleted


def test_the_history_and_feed_of_a_page_never_read_its_text(
    client: TestClient, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both show the page's title from the index: reading one of thousands of pages' blobs
    from git for it made a page's history slower the bigger the wiki (issue #7's flatness)."""
    title = site.pages.get(PAGE)[0].title
    edit(site, "Nog een alinea.")

    def no_text(blob: str) -> str:
        raise AssertionError(f"read the text of {blob}")

    monkeypatch.setattr(site.pages, "text_of_blob", no_text)
    for path in (f"/history/{PAGE}?fresh=1", f"/atom/p/{PAGE}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert html.escape(title, quote=False) in response.text, path
    assert client.get("/history/geen-pagina?fresh=1").status_code == 404
