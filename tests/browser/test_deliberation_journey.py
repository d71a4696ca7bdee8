"""The deliberation journey of issue 17 in real Chromium, four people in their own browsers:
Bert proposes a sentence for a principle, Anna supports it, Bert revises it, Anna hears of it
through her bell and sees what changed since she supported it, and keeps supporting; Cor
suggests a better wording with a reason, Bert takes it over (git keeps Cor as the author);
Anna comments on words of the proposed text and her comment stays on them after Bert edits
another paragraph; Bea accepts; and on the principle "waarom staat dit hier?" leads from the
new paragraph to the proposal, its decision and back to Anna's comment.  Every kind of view on
the way passes axe (WCAG 2.1 A and AA), with screenshots of the main steps."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_people import sign_in, summarise
from tests.browser.test_watching import wait_for_bell
from tests.conftest import PASSWORD
from tests.server import running_server
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import open_site

PAGE = "wees-open-en-zichtbaar"
TITLE = "Fouten delen"
FIRST = "Deel ook wat misging, zodat anderen ervan leren."
REVISED = "Deel ook wat niet lukte, zodat anderen ervan leren."
SUGGESTED = "Deel ook wat niet lukte, zodat anderen er ook van leren."
QUOTE = "wat niet lukte"
COMMENT = "Bedoelen we hier ook kleine dingen?"
REASON = "Zo leren we van elkaar."


@dataclass(frozen=True)
class Wiki:
    base: str
    repo: Path


@pytest.fixture
def wiki(tmp_path: Path) -> Iterator[Wiki]:
    """Why: a real server with the four people of the journey; the test reads its repository."""
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    site = open_site(settings)
    site.accounts.add_user("bert", PASSWORD, Role.CONTRIBUTOR, display_name="Bert Bakker")
    site.accounts.add_user("anna", PASSWORD, Role.CONTRIBUTOR, display_name="Anna Arends")
    site.accounts.add_user("cor", PASSWORD, Role.CONTRIBUTOR, display_name="Cor Claassen")
    site.accounts.add_user("beheerder", PASSWORD, Role.MAINTAINER, display_name="Bea Beheerder")
    site.close()
    with running_server(settings, tmp_path / "server.log") as base:
        yield Wiki(base, settings.repo)


def no_violations(page: Page) -> None:
    assert summarise(axe_violations(page)) == [], page.url


def revise(page: Page, proposal: str, old: str, new: str) -> None:
    page.goto(proposal)
    page.get_by_role("link", name="Voorstel aanpassen").click()
    body = page.locator("#body-0")
    body.fill(body.input_value().replace(old, new))
    page.locator("button[value=save]").click()
    expect(page.locator(".notice")).to_be_visible()


def select_words(page: Page, words: str) -> None:
    """Select ``words`` in the proposed text with the mouse, as a person would (scrolled into
    view first: the mouse only reaches what is on the screen)."""
    box = page.evaluate(
        """words => {
          const text = [...document.querySelectorAll('.passage-text p')].find(p => p.textContent.includes(words));
          const node = [...text.childNodes].find(n => n.nodeType === 3 && n.data.includes(words));
          const at = node.data.indexOf(words);
          text.scrollIntoView({block: 'center'});
          const range = document.createRange();
          range.setStart(node, at); range.setEnd(node, at + 1);
          const first = range.getBoundingClientRect();
          range.setStart(node, at + words.length - 1); range.setEnd(node, at + words.length);
          const last = range.getBoundingClientRect();
          return {x1: first.left + 1, y: first.top + first.height / 2, x2: last.right - 1};
        }""",
        words,
    )
    page.mouse.move(box["x1"], box["y"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y"], steps=5)
    page.mouse.up()


def authors(repo: Path, proposal_id: str) -> str:
    """Author and committer of the newest commit on the proposal's branch, from git itself."""
    return subprocess.run(
        ["git", "--git-dir", str(repo), "log", "-1", "--format=%an|%cn", f"refs/heads/proposals/{proposal_id}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_propose_support_revise_suggest_comment_accept_and_ask_why(browser: Browser, wiki: Wiki) -> None:
    contexts = [browser.new_context(locale="nl-NL") for _ in range(4)]
    bert, anna, cor, bea = (context.new_page() for context in contexts)
    try:
        for page, name in ((bert, "bert"), (anna, "anna"), (cor, "cor"), (bea, "beheerder")):
            sign_in(page, wiki.base, name)

        # Bert proposes a sentence for the principle.
        bert.goto(f"{wiki.base}/propose/{PAGE}")
        bert.locator("#body").fill(bert.locator("#body").input_value().rstrip() + f"\n\n{FIRST}\n")
        bert.locator("#proposal_title").fill(TITLE)
        bert.locator("#why").fill("Daar leer je het meest van.")
        no_violations(bert)
        bert.locator("button[value=submit]").click()
        expect(bert.locator(".notice")).to_be_visible()
        proposal = bert.url.split("#")[0].split("?")[0]
        proposal_id = proposal.rsplit("/", 1)[1]

        # Anna supports it.
        anna.goto(proposal)
        anna.get_by_role("button", name="Ik steun dit").click()
        expect(anna.get_by_role("status")).to_contain_text("Je steunt dit voorstel.")
        expect(anna.locator(".support-counts")).to_contain_text("1 steunt deze versie")

        # Bert revises it; Anna, who supported it, is told by her bell and in her notifications.
        revise(bert, proposal, "wat misging", "wat niet lukte")
        wait_for_bell(anna, "1")
        no_violations(anna)
        anna.locator("header .bell").click()
        expect(anna).to_have_url(f"{wiki.base}/notifications")
        expect(anna.locator(".notification-list")).to_contain_text(f"Bert Bakker paste het voorstel '{TITLE}' aan")
        no_violations(anna)
        screenshot(anna, "deliberation-notified")

        # On the proposal she sees that she supported an earlier version, and what changed.
        anna.goto(proposal)
        notice = anna.locator(".earlier-support")
        expect(notice).to_contain_text("Je steunde een eerdere versie.")
        expect(notice.locator("ins")).to_contain_text("niet lukte")
        expect(notice.locator("del")).to_contain_text("misging")
        expect(anna.locator(".support-counts")).to_contain_text("0 steunen deze versie, 1 een eerdere")
        no_violations(anna)
        screenshot(anna, "deliberation-earlier-support")
        anna.get_by_role("button", name="Ik steun ook deze versie").click()
        expect(anna.get_by_role("status")).to_contain_text("Je steunt dit voorstel.")
        expect(anna.locator(".support-counts")).to_contain_text("1 steunt deze versie")
        expect(anna.locator(".earlier-support")).to_have_count(0)

        # Cor suggests a better wording, with a reason.
        cor.goto(proposal)
        cor.get_by_role("link", name="Stel een wijziging voor").click()
        no_violations(cor)
        body = cor.locator("#body-0")
        body.fill(body.input_value().replace(REVISED, SUGGESTED))
        cor.locator("#message").fill("Zo leest het beter.")
        cor.get_by_role("button", name="Suggestie versturen").click()
        expect(cor.locator(".notice")).to_be_visible()

        # Bert sees it as a word diff with Cor's reason and takes it over; Cor stays its author.
        bert.goto(proposal)
        suggestion = bert.locator("#suggestions li").first
        expect(suggestion).to_contain_text("Cor Claassen")
        expect(suggestion).to_contain_text("Zo leest het beter.")
        expect(suggestion.locator("ins").first).to_contain_text("er ook")
        no_violations(bert)
        screenshot(bert, "deliberation-suggestion")
        bert.get_by_role("button", name="Deze suggestie overnemen").click()
        expect(bert.locator(".notice")).to_be_visible()
        expect(bert.locator("#suggestions")).to_contain_text("Overgenomen door Bert Bakker")
        assert authors(wiki.repo, proposal_id) == "Cor Claassen|Bert Bakker"

        # Anna selects words of the proposed text with the mouse and comments on them.
        anna.goto(proposal)
        anna.locator(".passage-source summary").first.click()
        select_words(anna, QUOTE)
        anna.get_by_role("button", name="Reageer op deze passage").click()
        expect(anna.locator(".passage-chosen q")).to_have_text(QUOTE)
        no_violations(anna)
        anna.locator("#comment-body").fill(COMMENT)
        anna.get_by_role("button", name="Reactie plaatsen").click()
        expect(anna.locator("mark.passage")).to_have_text(QUOTE)
        expect(anna.locator(".comment-passage q")).to_have_text(QUOTE)
        no_violations(anna)
        screenshot(anna, "deliberation-passage-comment")

        # Bert edits another paragraph; the comment stays on its words.
        revise(bert, proposal, "Openheid zorgt ook voor vertrouwen.", "Openheid zorgt ook voor meer vertrouwen.")
        anna.goto(proposal)
        expect(anna.locator(".passage-text")).to_contain_text("meer vertrouwen")
        expect(anna.locator("mark.passage")).to_have_text(QUOTE)
        expect(anna.locator(".comment-passage")).to_contain_text("Over deze passage")
        expect(anna.locator(".passage-earlier")).to_have_count(0)

        # Bea accepts it with a reason.
        bea.goto(proposal)
        bea.locator("#accept-reason").fill(REASON)
        bea.get_by_role("button", name="Aannemen").click()
        expect(bea.locator(".notice")).to_be_visible()

        # On the principle, the new paragraph says why it is there, and leads back to Anna.
        bea.goto(f"{wiki.base}/p/{PAGE}")
        paragraph = bea.locator(".content p", has_text=SUGGESTED)
        why = paragraph.get_by_role("link", name=re.compile(r"^waarom staat dit hier\?"))
        expect(why).to_have_count(1)
        no_violations(bea)
        why.click()
        expect(bea.get_by_role("heading", level=1)).to_have_text("Waarom staat dit hier?")
        main = bea.locator("main")
        expect(main.locator("blockquote.why-text")).to_contain_text(SUGGESTED)
        expect(main.get_by_role("link", name=re.compile(rf"Voorstel #{proposal_id}: {TITLE}"))).to_be_visible()
        expect(main).to_contain_text("Door Cor Claassen")  # the suggestion shaped it last
        expect(main).to_contain_text("Bea Beheerder")
        expect(main).to_contain_text("0 steunen deze versie, 1 een eerdere")
        expect(main).to_contain_text(REASON)
        no_violations(bea)
        screenshot(bea, "deliberation-why")
        bea.get_by_role("link", name="Lees het gesprek (1 reactie)").click()
        expect(bea).to_have_url(f"{proposal}#discussion")
        expect(bea.locator("#discussion")).to_contain_text(COMMENT)
        expect(bea.locator("#discussion .comment-passage q")).to_have_text(QUOTE)
    finally:
        for context in contexts:
            context.close()
