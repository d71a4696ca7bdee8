"""In a real browser: Rie proposes a change, Bo suggests a better sentence in the proposal's
own editor with a reason, Rie takes it over in one click, Bea accepts, and the page's history
credits Bo under the merge; a second suggestion that no longer applies is combined on the
merge screen.  The editor, the proposal with its suggestion, the merge screen and the history
each pass axe (WCAG 2.1 A and AA)."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_people import sign_in, summarise

PAGE = "wees-open-en-zichtbaar"


def test_suggest_take_over_accept_and_credit(browser: Browser, live_wiki: str) -> None:
    rie_context, bo_context, bea_context = (browser.new_context(locale="nl-NL") for _ in range(3))
    rie, bo, bea = rie_context.new_page(), bo_context.new_page(), bea_context.new_page()
    try:
        sign_in(rie, live_wiki, "redacteur")
        rie.goto(f"{live_wiki}/propose/{PAGE}")
        rie.locator("#body").fill(rie.locator("#body").input_value() + "\n\nEen eerste zin.")
        rie.locator("#proposal_title").fill("Een zin erbij")
        rie.locator("#why").fill("Het mist.")
        rie.locator("button[value=submit]").click()
        expect(rie.locator(".notice")).to_be_visible()
        proposal = rie.url.split("#")[0]

        sign_in(bo, live_wiki, "bijdrager")
        bo.goto(proposal)
        bo.get_by_role("link", name="Stel een wijziging voor").click()
        assert summarise(axe_violations(bo)) == []
        screenshot(bo, "suggest-form")
        body = bo.locator("#body-0")
        body.fill(body.input_value().replace("Een eerste zin.", "Een betere eerste zin."))
        bo.locator("#message").fill("Zo is het duidelijker.")
        bo.get_by_role("button", name="Suggestie versturen").click()
        expect(bo.locator(".notice")).to_be_visible()
        expect(bo.locator("#suggestions")).to_contain_text("Zo is het duidelijker.")

        rie.goto(proposal)
        expect(rie.locator("#suggestions ins").first).to_be_visible()
        assert summarise(axe_violations(rie)) == []
        screenshot(rie, "proposal-suggestion")
        rie.get_by_role("button", name="Deze suggestie overnemen").click()
        expect(rie.locator(".notice")).to_be_visible()
        expect(rie.locator("#suggestions")).to_contain_text("Overgenomen door Rie Redacteur")

        bo.goto(f"{proposal}/suggest")  # a second suggestion, on the sentence Rie then changes too
        body = bo.locator("#body-0")
        body.fill(body.input_value().replace("Een betere eerste zin.", "Een nog betere zin."))
        bo.locator("#message").fill("Korter.")
        bo.get_by_role("button", name="Suggestie versturen").click()
        expect(bo.locator(".notice")).to_be_visible()
        rie.goto(f"{proposal}/revise")
        body = rie.locator("#body-0")
        body.fill(body.input_value().replace("Een betere eerste zin.", "Een andere zin."))
        rie.locator("button[value=save]").click()
        expect(rie.locator(".notice")).to_be_visible()
        rie.get_by_role("link", name="Voeg hem samen met het voorstel").click()
        assert summarise(axe_violations(rie)) == []
        screenshot(rie, "suggestion-merge")
        rie.locator("#body-0").fill(
            rie.locator("#body-0").input_value().replace("Een nog betere zin.", "Een andere, betere zin.")
        )
        rie.get_by_role("button", name="Suggestie overnemen").click()
        expect(rie.locator(".notice")).to_be_visible()

        sign_in(bea, live_wiki, "beheerder")
        bea.goto(proposal)
        assert summarise(axe_violations(bea)) == []  # with the buttons to hide
        bea.locator("#accept-reason").fill("Goed")
        bea.get_by_role("button", name="Aannemen").click()
        expect(bea.locator(".notice")).to_be_visible()
        bea.goto(f"{live_wiki}/history/{PAGE}")
        expect(bea.locator(".credits")).to_contain_text("Bo Bijdrager")
        assert summarise(axe_violations(bea)) == []
        screenshot(bea, "history-credits")
    finally:
        for context in (rie_context, bo_context, bea_context):
            context.close()
