"""Kept pages survive commits that do not touch them: a save drops only the pages it changes
(the page, pages whose links or backlinks it changes, the lists), from here or from elsewhere."""

from __future__ import annotations

import random
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth
from wiki.models import Author, Role
from wiki.names import page_file
from wiki.services.accounts import commit_author
from wiki.services.keeping import Stale
from wiki.services.pages import EditRequest
from wiki.services.render import Renderer
from wiki.services.site import Site, open_site
from wiki.web.readers import ReaderCache

AUTHOR = Author("Schrijver", "s@users.wiki.invalid")
WATCHED = "neem-initiatief"  # principle 8: after 7 and before 9, links to al-het-grote-..., linked from over
UNRELATED = "bepaal-je-eigen-grenzen"  # principle 2: links only to zorg-dat-anderen-mee-kunnen-doen
ASIDE = "het-kan-altijd-nog-duidelijker-en-nog-simpeler"  # principle 5: none of the tests' saves touch it


def still_kept(client: TestClient, before: Any, renders: list[str]) -> bool:
    """Whether ``ASIDE``, read as ``before``, is answered from the kept copy."""
    again = client.get(f"/p/{ASIDE}")
    return again.headers["etag"] == before.headers["etag"] and ASIDE not in renders


def save(site: Site, name: str, change: str = "\nEen nieuwe alinea.\n", *, text: str | None = None) -> str:
    """Save page ``name`` with ``change`` added (or as ``text``, new when it does not exist)."""
    found = site.index.get(name)
    if found is None:
        assert text is not None
        return site.pages.save(EditRequest(name, text, None, "nieuw", AUTHOR)).revision
    page = site.pages.get(name)[0]
    return site.pages.save(EditRequest(name, text or page.text + change, page.revision, "edit", AUTHOR)).revision


def test_a_save_leaves_the_kept_pages_it_does_not_touch_and_renews_its_own(
    client: TestClient, site: Site, renders: list[str]
) -> None:
    watched = client.get(f"/p/{WATCHED}")
    client.get(f"/p/{UNRELATED}")
    renders.clear()
    save(site, UNRELATED, "\nEen zin die niemand eerder las.\n")
    again = client.get(f"/p/{WATCHED}")
    assert again.content == watched.content
    assert again.headers["etag"] == watched.headers["etag"]
    assert renders == []  # served as kept, not rendered again
    assert "Een zin die niemand eerder las." in client.get(f"/p/{UNRELATED}").text
    assert renders == [UNRELATED]
    assert client.get(f"/p/{WATCHED}", headers={"If-None-Match": watched.headers["etag"]}).status_code == 304


def test_a_page_linking_to_a_new_page_loses_its_red_link(client: TestClient, site: Site, renders: list[str]) -> None:
    aside = client.get(f"/p/{ASIDE}")
    renders.clear()
    save(site, UNRELATED, "\nZie ook [[Nieuwe Werkwijze]].\n")
    before = client.get(f"/p/{UNRELATED}").text
    assert 'class="wikilink missing">Nieuwe Werkwijze' in before
    assert client.get(f"/p/{UNRELATED}").text == before  # kept
    save(site, "nieuwe-werkwijze", text="---\ntitle: Nieuwe Werkwijze\n---\nZo werken we nu.\n")
    after = client.get(f"/p/{UNRELATED}").text
    assert 'href="/p/nieuwe-werkwijze" class="wikilink">Nieuwe Werkwijze' in after
    assert still_kept(client, aside, renders)


def test_a_page_that_gains_a_link_shows_up_in_the_backlinks_of_the_page_it_links_to(
    client: TestClient, site: Site, renders: list[str]
) -> None:
    aside = client.get(f"/p/{ASIDE}")
    renders.clear()

    def backlinks() -> str:
        html = client.get("/p/werk-is-persoonlijk").text
        return html.split('class="backlinks"', 1)[1] if 'class="backlinks"' in html else ""

    assert f'href="/p/{UNRELATED}"' not in backlinks()
    save(site, UNRELATED, "\nZoals [Werk is persoonlijk](werk-is-persoonlijk) zegt.\n")
    assert f'href="/p/{UNRELATED}"' in backlinks()
    page = site.pages.get(UNRELATED)[0]
    save(site, UNRELATED, text=page.text.replace("(werk-is-persoonlijk)", "(over)"))
    assert f'href="/p/{UNRELATED}"' not in backlinks()  # and loses it again
    assert still_kept(client, aside, renders)


def test_a_retitled_principle_is_retitled_next_door(client: TestClient, site: Site, renders: list[str]) -> None:
    """Principle 8 shows 7 and 9 by title: renaming 9's title shows in 8 kept before."""
    aside = client.get(f"/p/{ASIDE}")
    renders.clear()
    assert "Ga voor oplossingen" in client.get(f"/p/{WATCHED}").text
    page = site.pages.get("ga-voor-oplossingen-en-resultaten")[0]
    save(site, page.path, text=page.text.replace("title: Ga voor oplossingen", "title: Kies voor oplossingen", 1))
    assert "Kies voor oplossingen" in client.get(f"/p/{WATCHED}").text
    assert still_kept(client, aside, renders)


