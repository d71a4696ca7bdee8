"""What anonymous readers get fast: whole pages kept per commit, 304s, gzip, and static files
under hashed addresses; and what signed-in people never get from there."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth
from wiki.config import Settings
from wiki.models import Author, Role
from wiki.services.accounts import commit_author
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.web import readers
from wiki.web.app import create_app
from wiki.web.readers import ReaderCache
from wiki.web.static import STATIC

PAGE = "/p/neem-initiatief"


def test_a_second_reader_gets_the_kept_page_until_the_next_commit(
    client: TestClient, site: Site, renders: list[str]
) -> None:
    first = client.get(PAGE)
    rendered = len(renders)
    second = client.get(PAGE)
    assert second.status_code == 200
    assert second.content == first.content
    assert len(renders) == rendered  # not rendered again
    assert second.headers["content-security-policy"] == first.headers["content-security-policy"]
    page = site.pages.get("neem-initiatief")[0]
    author = Author("Schrijver", "s@users.wiki.invalid")
    site.pages.save(EditRequest(page.path, page.text + "\nEen nieuwe alinea.\n", page.revision, "edit", author))
    assert "Een nieuwe alinea." in client.get(PAGE).text


def test_a_browser_that_has_the_page_gets_304(client: TestClient) -> None:
    first = client.get(PAGE)
    tag = first.headers["etag"]
    again = client.get(PAGE, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    client.cookies.set("wiki_lang", "en")
    english = client.get(PAGE, headers={"If-None-Match": tag})
    assert english.status_code == 200  # another language is another page


def test_kept_pages_follow_the_language(client: TestClient) -> None:
    dutch = client.get(PAGE).text
    client.cookies.set("wiki_lang", "en")
    client.get(PAGE)
    english = client.get(PAGE).text
    assert 'lang="nl"' in dutch.split(">", 2)[1]
    assert 'lang="en"' in english.split(">", 2)[1]
    assert english != dutch


def test_readers_get_gzip_and_the_same_text(client: TestClient) -> None:
    plain = client.get(PAGE, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    for _ in range(2):  # a first render and a kept page alike
        packed = client.get(PAGE, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["vary"]
        assert packed.text == plain.text
    assert client.get("/changes", headers={"Accept-Encoding": "gzip"}).headers["content-encoding"] == "gzip"


def test_signed_in_people_get_their_own_page_uncompressed_and_unstored(
    client: TestClient, auth: Auth, renders: list[str]
) -> None:
    client.get(PAGE)
    client.get(PAGE)
    rendered = len(renders)
    auth.sign_in(Role.EDITOR, "redacteur")
    mine = client.get(PAGE, headers={"Accept-Encoding": "gzip"})
    assert len(renders) > rendered or "redacteur" in mine.text
    assert "content-encoding" not in mine.headers
    assert mine.headers["cache-control"] == "no-store"
    assert "etag" not in mine.headers


def test_static_files_have_hashed_addresses_kept_for_a_year(client: TestClient, auth: Auth) -> None:
    html = client.get(PAGE).text
    address = re.search(r'href="(/static/wiki\.css\?v=[0-9a-f]{16})"', html)
    assert address, "the style sheet has no hashed address"
    styles = client.get(address.group(1))
    assert styles.status_code == 200
    assert styles.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get("/static/wiki.css").headers["cache-control"] == "no-cache"
    assert client.get("/static/wiki.css?v=0000000000000000").headers["cache-control"] == "no-cache"
    auth.sign_in(Role.EDITOR)
    assert client.get(address.group(1)).headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get("/static/wiki.css").headers["cache-control"] == "no-store"


def test_pages_are_kept_for_readers_soon_after_start_up(settings: Settings) -> None:
    with TestClient(create_app(settings), headers={"Accept-Encoding": "identity"}) as client:
        warming = client.app_state["warming"]

        async def warmed() -> None:
            await warming

        client.portal.call(warmed)  # type: ignore[union-attr]
        assert client.get("/healthz").json() == {"ok": True, "warm": True}
        site: Site = client.app_state["site"]
        cache = client.app_state["reader_cache"]
        names = [page.path for page in site.pages.list_pages()]
        assert names
        assert all(cache.get((f"/p/{name}", "nl", "0.0")) is not None for name in names)
        page = client.get(f"/p/{names[0]}")
        assert page.content == cache.get((f"/p/{names[0]}", "nl", "0.0")).body


def test_history_comparisons_and_changes_are_kept_for_readers_too(client: TestClient, site: Site) -> None:
    page = site.pages.get("neem-initiatief")[0]
    author = Author("Schrijver", "s@users.wiki.invalid")
    new = site.pages.save(EditRequest(page.path, page.text + "\nNog een zin.\n", page.revision, "e", author))
    for url in [
        "/history/neem-initiatief",
        f"/compare/neem-initiatief?from={page.revision}&to={new.revision}",
        "/changes",
        f"/change/{new.revision}",
        f"/p/neem-initiatief?revision={page.revision}",
    ]:
        first = client.get(url)
        assert first.status_code == 200, url
        again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304, url
        assert client.get(url).content == first.content


def test_an_erased_account_vanishes_from_kept_pages(client: TestClient, site: Site, auth: Auth) -> None:
    person = auth.user(Role.EDITOR, "verdwijner")
    page = site.pages.get("neem-initiatief")[0]
    author = commit_author(person)
    site.pages.save(EditRequest(page.path, page.text + "\nMijn zin.\n", page.revision, "mijn edit", author))
    client.cookies.clear()
    assert author.name in client.get("/changes").text
    assert author.name in client.get("/history/neem-initiatief").text
    site.accounts.delete_account(person, PASSWORD)
    assert author.name not in client.get("/changes").text
    assert author.name not in client.get("/history/neem-initiatief").text


def test_addresses_with_other_query_parameters_are_answered_but_never_kept(client: TestClient) -> None:
    for number in range(3):
        junk = client.get(f"{PAGE}?fill={number}")
        assert junk.status_code == 200
        assert "etag" not in junk.headers
    assert "etag" not in client.get(f"{PAGE}?notice=saved").headers
    assert "etag" in client.get(f"{PAGE}?revision=").headers


def test_kept_pages_stay_within_their_byte_budget() -> None:
    cache = ReaderCache(budget=10_000)
    for number in range(20):
        body = random.Random(number).randbytes(3_000)  # as large gzipped
        cache.put((f"/p/{number}", "nl", "0.0"), body, frozenset({f"page:{number}"}), cache.epoch)
        assert cache.bytes <= cache.budget
    kept = [number for number in range(20) if cache.get((f"/p/{number}", "nl", "0.0")) is not None]
    assert kept == [18, 19]  # the newest that fit in 10,000 bytes of memory (not only of bodies)


def test_only_kept_addresses_answer_304(client: TestClient) -> None:
    tag = client.get(PAGE).headers["etag"]
    assert client.get("/search?q=open", headers={"If-None-Match": tag}).status_code == 200
    assert client.get("/all", headers={"If-None-Match": tag}).status_code == 200


def test_a_page_kept_by_a_browser_is_sent_again_when_the_time_zone_changes(site: Site) -> None:
    """Its dates would be wrong: the validator names the time zone (and the release)."""
    tags = {}
    for zone in ("Europe/Amsterdam", "UTC"):
        app = create_app(dataclasses.replace(site.settings, timezone=zone), site=site)
        with TestClient(app, headers={"Accept-Encoding": "identity"}) as client:
            first = client.get(PAGE)
            tags[zone] = first.headers["etag"]
            assert client.get(PAGE, headers={"If-None-Match": tags[zone]}).status_code == 304
            if zone == "UTC":
                stale = client.get(PAGE, headers={"If-None-Match": tags["Europe/Amsterdam"]})
                assert stale.status_code == 200
    assert tags["UTC"] != tags["Europe/Amsterdam"]


def test_a_new_static_file_changes_the_validator_of_kept_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept pages link to static files by their hash; a browser must not keep the old links."""
    before = readers._edition("Europe/Amsterdam")
    monkeypatch.setitem(STATIC.hashes, "wiki.css", "0" * 16)
    readers._edition.cache_clear()
    try:
        assert readers._edition("Europe/Amsterdam") != before
    finally:
        readers._edition.cache_clear()


def test_the_reader_edition_is_known_without_store_work_only_while_it_holds(site: Site) -> None:
    """Why: the front answers kept pages without a thread-pool hop while the branch and the
    names are as last read; a save or an erasure here makes it ask again."""
    assert site.known_reader_edition() is None  # nothing read yet
    edition = site.reader_edition()
    assert edition is not None
    assert site.known_reader_edition() == edition
    page = site.pages.get("neem-initiatief")[0]
    author = Author("Anna de Vries", "anna@users.wiki.invalid")
    site.pages.save(EditRequest("neem-initiatief", page.text + "\nMeer.\n", page.revision, "meer", author))
    assert site.known_reader_edition() is None  # the branch moved
    assert site.reader_edition() is not None
    assert site.known_reader_edition() is not None
    gone = site.accounts.add_user("vertrekker", PASSWORD, Role.CONTRIBUTOR)
    site.accounts.delete_account(gone, PASSWORD)
    assert site.known_reader_edition() is None  # an erasure changes the names pages show
