"""A proposal page is kept whole for anonymous readers, by its edition: a reader of a kept copy
costs no rendering; a revision, a decision step or a commit on main shows at once, a comment,
a support or a day passing within the moment an edition is believed, whoever made it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD
from wiki.models import Role, User
from wiki.services import beliefs
from wiki.services.accounts import commit_author
from wiki.services.pages import EditRequest
from wiki.services.site import Site, open_site
from wiki.web import templating

PAGE = "neem-initiatief"


@pytest.fixture
def anna(site: Site) -> User:
    """Why: proposals, comments and supports are somebody's."""
    return site.accounts.add_user("anna", PASSWORD, Role.EDITOR, "anna@example.nl", "Anna")


@pytest.fixture
def number(site: Site, anna: User) -> int:
    """Why: the proposal whose page is read."""
    page = site.pages.get(PAGE)[0]
    return site.proposals.create(anna, "Korter", "Het kan korter.", [(PAGE, page.text + "\nKort gezegd.\n")]).id


@pytest.fixture
def templates(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Why: which templates were rendered, to tell a kept page from one made anew."""
    rendered: list[str] = []
    respond = templating.TEMPLATES.TemplateResponse

    def counting(*args: Any, **kwargs: Any) -> Any:
        rendered.append(args[1])
        return respond(*args, **kwargs)

    monkeypatch.setattr(templating.TEMPLATES, "TemplateResponse", counting)
    return rendered


def moment_passes(site: Site) -> None:
    """Move this process's beliefs of proposal editions past their moment."""
    later = site.proposal_editions.believed.clock() + beliefs.SECONDS
    site.proposal_editions.believed.clock = lambda: later


def test_a_second_reader_of_a_proposal_page_gets_the_kept_copy(
    client: TestClient, number: int, templates: list[str]
) -> None:
    first = client.get(f"/proposals/{number}")
    assert first.status_code == 200
    assert "etag" in first.headers
    assert templates == ["proposal.html"]
    again = client.get(f"/proposals/{number}")
    assert again.content == first.content
    assert templates == ["proposal.html"]  # not rendered again
    assert client.get(f"/proposals/{number}", headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def test_a_revision_shows_at_once(client: TestClient, site: Site, number: int, anna: User) -> None:
    client.get(f"/proposals/{number}")
    proposal = site.proposals.get(number)
    site.proposals.revise(
        number, anna, [(PAGE, "# Neem initiatief\n\nNog korter.\n")], "korter", proposal.head_revision
    )
    assert "Nog korter." in client.get(f"/proposals/{number}").text


def test_a_commit_on_main_shows_at_once(client: TestClient, site: Site, number: int, anna: User) -> None:
    assert not client.get(f"/proposals/{number}").context["main_moved"]  # type: ignore[attr-defined]
    page = site.pages.get("bepaal-je-eigen-grenzen")[0]
    site.pages.save(EditRequest(page.path, page.text + "\nElders.\n", page.revision, "elders", commit_author(anna)))
    again = client.get(f"/proposals/{number}")
    assert again.context["main_moved"]  # type: ignore[attr-defined]


def test_a_comment_and_a_support_show_within_the_moment(
    client: TestClient, site: Site, number: int, anna: User
) -> None:
    client.get(f"/proposals/{number}")
    site.discussion.add(f"proposal:{number}", anna, "Goed idee, kort is beter.")
    site.process.support(number, anna)
    moment_passes(site)
    page = client.get(f"/proposals/{number}")
    assert "Goed idee, kort is beter." in page.text
    assert page.context["standing"].supports is False  # type: ignore[attr-defined]
    assert [row.username for row in page.context["supporters"]] == ["anna"]  # type: ignore[attr-defined]


@pytest.fixture
def other_process(site: Site) -> Iterator[Site]:
    """Why: a second instance on the same repository and database."""
    other = open_site(site.settings)
    yield other
    other.close()


def test_a_comment_made_by_another_process_shows_within_the_moment(
    client: TestClient, site: Site, number: int, anna: User, other_process: Site
) -> None:
    kept = client.get(f"/proposals/{number}")
    other_process.discussion.add(f"proposal:{number}", anna, "Van de andere kant.")
    moment_passes(site)
    again = client.get(f"/proposals/{number}")
    assert again.headers["etag"] != kept.headers["etag"]
    assert "Van de andere kant." in again.text


def test_the_days_left_follow_the_clock(client: TestClient, site: Site, number: int) -> None:
    now = time.time()
    site.process.clock = lambda: now
    site.proposals.start_deadline(number, now, 3)  # as reaching the support threshold does
    client.get(f"/proposals/{number}")
    assert "(nog 3 dagen)" in client.get(f"/proposals/{number}").text
    site.process.clock = lambda: now + 2 * 86400
    moment_passes(site)
    assert "(nog 1 dag)" in client.get(f"/proposals/{number}").text


def test_no_copy_is_kept_of_a_proposal_that_is_not_there(client: TestClient, site: Site) -> None:
    for address in ("/proposals/999", "/proposals/²", "/proposals/0012345678901"):
        assert client.get(address).status_code == 404
    assert len(site.proposal_editions.believed._kept) == 0
