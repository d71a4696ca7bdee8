"""Journeys through the wiki in real Chromium, with the site's real Content-Security-Policy."""

from __future__ import annotations

import io
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.conftest import PASSWORD


def summarise(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations]


def test_sign_in_edit_save_and_see_the_new_text(page: Page, live_wiki: str) -> None:
    page.goto(live_wiki + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Werkprincipes van de ambtenaar 2.0")
    expect(page.locator("ol.principles li")).to_have_count(10)
    screenshot(page, "home-nl")

    page.get_by_role("link", name="Neem initiatief").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neem initiatief")
    page.get_by_role("link", name="Inloggen").click()
    page.get_by_label("Gebruikersnaam").fill("redacteur")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("status")).to_have_text("Je bent ingelogd.")

    page.get_by_role("link", name="Bewerken").click()
    body = page.get_by_label("Tekst")
    body.fill(body.input_value() + "\n\nDeze zin is in de browser toegevoegd.")
    page.get_by_label("Wat heb je veranderd?").fill("Zin toegevoegd in de browser")
    page.get_by_role("button", name="Voorbeeld").click()
    expect(page.get_by_role("region", name="Voorbeeld", exact=True)).to_contain_text(
        "Deze zin is in de browser toegevoegd."
    )
    screenshot(page, "edit-preview-nl")
    page.get_by_role("button", name="Opslaan").click()

    expect(page.get_by_role("status")).to_have_text("Opgeslagen.")
    expect(page.locator(".content")).to_contain_text("Deze zin is in de browser toegevoegd.")
    screenshot(page, "page-saved-nl")


def test_the_pages_of_this_journey_meet_wcag_21_aa(page: Page, live_wiki: str) -> None:
    for path in ["/", "/p/neem-initiatief", "/signin", "/p/bestaat-niet"]:
        page.goto(live_wiki + path)
        assert summarise(axe_violations(page)) == [], path
    page.goto(live_wiki + "/lang/en?next=/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert summarise(axe_violations(page)) == []
    screenshot(page, "home-en")


def test_the_accessibility_check_catches_a_planted_violation(page: Page, live_wiki: str) -> None:
    page.goto(live_wiki + "/")
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    assert "image-alt" in [violation["id"] for violation in axe_violations(page)]


def test_open_history_compare_two_revisions_and_restore_the_older(page: Page, live_wiki: str) -> None:
    page.goto(live_wiki + "/signin?next=/edit/werk-is-persoonlijk")
    page.get_by_label("Gebruikersnaam").fill("redacteur")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    body = page.get_by_label("Tekst")
    original = body.input_value()
    body.fill("Een heel andere tekst, per ongeluk opgeslagen.")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".content")).to_contain_text("per ongeluk")

    page.get_by_role("link", name="Geschiedenis").click()
    expect(page.locator("table.history tbody tr")).to_have_count(2)
    assert summarise(axe_violations(page)) == []
    screenshot(page, "history-nl")
    page.get_by_role("button", name="Gekozen versies vergelijken").click()
    expect(page.locator(".diff del").first).to_be_visible()
    expect(page.locator(".diff ins")).to_contain_text("per ongeluk")
    assert summarise(axe_violations(page)) == []
    screenshot(page, "compare-nl")
    page.get_by_role("link", name="Naast elkaar").click()
    expect(page.locator("table.side-by-side")).to_be_visible()
    assert summarise(axe_violations(page)) == []

    page.get_by_role("button", name="Pagina terugzetten naar de oudere versie").click()
    expect(page.get_by_role("status")).to_contain_text("terug")
    first_paragraph = original.split("\n\n")[0]
    expect(page.locator(".content")).to_contain_text(first_paragraph[:40])
    expect(page.locator(".content")).not_to_contain_text("per ongeluk")
    page.goto(live_wiki + "/blame/werk-is-persoonlijk")
    assert summarise(axe_violations(page)) == []
    page.goto(live_wiki + "/changes")
    assert summarise(axe_violations(page)) == []
    screenshot(page, "changes-nl")


