"""Why is this here? From a paragraph of a page, by keyboard, to the accepted proposal it came
from and on to its discussion; each page passes axe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.conftest import PASSWORD
from tests.server import running_server
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import open_site

PAGE = "neem-initiatief"


def summarise(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations]


@pytest.fixture
def wiki_with_a_proposal(tmp_path: Path) -> Iterator[str]:
    """Why: the third paragraph of the page came from Bo's proposal, accepted with a reason."""
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    site = open_site(settings)
    bo = site.accounts.add_user("bijdrager", PASSWORD, Role.CONTRIBUTOR, display_name="Bo Bijdrager")
    bea = site.accounts.add_user("beheerder", PASSWORD, Role.MAINTAINER, display_name="Bea Beheerder")
    text = site.pages.get(PAGE)[0].text.replace("Initiatief nemen vraagt", "Initiatief nemen vraagt altijd")
    proposal = site.proposals.create(bo, "Altijd", "Want het is zo.", [(PAGE, text)])
    site.discussion.add(f"proposal:{proposal.id}", bea, "Goed idee.")
    site.proposals.accept(proposal.id, bea, "Duidelijker zo", proposal.head_revision)
    site.close()
    with running_server(settings, tmp_path / "server.log") as base:
        yield base


def test_a_keyboard_reaches_why_a_paragraph_is_there_and_its_discussion(page: Page, wiki_with_a_proposal: str) -> None:
    page.goto(wiki_with_a_proposal + f"/p/{PAGE}")
    link = page.get_by_role("link", name="waarom staat dit hier? (alinea 3)")
    expect(link).to_have_count(1)
    link.focus()
    expect(link).to_have_css("opacity", "1")  # shown when it has focus, though quiet otherwise
    assert summarise(axe_violations(page)) == []
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Waarom staat dit hier?")
    expect(page.locator("main")).to_contain_text("Bo Bijdrager")
    expect(page.locator("main")).to_contain_text("Duidelijker zo")
    assert summarise(axe_violations(page)) == []
    screenshot(page, "why-nl")
    page.get_by_role("link", name="Lees het gesprek (1 reactie)").click()
    expect(page.locator("#discussion")).to_contain_text("Goed idee.")
