"""The poster: every principle with one short line, and a QR code of the wiki's address, of the
current text or of a named version, to print and hang up."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime

import segno
from markdown_it import MarkdownIt

from wiki import pagefile
from wiki.services.export import ExportService
from wiki.services.history import HistoryService
from wiki.services.versions import Version
from wiki.store.plaintext import WIKI_LINK

#: A short line ends at the first sentence's end; a sentence without one is cut here.
MAX_LINE = 180
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_PARSER = MarkdownIt("commonmark")


@dataclass(frozen=True, slots=True)
class PosterLine:
    """One principle on the poster: its number, title and first sentence."""

    number: int
    title: str
    line: str


@dataclass(frozen=True, slots=True)
class Poster:
    """What the poster shows: the principles, the address with its QR code (SVG markup),
    the date of the text and, for a named version, which one."""

    lines: tuple[PosterLine, ...]
    address: str
    qr_svg: str
    date: datetime
    version: Version | None


def _shown(link: re.Match[str]) -> str:
    """What a wiki link shows: its label, else its target.  The page's own link pattern is
    used (bounded, stopping at ``[``): the poster's earlier one rescanned the rest of the text
    from every ``[[``, so a paragraph of them took seconds."""
    return link.group(2) or link.group(1)


def first_sentence(body: str) -> str:
    """The first sentence of a page's first paragraph (with its answer, when it asks a question),
    as plain text (links keep their words)."""
    tokens = _PARSER.parse(body)
    for opening, inline in itertools.pairwise(tokens):
        if opening.type != "paragraph_open" or inline.type != "inline":
            continue
        words = [child.content if child.type in ("text", "code_inline") else " " for child in inline.children or []
                 if child.type in ("text", "code_inline", "softbreak", "hardbreak")]  # fmt: skip
        text = " ".join(WIKI_LINK.sub(_shown, "".join(words)).split())
        if not text:
            continue
        sentences = _SENTENCE_END.split(text)
        sentence = sentences.pop(0)
        while sentence.endswith("?") and sentences:  # a question reads as a line with its answer
            sentence += " " + sentences.pop(0)
        return sentence if len(sentence) <= MAX_LINE else sentence[: MAX_LINE - 1].rsplit(" ", 1)[0] + "…"
    return ""


def qr_svg(address: str) -> str:
    """The QR code of ``address`` as inline SVG, coloured with presentation attributes only
    (the site's CSP allows no inline style).  Hidden from screen readers: the address is
    printed next to it."""
    code = segno.make(address, error="m", micro=False)
    svg: str = code.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="qr")
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


class PosterService:
    """Makes the poster from git, for the current text or a named version."""

    def __init__(self, export: ExportService, history: HistoryService) -> None:
        self.export = export
        self.history = history

    def poster(self, address: str, version: str | None) -> Poster:
        """The poster of ``version`` (the current text when None) pointing at ``address``;
        ``NotFound`` for a version that does not exist."""
        commit, pages = self.export.pages_at(version)
        lines = tuple(
            PosterLine(page.number, page.title, first_sentence(pagefile.parse(page.text, page.path).body))
            for page in pages
            if page.number is not None
        )
        named = self.export.versions.get(version) if version else None
        date = named.date if named else self.history.revision_info(commit).date
        return Poster(lines, address, qr_svg(address), date, named)