def sign_in_as(page: Page, base: str, username: str) -> None:
    page.goto(base + "/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_have_text("You are signed in.")


def test_sign_up_propose_discuss_support_and_accept_a_new_principle(page: Page, live_wiki: str) -> None:
    page.goto(live_wiki + "/lang/en?next=/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("nieuwkomer")
    page.get_by_label("Your name as others see it").fill("Nina Nieuw")
    page.get_by_label("E-mail address").fill("nina@example.nl")
    page.get_by_label("Password").fill(PASSWORD)
    assert summarise(axe_violations(page)) == []
    screenshot(page, "signup-en")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome")

    page.get_by_role("link", name="Propose a new principle").click()
    page.get_by_label("Title of the principle").fill("Deel wat je leert")
    page.get_by_label("Text").fill("Vertel collega's wat je hebt geleerd, ook als iets mislukte.")
    page.get_by_label("Why?").fill("Leren van elkaar ontbreekt nog in de lijst.")
    page.get_by_role("button", name="Submit the proposal").click()
    expect(page.get_by_role("status")).to_contain_text("Proposal submitted")
    proposal_url = page.url.split("?")[0]
    assert summarise(axe_violations(page)) == []
    page.get_by_role("button", name="Sign out").click()

    sign_in_as(page, live_wiki, "redacteur")
    page.goto(proposal_url)
    page.get_by_label("Your comment").fill("Mooi, dit herken ik uit mijn team.")
    page.get_by_role("button", name="Post comment").click()
    page.get_by_role("button", name="I support this").click()
    expect(page.locator("#support-heading + p")).to_contain_text("1 supports this version")
    expect(page.locator(".comments")).to_contain_text("dit herken ik")
    screenshot(page, "proposal-en")
    page.get_by_role("button", name="Sign out").click()

    sign_in_as(page, live_wiki, "beheerder")
    page.goto(proposal_url)
    page.get_by_label("Reason for accepting").fill("Past bij de andere tien.")
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("accepted")
    assert summarise(axe_violations(page)) == []

    page.goto(live_wiki + "/")
    expect(page.locator("ol.principles li")).to_have_count(11)
    page.get_by_role("link", name="Deel wat je leert").click()
    expect(page.locator(".principle-number")).to_have_text("Principle 11")
    page.get_by_role("link", name="History").click()
    expect(page.locator("table.history tbody tr")).to_have_count(1)
    expect(page.locator("table.history")).to_contain_text("Voorstel #1 aannemen")
    page.get_by_role("link", name="Proposal #1 and its revisions").click()
    expect(page.locator(".revisions li")).to_have_count(1)
    expect(page.locator(".decision")).to_contain_text("Past bij de andere tien.")
    screenshot(page, "principle-11-history-en")
    page.get_by_role("link", name="What changed in revision 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revision 1 of 1")
    expect(page.locator("ins").first).to_be_visible()
    page.get_by_role("link", name="Proposal #1 and its revisions").click()
    expect(page.locator(".decision")).to_be_visible()


def test_search_and_the_exported_site_opened_from_disk(page: Page, live_wiki: str, tmp_path: Path) -> None:
    page.goto(live_wiki + "/")
    page.get_by_role("searchbox", name="Zoeken").fill("initiatief")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.locator(".results li").first).to_contain_text("Neem initiatief")
    expect(page.locator(".results mark").first).to_be_visible()
    assert summarise(axe_violations(page)) == []
    screenshot(page, "search-nl")
    page.get_by_role("searchbox", name="Zoek in de principes en open voorstellen").fill("samenwerkng")
    page.locator("form.search-form button").click()
    expect(page.get_by_role("link", name="Stel een pagina voor met de titel “samenwerkng”")).to_be_visible()
    assert summarise(axe_violations(page)) == []
    screenshot(page, "search-suggestions-nl")
    page.get_by_role("link", name="Zoek op samenwerking").click()
    expect(page.locator(".results mark").first).to_have_text("samenwerking")

    with urllib.request.urlopen(live_wiki + "/export/site.zip") as response:  # noqa: S310 (loopback)
        zipfile.ZipFile(io.BytesIO(response.read())).extractall(tmp_path)
    page.goto((tmp_path / "principes" / "index.html").as_uri())
    expect(page.locator("ol.principles li")).to_have_count(10)
    page.get_by_role("link", name="Wees open en zichtbaar").click()
    expect(page.locator("h1")).to_have_text("Wees open en zichtbaar")
    page.get_by_role("link", name="zorgen dat anderen mee kunnen doen").click()
    expect(page.locator("h1")).to_have_text("Zorg dat anderen mee kunnen doen")
    assert page.url.startswith("file://")
    screenshot(page, "export-from-disk")
