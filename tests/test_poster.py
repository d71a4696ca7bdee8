"""The poster over HTTP: each principle with a short line, the public address as a QR code,
the date and version it shows, and the credit to the original list (printing: tests/browser)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import segno
from babel.dates import format_date
from starlette.testclient import TestClient

from wiki.config import Settings
from wiki.models import Author
from wiki.services.poster import first_sentence
from wiki.services.site import Site, open_site
from wiki.web.app import create_app

PUBLIC = "https://principes.example.nl/"
_PATH_STEP = re.compile(r"([MmHhVv])(-?[\d.]+)(?:[ ,](-?[\d.]+))?")


def qr_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules (x, y) an SVG drawn by segno paints: its dark path, read back."""
    dark = re.search(r'<path[^>]*stroke="#000"[^>]*d="([^"]+)"', svg)
    assert dark is not None
    x = y = 0.0
    modules = set()
    for command, first, second in _PATH_STEP.findall(dark.group(1)):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        elif command == "h":
            modules |= {(int(x) + step, int(y)) for step in range(int(float(first)))}
            x += float(first)
    return modules


def expected_modules(address: str) -> set[tuple[int, int]]:
    """segno's own encoding of ``address``, with the quiet zone of 4 the poster draws."""
    code = segno.make(address, error="m", micro=False)
    return {(col + 4, row + 4) for row, line in enumerate(code.matrix) for col, bit in enumerate(line) if bit}


@pytest.fixture
def public_client(settings: Settings) -> Iterator[TestClient]:
    site = open_site(dataclasses.replace(settings, public_url=PUBLIC))
    with TestClient(create_app(site.settings, site=site), headers={"Accept-Encoding": "identity"}) as client:
        yield client
    site.close()


def test_the_poster_has_every_principle_with_a_short_line(client: TestClient, site: Site) -> None:
    response = client.get("/poster")
    lines = response.context["poster"].lines  # type: ignore[attr-defined]
    assert [line.number for line in lines] == list(range(1, 11))
    first = lines[0]
    assert first.title == "Wees open en zichtbaar"
    assert first.line == "Laat collega's en anderen weten waar je aan werkt, ook als het nog niet af is."
    assert all(0 < len(line.line) <= 180 for line in lines)
    assert lines[7].line == "Heb je een goed idee? Begin er dan mee."  # a question keeps its answer
    for line in lines:
        assert line.title in response.text
    assert "Naar de lijst “Werkprincipes van de ambtenaar 2.0” van Davied van Berlo (2009)." in response.text


def test_the_qr_code_is_the_public_address_in_inline_svg_without_inline_style(public_client: TestClient) -> None:
    response = public_client.get("/poster")
    svg = re.search(r"<svg[^>]*>.*?</svg>", response.text, re.DOTALL)
    assert svg is not None
    assert qr_modules(svg.group(0)) == expected_modules(PUBLIC)
    assert 'aria-hidden="true"' in svg.group(0)
    assert f"<strong>{PUBLIC}</strong>" in response.text  # printed next to it, for people without a camera
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy  # styles too: no inline style would apply
    assert "style-src" not in policy
    assert "unsafe-inline" not in policy
    assert not re.search(r"<style|\sstyle=|<script(?! src)", response.text)


def test_the_poster_shows_the_date_and_named_version(client: TestClient, site: Site) -> None:
    assert "De tekst van " in client.get("/poster").text
    version = site.versions.name_current("Versie 2.0", Author("Rie", "rie@users.wiki.invalid"))
    poster = client.get("/poster?version=versie-2.0&size=a3")
    assert poster.context["poster"].version == version  # type: ignore[attr-defined]
    day = format_date(version.date.astimezone(ZoneInfo("Europe/Amsterdam")), format="long", locale="nl")
    assert f"Versie 2.0, vastgelegd op {day}" in poster.text  # a date in the site's time zone, no time
    assert 'href="/static/poster-a3.css' in poster.text


def test_without_a_public_address_the_qr_code_is_the_requests_own(client: TestClient) -> None:
    svg = re.search(r"<svg[^>]*>.*?</svg>", client.get("/poster").text, re.DOTALL)
    assert svg is not None
    assert qr_modules(svg.group(0)) == expected_modules("http://testserver/")


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("# Kop\n\nEen [link](x) en [[Titel|woorden]]. Daarna meer.", "Een link en woorden."),
        ("Zonder punt aan het eind", "Zonder punt aan het eind"),
        ("woord " * 60, ("woord " * 60)[:179].rsplit(" ", 1)[0] + "…"),
        ("", ""),
    ],
)
def test_the_short_line_is_the_first_sentence_as_plain_text(body: str, line: str) -> None:
    assert first_sentence(body) == line
