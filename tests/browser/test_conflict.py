"""Two people change the same paragraph: after the conflict page both people's words survive,
done without JavaScript, and the page passes axe and fits a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_people import PAGE, sign_in, summarise

OPENING = "Laat collega's"


def test_both_peoples_words_survive_the_conflict_page(browser: Browser, live_wiki: str) -> None:
    # Dutch, as the people this wiki is for: the checks read the Dutch interface.
    first, second = browser.new_context(locale="nl-NL"), browser.new_context(locale="nl-NL")
    # Bob's browser runs no script: the site has none inline (strict CSP), so blocking its files
    # is enough (java_script_enabled=False hangs Debian's chromium under Playwright).
    second.route("**/*.js", lambda route: route.abort())
    anna, bob = first.new_page(), second.new_page()
    try:
        sign_in(anna, live_wiki, "redacteur")
        sign_in(bob, live_wiki, "beheerder")
        anna.goto(f"{live_wiki}/edit/{PAGE}")
        bob.goto(f"{live_wiki}/edit/{PAGE}")
        text = anna.locator("#body").input_value()
        assert OPENING in text
        anna.locator("#body").fill(text.replace(OPENING, "Anna zegt: laat collega's") + "\n\nEen alinea van Anna.")
        anna.locator("button[value=save]").click()
        expect(anna.locator(".content")).to_contain_text("Een alinea van Anna.")
        bob.locator("#body").fill(text.replace(OPENING, "Bob zegt: laat collega's"))
        bob.locator("button[value=save]").click()
        expect(bob.locator("h1")).to_have_text("Iemand anders heeft deze pagina veranderd")
        box = bob.locator("#body")
        merged = re_all("<<<<<<< Jouw versie", "======= Versie van Rie Redacteur", "Een alinea van Anna.")
        expect(box).to_have_value(merged)
        expect(bob.locator(".passage .version-mine")).to_contain_text("Bob zegt")
        expect(bob.locator(".passage .version-theirs")).to_contain_text("Anna zegt")
        assert summarise(axe_violations(bob)) == []
        screenshot(bob, "conflict-passages-nl")
        for width in (390, 320):
            bob.set_viewport_size({"width": width, "height": 800})
            assert bob.evaluate("document.documentElement.scrollWidth") <= width, width
            screenshot(bob, f"conflict-phone-{width}-nl")
        bob.set_viewport_size({"width": 1280, "height": 800})
        bob.locator("button[value=save]").click()
        expect(bob.locator(".error-summary")).to_contain_text("gemarkeerde regels")
        bob.get_by_label("Allebei houden").check()
        bob.locator("button[value=save]").click()
        content = bob.locator(".content")
        for words in ("Bob zegt", "Anna zegt", "Een alinea van Anna."):
            expect(content).to_contain_text(words)
        expect(content).not_to_contain_text("<<<<<<<")
    finally:
        first.close()
        second.close()


def re_all(*parts: str) -> re.Pattern[str]:
    """A pattern matching a text that holds every one of ``parts``."""
    return re.compile("".join(f"(?=[\\s\\S]*{re.escape(part)})" for part in parts))
