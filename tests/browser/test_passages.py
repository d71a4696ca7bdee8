"""In a real browser: Rie puts a sentence with an emoji at the top of a principle, selects
words after it with the mouse on the discussion page, widens the selection with the keyboard,
presses "Reageer op deze passage" and comments; the form carried the passage in code points
(not the browser's UTF-16 units), the words are highlighted and link to her comment, and the
page passes axe (WCAG 2.1 A and AA) with the passage chosen and after the comment."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_people import sign_in, summarise

PAGE = "wees-open-en-zichtbaar"
SENTENCE = "Samen 😀 verder met elkaar."


def test_select_words_with_the_mouse_and_comment_on_them(browser: Browser, live_wiki: str) -> None:
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    try:
        sign_in(page, live_wiki, "redacteur")
        page.goto(f"{live_wiki}/edit/{PAGE}")
        page.locator("#body").fill(f"{SENTENCE}\n\n" + page.locator("#body").input_value())
        page.locator("button[value=save]").click()
        expect(page.locator(".content")).to_contain_text(SENTENCE)

        page.goto(f"{live_wiki}/discuss/{PAGE}")
        button = page.get_by_role("button", name="Reageer op deze passage")
        expect(button).to_be_hidden()
        box = page.evaluate(
            """() => {
              const node = document.querySelector('.passage-text p').firstChild;
              const range = document.createRange();
              const at = node.data.indexOf('verder');
              range.setStart(node, at); range.setEnd(node, at + 1);
              const first = range.getBoundingClientRect();
              range.setStart(node, at + 'verder me'.length); range.setEnd(node, at + 'verder met'.length);
              const last = range.getBoundingClientRect();
              return {x1: first.left + 1, y: first.top + first.height / 2, x2: last.right - 1};
            }"""
        )
        page.mouse.move(box["x1"], box["y"])
        page.mouse.down()
        page.mouse.move(box["x2"], box["y"], steps=5)
        page.mouse.up()
        page.keyboard.press("Shift+ArrowRight")
        page.keyboard.press("Shift+ArrowRight")
        page.keyboard.press("Shift+ArrowRight")  # " el"
        expect(button).to_be_visible()
        button.click()
        chosen = page.locator(".passage-chosen q")
        expect(chosen).to_have_text("verder met el")
        expect(page.locator("#comment-body")).to_be_focused()
        assert summarise(axe_violations(page)) == []

        fields = {
            key: page.locator(f"input[name='anchor-{key}']").input_value()
            for key in ("exact", "prefix", "start", "end")
        }
        expected = len("Samen 😀 ")  # the sentence opens the text; in code points the emoji counts once
        assert page.evaluate("() => 'Samen 😀 '.length") == expected + 1  # a browser counts it twice
        assert fields == {
            "exact": "verder met el",
            "prefix": "Samen 😀 ",
            "start": str(expected),
            "end": str(expected + len("verder met el")),
        }

        page.locator("#comment-body").fill("Wat bedoelen we met verder?")
        page.get_by_role("button", name="Reactie plaatsen").click()
        mark = page.locator("mark.passage")
        expect(mark).to_have_text("verder met el")
        expect(page.locator(".comment-passage q")).to_have_text("verder met el")
        page.locator(".passage-note").click()
        expect(page.locator(":target")).to_contain_text("Wat bedoelen we met verder?")
        assert summarise(axe_violations(page)) == []
        screenshot(page, "passage-comment-nl")
    finally:
        context.close()
