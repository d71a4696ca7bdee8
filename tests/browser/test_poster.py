"""The poster as it comes out of the printer: Chromium prints it to PDF on A4 and on A3, and
each is one page with all ten principles, the public address and the version on it."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page
from pypdf import PdfReader

from tests.server import running_server
from wiki.config import Settings
from wiki.models import Author
from wiki.services.site import open_site

PUBLIC = "https://principes.example.nl/"
#: Paper sizes in PDF points (1/72 inch): A4 is 210 x 297 mm, A3 is 297 x 420 mm.
SIZES = {"a4": (595, 842), "a3": (842, 1191)}


@pytest.fixture
def poster_wiki(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A server whose people use ``PUBLIC``, with one named version; yields its base and the titles."""
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    site = open_site(settings)
    titles = [page.title for page in site.pages.list_pages() if page.number is not None]
    site.versions.name_current("Versie 1.0", Author("Rie Redacteur", "rie@users.wiki.invalid"))
    site.close()
    with running_server(settings, tmp_path / "server.log", env={"WIKI_PUBLIC_URL": PUBLIC}) as base:
        yield base, titles


def complaint(message: ConsoleMessage) -> bool:
    """An error in the console: a refusal by the CSP, a script error, a missing file (the
    browser's own guess at /favicon.ico aside)."""
    return message.type == "error" and not str(message.location.get("url", "")).endswith("/favicon.ico")


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_poster_prints_on_one_page_with_every_principle(
    page: Page, poster_wiki: tuple[str, list[str]], size: str
) -> None:
    base, titles = poster_wiki
    assert len(titles) == 10
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if complaint(message) else None)
    response = page.goto(f"{base}/poster?size={size}&version=versie-1.0")
    assert response is not None
    assert response.status == 200
    qr = page.locator(".poster-qr svg").bounding_box()
    assert qr is not None
    assert qr["width"] > 50
    pdf = PdfReader(io.BytesIO(page.pdf(format=size.upper(), prefer_css_page_size=True, print_background=True)))
    assert len(pdf.pages) == 1, f"{size}: {len(pdf.pages)} pages"
    width, height = (round(float(side)) for side in (pdf.pages[0].mediabox.width, pdf.pages[0].mediabox.height))
    assert (width, height) == SIZES[size]
    text = one_line(pdf.pages[0].extract_text())
    for title in titles:
        assert title in text, f"{title!r} is not on the {size} poster"
    assert "Laat collega's en anderen weten waar je aan werkt" in text
    assert PUBLIC in text
    assert re.search(r"Versie 1\.0, vastgelegd op \d+ \w+ \d{4}", text)
    assert "Werkprincipes van de ambtenaar 2.0" in text
    assert "Davied van Berlo (2009)" in text
    assert refused == []  # nothing refused by the Content-Security-Policy, no script error
