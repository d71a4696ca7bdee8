"""About 300 XSS vectors in every place people can put text, rendered in real Chromium:
none runs, with the site's CSP on and with it bypassed, and the user-content parts of the
pages hold no dangerous element, attribute or URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from playwright.sync_api import Browser

from tests.browser.xss_vectors import LINES, VECTORS
from tests.conftest import PASSWORD
from tests.server import running_server
from wiki.config import Settings
from wiki.models import Author, Role
from wiki.services.discussion import proposal_target
from wiki.services.pages import EditRequest
from wiki.services.site import open_site

BATCH = 50
RECORD = "window.__ran = []; window.xss = (n) => window.__ran.push(n); window.alert = window.xss;"
DOM_CHECK = """
() => {
  const bad = [];
  const forbidden = new Set(["SCRIPT", "IFRAME", "OBJECT", "EMBED", "BASE", "META", "FORM", "STYLE", "LINK"]);
  for (const part of document.querySelectorAll(".content, .comments, .results, table.history, .changes, .diff,"
                                                + " h1, .proposals, .blame, .snippet")) {
    for (const element of part.querySelectorAll("*")) {
      if (forbidden.has(element.tagName)) bad.push(element.tagName);
      for (const attribute of element.attributes) {
        const value = attribute.value.trim().toLowerCase();
        if (attribute.name.startsWith("on")) bad.push(element.tagName + "@" + attribute.name);
        if (["href", "src", "action", "formaction", "data"].includes(attribute.name)
            && (value.startsWith("javascript:") || value.startsWith("vbscript:") || value.startsWith("data:text"))) {
          bad.push(element.tagName + "@" + attribute.name + "=" + value);
        }
      }
    }
  }
  return bad;
}
"""


@pytest.fixture
def hostile_wiki(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """Why: a wiki whose pages, titles, summaries, names, comments and proposals are all hostile."""
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    site = open_site(settings)
    urls = []
    mallory = site.accounts.add_user("mallory", PASSWORD, Role.EDITOR, display_name=LINES[1][:80])
    author = Author(LINES[1], "mallory@users.wiki.invalid")
    for number in range(0, len(VECTORS), BATCH):
        name = f"aanval-{number}"
        body = "\n\n".join(VECTORS[number : number + BATCH]) + "\n"
        title = LINES[(number // BATCH) % len(LINES)].replace("\n", " ")
        text = "---\n" + yaml.safe_dump({"title": title}, allow_unicode=True, width=1000) + "---\n" + body
        site.pages.save(EditRequest(name, text, None, LINES[(number // BATCH + 3) % len(LINES)], author))
        urls += [f"/p/{name}", f"/history/{name}", f"/blame/{name}"]
    proposal = site.proposals.create(
        mallory, LINES[0], "\n\n".join(VECTORS[:BATCH]), [("over", "# Over\n\n" + VECTORS[5])]
    )
    for vector in VECTORS[:BATCH]:
        site.discussion.add(proposal_target(proposal.id), mallory, vector)
    urls += [f"/proposals/{proposal.id}", "/proposals", "/changes", "/discuss/over"]
    urls += [f"/search?q={quote(vector)}" for vector in LINES]
    site.close()
    with running_server(settings, tmp_path / "server.log") as base:
        yield base, urls


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp-on", "csp-bypassed"])
def test_no_vector_runs_and_no_dangerous_markup_reaches_the_page(
    browser: Browser, hostile_wiki: tuple[str, list[str]], bypass_csp: bool
) -> None:
    base, urls = hostile_wiki
    context = browser.new_context(bypass_csp=bypass_csp)
    context.add_init_script(RECORD)
    page = context.new_page()
    ran: dict[str, Any] = {}
    dangerous: dict[str, Any] = {}
    try:
        for url in urls:
            page.goto(base + url)
            page.mouse.move(200, 300)
            for link in page.locator(".content a:visible").all()[:5]:  # a closed text has links too
                link.hover()
            hits = page.evaluate("window.__ran")
            if hits:
                ran[url] = hits
            found = page.evaluate(DOM_CHECK)
            if found:
                dangerous[url] = found
    finally:
        context.close()
    print(f"\n{len(VECTORS)} vectors in pages, titles, summaries, names, comments, a proposal and "
          f"{len(LINES)} searches; {len(urls)} pages opened ({'CSP bypassed' if bypass_csp else 'CSP on'}): "
          f"{len(ran)} with code run, {len(dangerous)} with dangerous markup")  # fmt: skip
    assert ran == {}
    assert dangerous == {}


def test_the_checks_catch_a_planted_vector(browser: Browser, hostile_wiki: tuple[str, list[str]]) -> None:
    base, _urls = hostile_wiki
    context = browser.new_context(bypass_csp=True)
    context.add_init_script(RECORD)
    page = context.new_page()
    try:
        page.goto(base + "/p/aanval-0")
        page.evaluate("document.querySelector('.content').insertAdjacentHTML('beforeend', "
                      "'<img src=x onerror=xss(999)><a href=\"javascript:xss(998)\">a</a>')")  # fmt: skip
        page.wait_for_function("window.__ran.length > 0")
        assert page.evaluate("window.__ran") == [999]
        assert page.evaluate(DOM_CHECK) == ["IMG@onerror", "A@href=javascript:xss(998)"]
    finally:
        context.close()
