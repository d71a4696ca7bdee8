"""For people: every page type passes axe (WCAG 2.1 A and AA) in both languages, two people
editing at once, and a whole edit done with the keyboard alone."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Dialog, Page, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.conftest import PASSWORD

PAGE = "wees-open-en-zichtbaar"


def summarise(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/signin")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.narrow-form button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()


def test_every_page_type_meets_wcag_21_aa_in_both_languages(page: Page, live_wiki: str) -> None:
    sign_in(page, live_wiki, "beheerder")
    page.goto(f"{live_wiki}/proposals/new")
    page.locator("#title").fill("Toegankelijk voorstel")
    page.locator("#body").fill("Een tekst.")
    page.locator("form.edit-form button[value=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    page.goto(f"{live_wiki}/edit/{PAGE}")
    page.locator("#body").fill(page.locator("#body").input_value() + "\n\nExtra alinea.")
    page.locator("button[value=save]").click()
    page.goto(f"{live_wiki}/versions")
    page.locator("#display_name").fill("Versie 1.0")
    page.locator("form.narrow-form button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    history = page.request.get(f"{live_wiki}/api/history/{PAGE}").json()["revisions"]
    older, newer = history[1]["revision"], history[0]["revision"]
    paths = {
        "home": "/", "page": f"/p/{PAGE}", "edit": f"/edit/{PAGE}", "history": f"/history/{PAGE}",
        "compare": f"/compare/{PAGE}?from={older}&to={newer}",
        "compare-side": f"/compare/{PAGE}?from={older}&to={newer}&view=side",
        "blame": f"/blame/{PAGE}", "proposals": "/proposals", "proposal": "/proposals/1", "search": "/search?q=open",
        "changes": "/changes", "change": f"/change/{newer}", "versions": "/versions", "discussion": f"/discuss/{PAGE}",
        "account": "/account", "accounts": "/admin/accounts", "new-principle": "/proposals/new",
        "propose-change": f"/propose/{PAGE}", "rename": f"/rename/{PAGE}", "deleted": "/deleted", "poster": "/poster",
        "delete": f"/delete/{PAGE}", "undo": f"/undo/{PAGE}?revision={newer}", "update": "/proposals/1/update",
        "all": "/all", "open-data": "/open-data", "privacy": "/privacy", "accessibility": "/accessibility",
        "not-found": "/p/bestaat-niet", "version-read": "/all?version=versie-1.0",
        "version-poster": "/poster?version=versie-1.0&size=a3",
    }  # fmt: skip
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
        anonymous = {
            "sign-in": "/signin",
            "sign-up": "/signup",
            "error-403": "/admin/accounts",
            "page-anonymous": f"/p/{PAGE}",
        }
        for name, path in anonymous.items():
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
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href') || ''").startswith("/signin"):
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
    edit = page.locator(".page-actions a.button")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('button') && "
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


def test_pages_fit_a_phone(browser: Browser, live_wiki: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="nl-NL")
    phone = context.new_page()
    try:
        for name, path in {"home": "/", "page": f"/p/{PAGE}", "proposals": "/proposals", "changes": "/changes"}.items():
            phone.goto(live_wiki + path)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375, name
            screenshot(phone, f"{name}-phone-nl")
        phone.locator("ol.changes a[href^='/change/']").first.click()
        expect(phone.get_by_label("Volledige versiecode, om te kopiëren")).to_have_value(re.compile(r"^[0-9a-f]{40}$"))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, "change"
        assert summarise(axe_violations(phone)) == []
        screenshot(phone, "change-phone-nl")
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
