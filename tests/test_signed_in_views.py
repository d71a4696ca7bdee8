"""Signed-in people get kept pages too: made once per role, their own parts filled in.

A page, its history or a comparison is rendered once for everyone of a role
(``wiki.web.personal``); each person's name, bell, watch buttons and form token go into
its holes per request.  These tests check that the next view does no work again (one trip
to the thread pool, no Markdown, no template), that nobody sees another person's parts,
and that a save shows at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from
from wiki.models import Role, User
from wiki.services.accounts import commit_author
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.web import i18n, session, templating

PAGE = "werk-is-persoonlijk"
_BELL = re.compile(r'class="bell__count" aria-hidden="true">(\d+)<')
_NAME = re.compile(r'<a href="/account" class="who[^"]*">([^<]*)</a>')


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What any part of the app runs in the thread pool, in order."""
    made: list[str] = []
    original = anyio.to_thread.run_sync

    async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        called = getattr(func, "func", func)  # run_in_threadpool hands a functools.partial
        made.append(getattr(called, "__name__", type(called).__name__))
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return made


@pytest.fixture
def translated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message the Dutch catalog is asked for."""
    asked: list[str] = []
    catalog = i18n._TRANSLATIONS["nl"]
    original = catalog.gettext

    def counting(message: str) -> str:
        asked.append(message)
        return original(message)

    monkeypatch.setattr(catalog, "gettext", counting)
    return asked


def _signed_in(auth: Auth, role: Role, username: str | None = None) -> User:
    """Sign in and see the "signed in" notice, so the next pages have none."""
    user = auth.sign_in(role, username)
    auth.client.get("/privacy")
    return user


def _session(client: TestClient) -> str:
    return str(client.cookies["wiki_session"])


def _edit(site: Site, user: User, line: str) -> None:
    page = site.pages.get(PAGE)[0]
    site.edits.save(user, EditRequest(PAGE, page.body + f"\n{line}\n", page.revision, "", commit_author(user)))


def test_a_kept_view_seen_again_at_once_makes_no_trip_and_renders_nothing_again(
    client: TestClient, auth: Auth, site: Site, trips: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _signed_in(auth, Role.EDITOR)
    old = site.history.page_history(PAGE).items[-1].revision
    addresses = [f"/p/{PAGE}", f"/p/{PAGE}?revision={old}", f"/history/{PAGE}", "/changes"]
    first = {address: client.get(address).text for address in addresses}
    markdown: list[str] = []
    rendered: list[str] = []
    render_markdown = site.renderer._md.render
    respond = templating.TEMPLATES.TemplateResponse

    def markdown_rendered(text: str, env: Any = None) -> Any:
        markdown.append(text)
        return render_markdown(text, env)

    def template_rendered(*args: Any, **kwargs: Any) -> Any:
        rendered.append(args[1])
        return respond(*args, **kwargs)

    monkeypatch.setattr(site.renderer._md, "render", markdown_rendered)
    monkeypatch.setattr(templating.TEMPLATES, "TemplateResponse", template_rendered)
    for address in addresses:
        trips.clear()
        again = client.get(address)
        assert again.status_code == 200
        assert again.text == first[address]
        assert trips == [], (address, trips)  # who it is and the edition were believed a moment ago
    assert markdown == []
    assert rendered == []


def test_a_history_translates_its_labels_and_makes_its_form_token_once(
    client: TestClient, auth: Auth, site: Site, translated: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = _signed_in(auth, Role.EDITOR)
    for number in range(12):
        _edit(site, editor, f"Zin {number}.")
    tokens: list[str] = []

    def token_made(request: Request) -> str:
        tokens.append("made")
        return session.csrf_token(request)

    monkeypatch.setattr(templating, "csrf_token", token_made)
    translated.clear()
    first = client.get(f"/history/{PAGE}")
    assert first.text.count('name="from"') == 13
    assert translated.count("Compare from the version of %(date)s") == 1  # not once per row
    assert tokens == ["made"]
    translated.clear()
    tokens.clear()
    page = client.get(f"/p/{PAGE}")  # the sign-out form and the watch button: one token
    assert page.text.count(f'value="{csrf_from(page.text)}"') == 2
    assert tokens == ["made"]
    translated.clear()
    tokens.clear()
    assert client.get(f"/history/{PAGE}").text == first.text
    assert "Compare from the version of %(date)s" not in translated  # the rows were kept
    assert "History: %(title)s" not in translated
    assert tokens == ["made"]


def test_each_person_sees_their_own_name_bell_watch_and_token(client: TestClient, auth: Auth, site: Site) -> None:
    anna = _signed_in(auth, Role.EDITOR, "anna")
    anna_session = _session(client)
    client.cookies.clear()
    bert = _signed_in(auth, Role.EDITOR, "bert")
    bert_session = _session(client)
    site.database.watch(bert.id, "page", PAGE)
    _edit(site, auth.user(Role.MAINTAINER, "cor"), "Van Cor.")  # Bert watches the page: he is told
    site.notifier.settle()
    shown = {}
    for who, cookie in (("anna", anna_session), ("bert", bert_session), ("anna", anna_session)):
        client.cookies.clear()
        client.cookies.set("wiki_session", cookie)
        shown[who] = client.get(f"/p/{PAGE}").text
    anna_page, bert_page = shown["anna"], shown["bert"]
    assert _NAME.findall(anna_page) == [anna.display_name]
    assert _NAME.findall(bert_page) == [bert.display_name]
    assert _BELL.findall(anna_page) == []
    assert _BELL.findall(bert_page) == ["1"]
    assert '<input type="hidden" name="watch" value="yes">' in anna_page
    assert '<input type="hidden" name="watch" value="no">' in bert_page
    assert csrf_from(anna_page) == site.accounts.csrf_token(anna_session)
    assert csrf_from(bert_page) == site.accounts.csrf_token(bert_session)


def test_each_role_sees_its_own_buttons(client: TestClient, auth: Auth) -> None:
    _signed_in(auth, Role.EDITOR, "redacteur")
    assert f'href="/edit/{PAGE}"' in client.get(f"/p/{PAGE}").text
    client.cookies.clear()
    _signed_in(auth, Role.CONTRIBUTOR, "bijdrager")
    page = client.get(f"/p/{PAGE}").text
    assert f'href="/edit/{PAGE}"' not in page
    assert f'href="/propose/{PAGE}"' in page


def test_a_save_shows_at_once_to_the_editor(client: TestClient, auth: Auth, site: Site) -> None:
    _signed_in(auth, Role.EDITOR)
    rows = client.get(f"/history/{PAGE}").text.count('name="from"')
    before = client.get(f"/p/{PAGE}")
    assert "Net opgeslagen." not in before.text
    page = site.pages.get(PAGE)[0]
    fields = {"csrf_token": csrf_from(before.text), "title": page.title, "body": page.body + "\nNet opgeslagen.\n"}
    answer = client.post(f"/edit/{PAGE}", data={**fields, "base": page.revision})
    assert answer.status_code == 303
    assert "Net opgeslagen." in client.get(f"/p/{PAGE}").text  # with the notice: made for this view
    assert "Net opgeslagen." in client.get(f"/p/{PAGE}").text  # then kept, of the new commit
    assert client.get(f"/history/{PAGE}").text.count('name="from"') == rows + 1
