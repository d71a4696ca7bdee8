"""The process with a clock in real Chromium: a supporter of an earlier version sees what
changed and keeps supporting; a maintainer puts the proposal under consideration; the list
and the overdue page; axe finds nothing on any of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.test_journeys import sign_in_as, summarise
from tests.conftest import PASSWORD
from tests.server import running_server
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import open_site

PAGE = "neem-initiatief"


@pytest.fixture
def revised_wiki(tmp_path: Path) -> Iterator[str]:
    """Why: a proposal that Bo supported before its author revised it, on a real server."""
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    site = open_site(settings)
    author = site.accounts.add_user("redacteur", PASSWORD, Role.EDITOR, display_name="Rie Redacteur")
    site.accounts.add_user("beheerder", PASSWORD, Role.MAINTAINER, display_name="Bea Beheerder")
    supporter = site.accounts.add_user("bijdrager", PASSWORD, Role.CONTRIBUTOR, display_name="Bo Bijdrager")
    text = site.pages.get(PAGE)[0].text
    proposal = site.proposals.create(author, "Een zin erbij", "Omdat.", [(PAGE, text + "\nEen eerste zin.\n")])
    site.process.support(proposal.id, supporter)
    site.proposals.revise(proposal.id, author, [(PAGE, text + "\nEen betere zin.\n")], "beter", proposal.head_revision)
    site.close()
    with running_server(settings, tmp_path / "server.log") as base:
        yield base


def test_a_supporter_of_an_earlier_version_sees_the_change_and_keeps_supporting(page: Page, revised_wiki: str) -> None:
    page.goto(revised_wiki + "/lang/en?next=/")
    sign_in_as(page, revised_wiki, "bijdrager")
    page.goto(revised_wiki + "/proposals/1")
    notice = page.locator(".earlier-support")
    expect(notice).to_contain_text("You supported an earlier version.")
    expect(notice).to_contain_text("betere")
    expect(page.locator(".support-counts")).to_contain_text("0 support this version, 1 an earlier one")
    assert summarise(axe_violations(page)) == []
    page.get_by_role("button", name="Keep supporting this version").click()
    expect(page.get_by_role("status")).to_contain_text("You support this proposal.")
    expect(page.locator(".support-counts")).to_contain_text("1 supports this version")
    expect(page.locator(".earlier-support")).to_have_count(0)
    page.goto(revised_wiki + "/proposals?sort=support")
    expect(page.locator("ul.proposals")).to_contain_text("1 supports this version")
    assert summarise(axe_violations(page)) == []
    page.get_by_role("button", name="Sign out").click()

    sign_in_as(page, revised_wiki, "beheerder")
    page.goto(revised_wiki + "/proposals/1")
    page.get_by_label("Note (shown to everyone)").fill("We bespreken dit volgende week.")
    page.get_by_role("button", name="Put under consideration").click()
    expect(page.get_by_role("status")).to_contain_text("The status of the proposal was changed.")
    expect(page.locator(".events")).to_contain_text("We bespreken dit volgende week.")
    assert summarise(axe_violations(page)) == []
    page.goto(revised_wiki + "/proposals?status=under_consideration")
    expect(page.locator("ul.proposals li")).to_have_count(1)
    page.get_by_role("link", name="Proposals past their deadline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposals past their deadline")
    assert summarise(axe_violations(page)) == []
