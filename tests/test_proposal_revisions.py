"""Each revision of a proposal has a page of its own with what it changed; the proposal page
lists the revisions with a link to each, so it weighs the same however often it was revised."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD
from wiki.models import Role, User
from wiki.services.site import Site

PAGE = "neem-initiatief"


@pytest.fixture
def anna(site: Site) -> User:
    """Why: proposals are somebody's."""
    return site.accounts.add_user("anna", PASSWORD, Role.EDITOR, "anna@example.nl", "Anna")


@pytest.fixture
def revised(site: Site, anna: User) -> tuple[int, list[str]]:
    """Why: a proposal revised once, and its two revisions, oldest first."""
    page = site.pages.get(PAGE)[0]
    proposal = site.proposals.create(anna, "Korter", "Het kan korter.", [(PAGE, page.text + "\nKort gezegd.\n")])
    again = site.proposals.revise(
        proposal.id, anna, [(PAGE, page.text + "\nNog korter gezegd.\n")], "Nog korter", proposal.head_revision
    )
    return proposal.id, [proposal.head_revision, again.head_revision]


def test_the_proposal_page_links_each_revision_instead_of_showing_its_diff(
    client: TestClient, revised: tuple[int, list[str]]
) -> None:
    number, revisions = revised
    page = client.get(f"/proposals/{number}").text
    section = page[page.index('id="revisions-heading"') : page.index('id="suggestions-heading"')]
    for revision in revisions:
        assert f'href="/proposals/{number}/revisions/{revision}"' in section
    assert "<ins>" not in section
    assert "<del>" not in section


def test_a_revision_page_shows_what_that_revision_changed(client: TestClient, revised: tuple[int, list[str]]) -> None:
    number, (first, second) = revised
    page = client.get(f"/proposals/{number}/revisions/{second}")
    assert page.status_code == 200
    assert "Versie 2 van 2" in page.text
    added = page.text[page.text.index("<ins>") :]
    removed = page.text[page.text.index("<del>") :]
    assert "Nog korter" in added[: added.index("</ins>")]  # what this revision wrote
    assert "Kort" in removed[: removed.index("</del>")]  # what it took out of the first
    assert f'href="/proposals/{number}/revisions/{first}"' in page.text  # the one before
    assert page.context["changes"].next is None  # type: ignore[attr-defined]
    earlier = client.get(f"/proposals/{number}/revisions/{first}")
    assert "Versie 1 van 2" in earlier.text
    assert earlier.context["changes"].previous is None  # type: ignore[attr-defined]
    assert f'href="/proposals/{number}/revisions/{second}"' in earlier.text  # the one after


def test_a_commit_that_is_not_the_proposals_is_not_found_in_the_readers_language(
    client: TestClient, site: Site, revised: tuple[int, list[str]], anna: User
) -> None:
    number, (first, _) = revised
    main = site.repo.head()
    assert main is not None
    other = site.proposals.create(anna, "Anders", "Iets anders.", [("iets-nieuws", "# Iets nieuws\n\nNieuw.\n")])
    for address in (
        f"/proposals/{number}/revisions/{main}",  # a commit of main
        f"/proposals/{number}/revisions/{other.head_revision}",  # another proposal's
        f"/proposals/{other.id}/revisions/{first}",  # and the other way round
        f"/proposals/{number}/revisions/{'0' * 40}",  # no commit at all
        f"/proposals/{number}/revisions/HEAD",  # not a commit id
        f"/proposals/{number}/revisions/--output=x",
        f"/proposals/99/revisions/{first}",  # no such proposal
    ):
        answer = client.get(address, headers={"Accept-Language": "nl"})
        assert answer.status_code == 404, address
        assert "niet" in answer.text.lower() or "geen" in answer.text.lower(), address


def test_a_revision_page_is_kept_for_readers(client: TestClient, revised: tuple[int, list[str]]) -> None:
    number, (_, second) = revised
    first = client.get(f"/proposals/{number}/revisions/{second}")
    assert "etag" in first.headers
    unchanged = client.get(f"/proposals/{number}/revisions/{second}", headers={"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304
