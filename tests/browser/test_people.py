"""For people: every page type passes axe (WCAG 2.1 A and AA) in both languages, two people
editing at once, and a whole edit done with the keyboard alone."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Dialog, Page, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.conftest import PASSWORD

PAGE = "wees-open-en-zichtbaar"
SIGNED_OUT = {
    "sign-in": "/signin",
    "sign-up": "/signup",
    "error-403": "/admin/accounts",
    "page-anonymous": f"/p/{PAGE}",
    "person-anonymous": "/people/beheerder",
    "person-not-found": "/people/niemand",
    "moderation-anonymous": "/moderation",
}


def summarise(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/signin")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.narrow-form button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()


def every_page_type(page: Page, base: str) -> dict[str, str]:
    """Sign in as the maintainer, make a proposal and an edit, and give the address of every page type."""
    sign_in(page, base, "beheerder")
    page.goto(f"{base}/proposals/new")
    page.locator("#title").fill("Toegankelijk voorstel")
    page.locator("#body").fill("Een tekst.")
    page.locator("form.edit-form button[value=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    page.goto(f"{base}/edit/{PAGE}")
    page.locator("#body").fill(page.locator("#body").input_value() + "\n\nExtra alinea.")
    page.locator("button[value=save]").click()
    page.goto(f"{base}/discuss/{PAGE}")
    page.locator("#comment-body").fill("Wat vind jij, @beheerder? Zie `@code`.")
    page.locator("form.edit-form button[type=submit]").click()
    expect(page.locator("a.mention")).to_be_visible()
    # A reply (without script: the form sits in a <details>), an edit, a hidden reply with a
    # request for a second look, so the thread, the versions and /moderation have content.
    page.locator("#comment-1 details.reply summary").click()
    page.locator("#reply-1").fill("Een antwoord.")
    page.locator("#comment-1 details.reply button[type=submit]").click()
    expect(page.locator("#comment-2")).to_be_visible()
    page.goto(f"{base}/comments/1/edit")
    page.locator("#comment-body").fill("Wat vind jij, @beheerder? Nu beter gezegd.")
    page.locator("form.edit-form button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    page.locator("#reason-2").fill("Dubbel")
    page.locator("#comment-2 form.hide-form button[type=submit]").click()
    page.locator("#comment-2 details.second-look summary").click()
    page.locator("#note-2").fill("Graag nog eens kijken")
    page.locator("#comment-2 details.second-look button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    page.goto(f"{base}/versions")
    page.locator("#display_name").fill("Versie 1.0")
    page.locator("form.narrow-form button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    page.goto(f"{base}/account")
    page.locator("#label").fill("nachtelijk script")
    page.locator("form:has(#label) button[type=submit]").click()
    expect(page.locator(".notice code")).to_be_visible()
    history = page.request.get(f"{base}/api/history/{PAGE}").json()["revisions"]
    older, newer = history[1]["revision"], history[0]["revision"]
    proposed = page.request.get(f"{base}/api/proposals/1").json()["head_revision"]
    return {
        "home": "/", "page": f"/p/{PAGE}", "edit": f"/edit/{PAGE}", "history": f"/history/{PAGE}",
        "compare": f"/compare/{PAGE}?from={older}&to={newer}",
        "compare-side": f"/compare/{PAGE}?from={older}&to={newer}&view=side",
        "blame": f"/blame/{PAGE}", "proposals": "/proposals", "proposal": "/proposals/1",
        "proposal-revision": f"/proposals/1/revisions/{proposed}", "search": "/search?q=open",
        "changes": "/changes", "change": f"/change/{newer}", "versions": "/versions", "discussion": f"/discuss/{PAGE}",
        "account": "/account", "accounts": "/admin/accounts", "tokens": "/admin/accounts/beheerder/tokens",
        "new-principle": "/proposals/new",
        "propose-change": f"/propose/{PAGE}", "rename": f"/rename/{PAGE}", "deleted": "/deleted", "poster": "/poster",
        "delete": f"/delete/{PAGE}", "undo": f"/undo/{PAGE}?revision={newer}", "update": "/proposals/1/update",
        "all": "/all", "open-data": "/open-data", "privacy": "/privacy", "accessibility": "/accessibility",
        "person": "/people/beheerder", "contributions": "/account/contributions",
        "not-found": "/p/bestaat-niet", "version-read": "/all?version=versie-1.0",
        "version-poster": "/poster?version=versie-1.0&size=a3",
        "comment-edit": "/comments/1/edit", "comment-versions": "/comments/1/versions", "moderation": "/moderation",
    }  # fmt: skip


def test_every_page_type_meets_wcag_21_aa_in_both_languages(page: Page, live_wiki: str) -> None:
    paths = every_page_type(page, live_wiki)
    failures = {}
    for language in ("nl", "en"):
        page.goto(f"{live_wiki}/lang/{language}?next=/")
        for name, path in paths.items():
            page.goto(live_wiki + path)
            found = summarise(axe_violations(page))
            if found:
                failures[f"{language} {name}"] = found
            screenshot(page, f"{name}-{language}")
    page.locator("form.signout button").click()
    for language in ("nl", "en"):
        page.goto(f"{live_wiki}/lang/{language}?next=/")
        for name, path in SIGNED_OUT.items():
            page.goto(live_wiki + path)
            found = summarise(axe_violations(page))
            if found:
                failures[f"{language} {name}"] = found
            screenshot(page, f"{name}-{language}")
    assert failures == {}


def test_two_people_edit_at_once_and_the_second_combines_both(browser: Browser, live_wiki: str) -> None:
    first, second = browser.new_context(locale="nl-NL"), browser.new_context(locale="nl-NL")
    anna, bob = first.new_page(), second.new_page()
    try:
        sign_in(anna, live_wiki, "redacteur")
        sign_in(bob, live_wiki, "beheerder")
        anna.goto(f"{live_wiki}/edit/{PAGE}")
        bob.goto(f"{live_wiki}/edit/{PAGE}")
        anna.locator("#body").fill("Anna schreef deze tekst.")
        anna.locator("button[value=save]").click()
        expect(anna.locator(".content")).to_contain_text("Anna schreef deze tekst.")
        bob.locator("#body").fill("Bob schreef iets anders.")
        bob.locator("button[value=save]").click()
        expect(bob.locator("h1")).to_have_text("Iemand anders heeft deze pagina veranderd")
        expect(bob.locator("#body")).to_have_value(re.compile(r"Bob schreef iets anders\.[\s\S]*Anna schreef"))
        expect(bob.locator(".diff ins")).to_contain_text("Anna")
        assert summarise(axe_violations(bob)) == []
        screenshot(bob, "conflict-nl")
        bob.locator("#body").fill("Anna schreef deze tekst. Bob vulde haar aan.")
        bob.locator("button[value=save]").click()
        expect(bob.locator(".content")).to_contain_text("Anna schreef deze tekst. Bob vulde haar aan.")
    finally:
        first.close()
        second.close()


def test_sign_in_and_edit_with_the_keyboard_alone(page: Page, live_wiki: str) -> None:
    page.goto(f"{live_wiki}/p/{PAGE}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    page.keyboard.press("Enter")
    link = page.locator("header a[href^='/signin']")
    for _ in range(60):  # the page's own invitation also links to /signin: look for the header's
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches(\"header a[href^='/signin']\")"):
            break
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#username")).to_be_visible()
    page.locator("#username").focus()
    page.keyboard.type("redacteur")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_be_visible()
    page.goto(f"{live_wiki}/p/{PAGE}")
    edit = page.locator(".page-actions a.utrecht-button")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('utrecht-button') && "
                         "(document.activeElement.getAttribute('href') || '').startsWith('/edit/')"):  # fmt: skip
            break
    expect(edit).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#body")).to_be_visible()
    page.locator("#body").focus()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nMet het toetsenbord geschreven.")
    page.locator("#message").focus()
    page.keyboard.type("Toetsenbord")
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_have_text("Opgeslagen.")
    expect(page.locator(".content")).to_contain_text("Met het toetsenbord geschreven.")


def test_the_editor_extras_preview_toolbar_draft_and_leave_warning(page: Page, live_wiki: str) -> None:
    sign_in(page, live_wiki, "redacteur")
    page.goto(f"{live_wiki}/edit/{PAGE}")
    live = page.locator("section.live-preview .content")
    expect(live).to_contain_text("Laat collega's")
    body = page.locator("#body")
    body.fill("Een woord")
    body.evaluate("element => element.setSelectionRange(4, 9)")
    page.get_by_role("toolbar").get_by_role("button", name="Vet").click()
    expect(body).to_have_value("Een **woord**")
    expect(live.locator("strong")).to_have_text("woord")
    expect(page.locator(".draft-status")).to_have_text("Concept bewaard", timeout=10_000)
    assert summarise(axe_violations(page)) == []
    screenshot(page, "editor-extras-nl")
    dialogs: list[str] = []

    def answer(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.goto(f"{live_wiki}/")
    assert dialogs == ["beforeunload"]
    page.goto(f"{live_wiki}/edit/{PAGE}")
    expect(page.get_by_role("link", name="Verder met mijn concept")).to_be_visible()


def test_nothing_scrolls_sideways_on_a_320_px_screen(browser: Browser, live_wiki: str) -> None:
    """WCAG 1.4.10: every page type fits 320 CSS pixels (the history and accounts tables stack,
    a 40-character revision id wraps)."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, locale="nl-NL")
    phone = context.new_page()
    try:
        paths = every_page_type(phone, live_wiki)
        too_wide = {}
        for language in ("nl", "en"):
            phone.goto(f"{live_wiki}/lang/{language}?next=/")
            for name, path in paths.items():
                phone.goto(live_wiki + path)
                width = phone.evaluate("document.documentElement.scrollWidth")
                if width > 320:
                    too_wide[f"{language} {name}"] = width
        phone.locator("summary.site-menu__toggle").click()  # on a phone, sign-out sits behind "Menu"
        phone.locator("form.signout button").click()
        for name, path in SIGNED_OUT.items():
            phone.goto(live_wiki + path)
            if (width := phone.evaluate("document.documentElement.scrollWidth")) > 320:
                too_wide[name] = width
        assert too_wide == {}
    finally:
        context.close()