def test_recent_changes_and_the_page_history_show_the_new_save(client: TestClient, site: Site) -> None:
    client.get("/changes")
    history = client.get(f"/history/{UNRELATED}").text
    other_history = client.get(f"/history/{WATCHED}")
    revision = save(site, UNRELATED)
    assert revision[:7] in client.get("/changes").text
    assert client.get(f"/history/{UNRELATED}").text != history
    assert client.get(f"/history/{WATCHED}").headers["etag"] == other_history.headers["etag"]


def test_a_commit_from_elsewhere_drops_what_it_changes_when_it_is_taken_in(
    client: TestClient, site: Site, renders: list[str]
) -> None:
    """A push (or a replica's fetch) moves the branch under the wiki: the next reader makes
    the index take it in, which drops the page it changed, and nothing else."""
    client.get(f"/p/{WATCHED}")
    unrelated = client.get("/p/werk-is-persoonlijk")
    text = site.pages.get(WATCHED)[0].text + "\nVan buiten de wiki.\n"
    with site.repo.writer():
        head = site.repo.head()
        assert head is not None
        tree = site.repo.build_tree(head, {page_file(WATCHED): text.encode()})
        moved = site.repo.move_branch(site.repo.write_commit(tree, [head], AUTHOR, "push", 1_700_000_000), head)
        assert moved
    renders.clear()
    assert "Van buiten de wiki." in client.get(f"/p/{WATCHED}").text  # no refresh asked: the reader's request
    assert client.get("/p/werk-is-persoonlijk").content == unrelated.content
    assert renders == [WATCHED]


def test_an_erased_account_vanishes_from_kept_pages_a_later_save_did_not_touch(
    client: TestClient, site: Site, auth: Auth
) -> None:
    person = auth.user(Role.EDITOR, "verdwijner")
    author = commit_author(person)
    page = site.pages.get(WATCHED)[0]
    site.pages.save(EditRequest(WATCHED, page.text + "\nMijn zin.\n", page.revision, "mijn edit", author))
    client.cookies.clear()
    assert author.name in client.get(f"/history/{WATCHED}").text
    save(site, UNRELATED)
    site.accounts.delete_account(person, PASSWORD)
    assert author.name not in client.get(f"/history/{WATCHED}").text


def test_a_rebuilt_index_drops_every_kept_page(client: TestClient, site: Site, renders: list[str]) -> None:
    client.get(f"/p/{WATCHED}")
    with site.repo.writer():
        site.index._clear()  # as a non-fast-forward push makes it (rebuilt from git)
        site.index.catch_up()
    renders.clear()
    client.get(f"/p/{WATCHED}")
    assert renders == [WATCHED]


def test_a_page_rendered_while_a_change_broke_what_it_needs_is_not_kept() -> None:
    """It may show the wiki from before that change: the next reader gets a new one."""
    cache = ReaderCache()
    seen = cache.epoch  # a view starts reading the wiki
    cache.drop(frozenset({"page:a"}))  # a save of page a is committed meanwhile
    assert cache.put(("/p/a", "nl", "0.0"), b"oud", frozenset({"page:a"}), seen) is None
    assert cache.put(("/p/b", "nl", "0.0"), b"ander", frozenset({"page:b"}), seen) is not None
    cache.drop(None)
    assert cache.put(("/p/b", "nl", "0.0"), b"ander", frozenset({"page:b"}), seen) is None
    assert len(cache) == 0


def test_the_caches_hold_no_more_memory_than_their_budget() -> None:
    cache = ReaderCache(budget=50_000)
    for number in range(100):
        body = random.Random(number).randbytes(2_000)  # as large gzipped
        page = cache.put((f"/p/{number}", "nl", "0.0"), body, frozenset({f"page:{number}"}), cache.epoch)
        assert page is not None
        assert page.body == body
        assert cache.bytes <= cache.budget
    assert 10 < len(cache) < 25  # the kept bytes and what holds them count
    renderer = Renderer(budget=100_000)
    for number in range(200):
        renderer.render(f"Alinea {number}: " + "woord " * 200, key=f"blob{number}")
        assert renderer.cache.bytes <= renderer.cache.budget
    assert renderer.cache.bytes > 50_000


def test_a_save_succeeds_and_drops_every_kept_page_when_what_it_changed_cannot_be_worked_out(
    client: TestClient, site: Site, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get(f"/p/{WATCHED}")
    working_out = site.keeping._stale

    def broken(touched: frozenset[str] | None) -> Stale:
        if touched is not None:
            raise OSError("the index file cannot be read")
        return working_out(touched)

    monkeypatch.setattr(site.keeping, "_stale", broken)
    save(site, UNRELATED)  # no exception: saved
    assert "Een nieuwe alinea." in site.pages.get(UNRELATED)[0].text
    renders.clear()
    client.get(f"/p/{WATCHED}")
    assert renders == [WATCHED]


def test_a_save_by_another_process_sharing_the_index_drops_what_it_changes_here(
    client: TestClient, site: Site, renders: list[str]
) -> None:
    """Another worker (its own site on the same repository and index file) saves: its index
    step is not this process's, yet the page it changed is not served from here as it was."""
    client.get(f"/p/{WATCHED}")
    aside = client.get(f"/p/{ASIDE}")
    other = open_site(site.settings)
    try:
        page = other.pages.get(WATCHED)[0]
        other.pages.save(EditRequest(WATCHED, page.text + "\nVan een andere werker.\n", page.revision, "e", AUTHOR))
    finally:
        other.close()
    renders.clear()
    assert "Van een andere werker." in client.get(f"/p/{WATCHED}").text
    assert still_kept(client, aside, renders)
