"""No blocking work on the event loop, and an edit saved in one trip.

The tripwire (``wiki.store.loopguard``) is on for every test (``tests/conftest.py``), so
each HTTP test would fail on a route that does git, SQL or Markdown work on the loop; these
tests show that it trips, that routes people use daily pass it, and what one edit returns.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.apart import run_apart
from tests.conftest import Auth, csrf_from
from wiki.errors import BadInput
from wiki.models import Author, Role, SaveResult
from wiki.services.pages import Conflicted, EditRequest
from wiki.services.site import Site
from wiki.store import loopguard
from wiki.store.loopguard import OnEventLoop
from wiki.web.app import MarksServingLoop

AUTHOR = Author("Bea Redacteur", "bea@users.wiki.invalid")


PAGE = "werk-is-persoonlijk"
BODY = "Inleiding.\n\n## Eerste\n\nalinea een\n\n## Tweede\n\nalinea twee\n"


def test_git_sql_and_markdown_on_the_event_loop_raise(site: Site) -> None:
    async def on_the_loop() -> list[str]:
        loopguard.serving()  # as the app marks the loop that serves it
        tripped = []
        works: list[tuple[str, Callable[[], object]]] = [
            ("git", lambda: site.pages.get(PAGE, site.repo.head())),
            ("sql", lambda: site.accounts.session_user("no-such-session")),
            ("markdown", lambda: site.renderer.render("# Kop")),
        ]
        for name, work in works:
            with pytest.raises(OnEventLoop):
                work()
            tripped.append(name)
        await run_in_threadpool(site.accounts.session_user, "no-such-session")  # the thread pool is fine
        return tripped

    assert run_apart(on_the_loop) == ["git", "sql", "markdown"]


def test_a_loop_that_serves_no_app_is_left_alone(site: Site) -> None:
    """Why: Playwright's sync API keeps a loop running in the test thread; the browser tests'
    own store calls there block no request, and tripped every later test before."""

    async def elsewhere() -> str:
        return site.pages.get(PAGE)[0].title

    assert run_apart(elsewhere)


def test_a_route_that_skips_the_thread_pool_fails_its_test(site: Site) -> None:
    async def careless(request: Request) -> PlainTextResponse:
        return PlainTextResponse(site.pages.get(PAGE)[0].title)

    async def careful(request: Request) -> PlainTextResponse:
        return PlainTextResponse((await run_in_threadpool(site.pages.get, PAGE))[0].title)

    app = Starlette(
        routes=[Route("/careless", careless), Route("/careful", careful)], middleware=[Middleware(MarksServingLoop)]
    )
    with TestClient(app) as client:
        assert client.get("/careful").status_code == 200
        with pytest.raises(OnEventLoop):
            client.get("/careless")


def test_signed_in_pages_and_the_api_pass_the_tripwire(client: TestClient, auth: Auth) -> None:
    auth.sign_in(Role.EDITOR)
    for address in ("/", f"/p/{PAGE}", f"/edit/{PAGE}", "/proposals", "/account", f"/discuss/{PAGE}"):
        assert client.get(address).status_code == 200, address
    headers = auth.token(Role.EDITOR, "script")
    assert client.get(f"/api/pages/{PAGE}", headers=headers).status_code == 200


def _page_with_sections(site: Site) -> str:
    page = site.pages.get(PAGE)[0]
    return site.pages.save(EditRequest(PAGE, BODY, page.revision, "", AUTHOR, page.title)).revision


def test_one_edit_puts_a_section_in_place_and_keeps_the_front_matter(site: Site) -> None:
    base = _page_with_sections(site)
    number = site.pages.get(PAGE)[0].number
    outcome = site.pages.edit(EditRequest(PAGE, "## Tweede\n\nalinea 2\n", base, "", AUTHOR, "Nieuwe titel", 2))
    assert isinstance(outcome, SaveResult)
    assert (outcome.changed, outcome.merged) == (True, False)
    page = site.pages.get(PAGE)[0]
    assert (page.title, page.number) == ("Nieuwe titel", number)
    assert page.body == BODY.replace("alinea twee", "alinea 2")


def test_an_overlapping_edit_comes_back_as_a_conflict_with_the_persons_whole_body(site: Site) -> None:
    base = _page_with_sections(site)
    title = site.pages.get(PAGE)[0].title
    first = site.pages.edit(EditRequest(PAGE, "## Tweede\n\nalinea A\n", base, "", AUTHOR, title, 2))
    assert isinstance(first, SaveResult)
    outcome = site.pages.edit(EditRequest(PAGE, "## Tweede\n\nalinea B\n", base, "", AUTHOR, title, 2))
    assert isinstance(outcome, Conflicted)
    assert outcome.current_revision == first.revision == site.repo.head()
    assert "alinea A" in (outcome.current_text or "")
    assert outcome.mine == BODY.replace("alinea twee", "alinea B")


def test_a_section_that_is_gone_and_an_empty_title_are_refused(site: Site) -> None:
    base = _page_with_sections(site)
    head = site.repo.head()
    with pytest.raises(BadInput):
        site.pages.edit(EditRequest(PAGE, "## Zesde\n", base, "", AUTHOR, "Titel", 6))
    with pytest.raises(BadInput):
        site.pages.edit(EditRequest(PAGE, "tekst\n", base, "", AUTHOR, "  "))
    assert site.repo.head() == head


def test_saving_a_section_in_the_browser_form_forgets_the_draft(site: Site, client: TestClient, auth: Auth) -> None:
    user = auth.sign_in(Role.EDITOR)
    base = _page_with_sections(site)
    title = site.pages.get(PAGE)[0].title
    site.drafts.save(user, PAGE, title, "halve tekst", base)
    form = client.get(f"/edit/{PAGE}?section=1")
    data = {"csrf_token": csrf_from(form.text), "title": title, "body": "## Eerste\n\nalinea 1\n"}
    response = client.post(f"/edit/{PAGE}", data={**data, "base": base, "section": "1", "message": ""})
    assert response.status_code == 303
    assert site.pages.get(PAGE)[0].body == BODY.replace("alinea een", "alinea 1")
    assert site.drafts.get(user, PAGE) is None