def test_pages_fit_a_phone(browser: Browser, live_wiki: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="nl-NL")
    phone = context.new_page()
    try:
        sign_in(phone, live_wiki, "beheerder")
        main = {"home": "/", "page": f"/p/{PAGE}", "history": f"/history/{PAGE}", "proposals": "/proposals"}
        for language in ("nl", "en"):
            phone.goto(f"{live_wiki}/lang/{language}?next=/")
            for name, path in {**main, "accounts": "/admin/accounts"}.items():
                phone.goto(live_wiki + path)
                assert phone.evaluate("document.documentElement.scrollWidth") <= 390, name
                screenshot(phone, f"{name}-phone-{language}")
        phone.goto(f"{live_wiki}/lang/nl?next=/changes")
        phone.locator("ol.changes a[href^='/change/']").first.click()
        expect(phone.get_by_label("Volledige versiecode, om te kopiëren")).to_have_value(re.compile(r"^[0-9a-f]{40}$"))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "change"
        assert summarise(axe_violations(phone)) == []
        screenshot(phone, "change-phone-nl")
    finally:
        context.close()


HEADER_ROWS = """() => {
  const centres = [...document.querySelectorAll("header a, header button, header input, header span")]
    .map(element => element.getBoundingClientRect())
    .filter(box => box.width > 0)
    .map(box => (box.top + box.bottom) / 2)
    .sort((a, b) => a - b);
  return centres.filter((centre, i) => i === 0 || centre - centres[i - 1] > 16).length;
}"""


