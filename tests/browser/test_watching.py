"""In a real browser: Rie watches a principle with the button, Bea edits it twice, Rie sees the
bell's count, opens her notifications, follows the link to the comparison, marks them as read
and sets how often she wants e-mail; the bell, the list, what she watches and the settings
each pass axe (WCAG 2.1 A and AA), with screenshots for people to look at."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_people import sign_in, summarise

PAGE = "wees-open-en-zichtbaar"
TITLE = "Wees open en zichtbaar"
#: Reloads a page may take for the notifier's thread to record an edit (it runs right after
#: the save; each reload is a round trip, no sleep).
RELOADS = 50


def edit(page: Page, base: str, sentence: str) -> None:
    page.goto(f"{base}/edit/{PAGE}")
    page.locator("#body").fill(page.locator("#body").input_value() + f"\n\n{sentence}")
    page.locator("button[value=save]").click()
    expect(page.locator(".content")).to_contain_text(sentence)


def wait_for_bell(page: Page, count: str) -> None:
    """Reload until the bell shows ``count`` (the notifier records after the save answered)."""
    bell = page.locator("header .bell__count")
    for _ in range(RELOADS):
        page.reload()
        if bell.count() and bell.inner_text() == count:
            return
    expect(bell).to_have_text(count)


def test_watch_hear_follow_the_link_mark_read_and_choose_mail(browser: Browser, live_wiki: str) -> None:
    first, second = browser.new_context(locale="nl-NL"), browser.new_context(locale="nl-NL")
    rie, bea = first.new_page(), second.new_page()
    try:
        sign_in(rie, live_wiki, "redacteur")
        sign_in(bea, live_wiki, "beheerder")
        rie.goto(f"{live_wiki}/p/{PAGE}")
        rie.get_by_role("button", name="Deze pagina volgen").click()
        expect(rie).to_have_url(f"{live_wiki}/p/{PAGE}")
        expect(rie.locator(".notice")).to_have_text("Je volgt dit nu. Je krijgt een melding als het verandert.")
        expect(rie.get_by_role("button", name="Deze pagina niet meer volgen")).to_be_visible()

        edit(bea, live_wiki, "Bea vulde dit aan.")
        edit(bea, live_wiki, "Bea vulde nog meer aan.")
        wait_for_bell(rie, "2")
        expect(rie.locator("header .bell")).to_have_accessible_name(re.compile(r"^Meldingen\s*:\s*2 ongelezen\s*$"))
        assert summarise(axe_violations(rie)) == []
        screenshot(rie, "watching-bell-nl")

        rie.locator("header .bell").click()
        expect(rie).to_have_url(f"{live_wiki}/notifications")
        group = rie.locator("section.notification-group").first
        expect(group.locator("h2")).to_contain_text(f"2 wijzigingen in '{TITLE}' door Bea Beheerder")
        assert summarise(axe_violations(rie)) == []
        screenshot(rie, "watching-notifications-nl")

        group.get_by_role("link").first.click()
        expect(rie).to_have_url(f"{live_wiki}/compare/{PAGE}?from=" + rie.url.split("from=")[1])
        expect(rie.locator("main")).to_contain_text("Bea vulde nog meer aan.")

        rie.goto(f"{live_wiki}/notifications")
        rie.locator("section.notification-group").first.get_by_role("button", name="Als gelezen markeren").click()
        expect(rie.locator(".notice")).to_have_text("Gemarkeerd als gelezen.")
        expect(rie.locator("header .bell__count")).to_have_count(0)

        rie.goto(f"{live_wiki}/account/watching")
        expect(rie.locator("main li").first).to_contain_text(TITLE)
        assert summarise(axe_violations(rie)) == []
        screenshot(rie, "watching-list-nl")

        rie.goto(f"{live_wiki}/account")
        settings = rie.locator("section[aria-labelledby=mail-heading]")
        expect(settings).to_contain_text("E-mail staat uit op dit wiki")
        settings.get_by_label("Eén keer per week, een overzicht").check()
        settings.get_by_role("button", name="Opslaan").click()
        expect(rie.locator(".notice")).to_have_text("Opgeslagen.")
        expect(settings.get_by_label("Eén keer per week, een overzicht")).to_be_checked()
        assert summarise(axe_violations(rie)) == []
        screenshot(rie, "watching-mail-settings-nl")

        rie.goto(f"{live_wiki}/lang/en?next=/notifications")
        expect(rie.locator("h1")).to_have_text("Notifications")
        assert summarise(axe_violations(rie)) == []
        screenshot(rie, "watching-notifications-en")
    finally:
        first.close()
        second.close()
