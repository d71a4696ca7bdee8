"""The home page's list: each principle with the first sentence of its text.

A bare list of ten titles says little to someone new; the first sentence says what the
principle asks. It is plain text (no Markdown, no links), worked out once per blob: a blob
never changes, so the sentence of a page that was not edited is never computed twice.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from markdown_it import MarkdownIt

from wiki import pagefile
from wiki.models import PageSummary
from wiki.services.pages import PageService

#: Longer first sentences are cut at a word and end in an ellipsis.
MAX_INTRO_CHARS = 220
_CACHED_INTROS = 1024
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_PARSER = MarkdownIt("commonmark", {"html": False})


def first_sentence(body: str) -> str:
    """The first sentence of the first top-level paragraph (not in a list or quote), as plain text."""
    tokens = _PARSER.parse(body)
    for at, token in enumerate(tokens):
        opening = tokens[at - 1] if at else None
        if token.type == "inline" and opening is not None and opening.type == "paragraph_open" and opening.level == 0:
            parts = [
                " " if child.type in ("softbreak", "hardbreak") else child.content
                for child in token.children or []
                if child.type in ("text", "code_inline", "softbreak", "hardbreak")
            ]
            text = " ".join("".join(parts).split())
            if text:
                return _shorten(_until_sentence_end(text))
    return ""


def _until_sentence_end(text: str) -> str:
    end = _SENTENCE_END.search(text)
    return text[: end.end()] if end else text


def _shorten(text: str) -> str:
    if len(text) <= MAX_INTRO_CHARS:
        return text
    return text[:MAX_INTRO_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


@dataclass(frozen=True, slots=True)
class HomeListing:
    """What the home page shows: principles in order, their first sentences by path, other pages."""

    principles: list[PageSummary]
    intros: dict[str, str]
    others: list[PageSummary]


class HomeService:
    """Builds the home page's list; first sentences are cached by blob id."""

    def __init__(self, pages: PageService) -> None:
        self.pages = pages
        self._intros: OrderedDict[str, str] = OrderedDict()
        self._lock = Lock()

    def listing(self) -> HomeListing:
        """Every page, principles first with the first sentence of each."""
        pages = self.pages.list_pages()
        principles = [page for page in pages if page.number is not None]
        intros = {}
        for page in principles:
            found = self.pages.index.get(page.path)
            if found is not None:
                intros[page.path] = self._intro(found[1], page.path)
        return HomeListing(principles, intros, [page for page in pages if page.number is None])

    def _intro(self, blob: str, name: str) -> str:
        with self._lock:
            cached = self._intros.get(blob)
        if cached is not None:
            return cached
        intro = first_sentence(pagefile.parse(self.pages.text_of_blob(blob), name).body)
        with self._lock:
            self._intros[blob] = intro
            if len(self._intros) > _CACHED_INTROS:
                self._intros.popitem(last=False)
        return intro