def test_the_header_has_at_most_two_rows_on_a_desktop_for_every_role(page: Page, live_wiki: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    rows = {}
    for who in (None, "bijdrager", "redacteur", "beheerder"):
        if who:
            sign_in(page, live_wiki, who)
        for language in ("nl", "en"):
            page.goto(f"{live_wiki}/lang/{language}?next=/")
            rows[f"{who or 'anonymous'} {language}"] = page.evaluate(HEADER_ROWS)
        if who:
            page.locator("form.signout button").click()
    assert {who: count for who, count in rows.items() if count > 2} == {}


def test_the_header_stays_compact_on_a_phone_and_its_menu_opens_for_every_role(
    browser: Browser, live_wiki: str
) -> None:
    """On a 390 px phone the person's links, the menu and search fold behind "Menu": the header is
    at most two rows high (120 px) until it is opened, and then every link can be reached."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="nl-NL")
    phone = context.new_page()
    try:
        heights, unreachable = {}, {}
        for who in (None, "bijdrager", "redacteur", "beheerder"):
            if who:
                sign_in(phone, live_wiki, who)
            for language in ("nl", "en"):
                phone.goto(f"{live_wiki}/lang/{language}?next=/")
                name = f"{who or 'anonymous'} {language}"
                heights[name] = phone.locator("header.site-header").bounding_box()["height"]  # type: ignore[index]
                toggle = phone.locator("summary.site-menu__toggle")
                toggle.focus()
                phone.keyboard.press("Enter")
                links = ["/", "/proposals", "/changes", "/versions", "/p/over"]
                hidden = [href for href in links if not phone.locator(f".site-nav a[href='{href}']").is_visible()]
                if who and not phone.locator("header a.who").is_visible():
                    hidden.append("account")
                if not phone.locator("#site-search").is_visible():
                    hidden.append("search")
                if hidden:
                    unreachable[name] = hidden
            if who:
                phone.locator("form.signout button").click()
        assert {name: height for name, height in heights.items() if height > 120} == {}
        assert unreachable == {}
        assert summarise(axe_violations(phone)) == []
    finally:
        context.close()


def test_a_page_with_one_version_says_there_is_nothing_to_compare(page: Page, live_wiki: str) -> None:
    page.goto(f"{live_wiki}/history/over")
    only = page.locator("input[name=to]").first.get_attribute("value")
    page.goto(f"{live_wiki}/compare/over?to={only}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nog niets om te vergelijken")
    assert summarise(axe_violations(page)) == []
    page.get_by_role("link", name="Terug naar de geschiedenis").click()
    expect(page).to_have_url(f"{live_wiki}/history/over")
