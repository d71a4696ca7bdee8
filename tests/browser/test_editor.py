"""The page editor's "Voorbeeld" button in real Chromium: with JavaScript the preview appears once,
next to the text, without loading the page again; without JavaScript the form posts and the
answer shows the preview once, scrolled into view."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.conftest import PASSWORD

PAGE = "wees-open-en-zichtbaar"
ADDED = "Deze zin staat in het voorbeeld."


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/signin")
    page.locator("#username").fill("redacteur")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.narrow-form button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()


def summarise(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations]


def test_with_javascript_the_preview_appears_once_in_place_without_a_reload(page: Page, live_wiki: str) -> None:
    sign_in(page, live_wiki)
    page.goto(f"{live_wiki}/edit/{PAGE}")
    expect(page.locator("section.live-preview .content")).not_to_be_empty()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("() => { window.stillThisPage = true; }")
    body = page.locator("#body")
    body.fill(body.input_value() + "\n\n" + ADDED)
    page.get_by_role("button", name="Voorbeeld", exact=True).click()
    preview = page.locator(".preview")
    expect(preview).to_have_count(1)
    expect(preview).to_contain_text(ADDED)
    expect(preview).to_be_in_viewport()
    expect(preview.locator("[aria-live=polite]")).to_have_text("Het voorbeeld staat naast de tekst.")
    assert navigations == []
    assert page.evaluate("() => window.stillThisPage === true")
    assert page.url == f"{live_wiki}/edit/{PAGE}"
    assert summarise(axe_violations(page)) == []
    screenshot(page, "editor-preview-in-place-nl")


def test_without_javascript_the_preview_button_posts_and_shows_the_preview_once(
    browser: Browser, live_wiki: str
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_wiki)
    page.goto(f"{live_wiki}/edit/{PAGE}")
    expect(page.locator(".preview")).to_have_count(0)
    body = page.locator("#body")
    body.fill(body.input_value() + "\n\n" + ADDED)
    page.get_by_role("button", name="Voorbeeld", exact=True).click()
    expect(page.get_by_role("region", name="Voorbeeld", exact=True)).to_contain_text(ADDED)
    expect(page.locator(".preview")).to_have_count(1)
    expect(page.locator(".preview")).to_be_in_viewport()
    expect(page.locator("#body")).to_have_value(body.input_value())
    assert body.input_value().endswith(ADDED)
    context.close()


def test_a_proposed_change_has_the_editor_and_a_review_of_the_word_diff(page: Page, live_wiki: str) -> None:
    sign_in(page, live_wiki)
    page.goto(f"{live_wiki}/propose/{PAGE}")
    expect(page.get_by_role("toolbar")).to_be_visible()
    body = page.locator("#body")
    body.fill(body.input_value() + "\n\n" + ADDED)
    page.get_by_role("button", name="Voorbeeld", exact=True).click()
    expect(page.locator(".preview")).to_have_count(1)
    expect(page.locator(".preview")).to_contain_text(ADDED)
    page.get_by_role("button", name="Bekijk je wijziging").click()
    review = page.get_by_role("region", name="Jouw wijziging naast de pagina zoals die nu is")
    expect(review.locator("ins")).to_contain_text(ADDED)
    expect(review).to_be_in_viewport()
    expect(page.locator("#body")).to_have_value(re.compile(re.escape(ADDED) + r"\s*$"))
    assert summarise(axe_violations(page)) == []
    screenshot(page, "propose-review-nl")
    page.get_by_role("button", name="Voorstel indienen").click()
    expect(page.locator(".notice")).to_be_visible()
    assert "/proposals/" in page.url
