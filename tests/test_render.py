"""Markdown rendering: what people write is shown, nothing they write runs."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiki.services.render import Renderer

render = Renderer().render
DANGEROUS_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "base",
    "meta",
    "form",
    "svg",
    "math",
    "style",
    "link",
}


class Elements(HTMLParser):
    """Collects the elements and attributes a browser would build from the HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def active_parts(html: str) -> list[str]:
    """Anything in ``html`` that could run: dangerous elements, event handlers, script URLs."""
    problems = []
    for tag, attrs in Elements(html).found:
        if tag in DANGEROUS_TAGS:
            problems.append(tag)
        for name, value in attrs.items():
            url = (value or "").strip().lower()
            if name.startswith("on"):
                problems.append(f"{tag}@{name}")
            if name in ("href", "src") and url.startswith(("javascript:", "vbscript:", "data:text")):
                problems.append(f"{tag}@{name}={url}")
    return problems


def test_tables_strikethrough_and_heading_anchors() -> None:
    html = render("## Één kop\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n~~weg~~")
    assert '<h2 id="één-kop">Één kop</h2>' in html
    assert '<th class="align-left">a</th>' in html
    assert '<td class="align-right">2</td>' in html
    assert "style=" not in html
    assert "<s>weg</s>" in html


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](vbscript:msgbox)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x]: javascript:alert(1)\n\n[x]",
        "<javascript:alert(1)>",
        "[x](java\\nscript:alert(1))",
        "```html onload=alert(1)\nx\n```",
    ],
)
def test_dangerous_markup_is_never_active(markdown: str) -> None:
    assert active_parts(render(markdown)) == []


def test_the_check_finds_a_planted_problem() -> None:
    assert active_parts('<p><img src=x onerror="alert(1)"><a href="javascript:x">a</a></p>') == [
        "img@onerror",
        "a@href=javascript:x",
    ]


def test_data_urls_only_for_images_and_safe_links_kept() -> None:
    html = render("![punt](data:image/png;base64,iVBORw0KGgo=) [a](andere-pagina) [m](mailto:a@b.nl)")
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html
    assert 'href="andere-pagina"' in html
    assert 'href="mailto:a@b.nl"' in html


@given(st.text(alphabet=st.sampled_from(list("<>\"'`=&;:/()[]!#*-_ \nabcjsvript")), max_size=80))
def test_nothing_active_ever_comes_through(text: str) -> None:
    assert active_parts(render(text)) == []
