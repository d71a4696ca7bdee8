"""In a real browser: the home page's main button leads a reader to sign in and back, the
notice shows once, and an English browser gets English until the person chooses (issue 13)."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD


def test_a_reader_signs_in_from_the_main_button_and_comes_back(page: Page, live_wiki: str) -> None:
    page.goto(live_wiki + "/")
    page.get_by_role("link", name="Stel een nieuw principe voor").click()
    main = page.locator("main")
    expect(main.locator("h1")).to_have_text("Log eerst in")
    expect(main.get_by_role("link", name="Account aanmaken")).to_be_visible()
    assert axe_violations(page) == []
    main.get_by_role("link", name="Inloggen").click()
    page.locator("#username").fill("redacteur")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.narrow-form button[type=submit]").click()
    expect(page).to_have_url(live_wiki + "/proposals/new")
    expect(page.locator(".notice")).to_have_text("Je bent ingelogd.")
    assert "notice" not in page.url
    page.reload()
    expect(page.locator("#title")).to_be_visible()
    expect(page.locator(".notice")).to_have_count(0)


def test_an_english_browser_gets_english_until_the_person_chooses(browser: Browser, live_wiki: str) -> None:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    try:
        page.goto(live_wiki + "/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_role("link", name="Nederlands").click()
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        page.goto(live_wiki + "/p/wees-open-en-zichtbaar")
        expect(page.locator("html")).to_have_attribute("lang", "nl")
    finally:
        context.close()
