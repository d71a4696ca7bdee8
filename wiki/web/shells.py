"""A page made once for everyone of a role, with holes where each person's own parts go.

A signed-in person's page differs from the next person's of the same role only in a few
places: their name and bell in the header, the watch button (do they watch this?) and the
form token.  ``Recording`` stands in for those parts while a page is rendered, leaving a
marker for each; ``Shell`` is that page cut at the markers, and ``fill`` puts one person's
parts in (rendered by ``wiki.web.templating.LiveParts``) without the template engine.

The markers carry a secret of this process, so no text in a page (Markdown may hold
HTML comments) can be taken for one.  A shell is kept compressed: the people's shells of every
page of a large wiki then fit their share of ``WIKI_CACHE_MB`` (about a quarter of the size),
and inflating one costs a few tens of microseconds where rendering the page anew costs ms.
"""

from __future__ import annotations

import re
import secrets
import zlib
from dataclasses import dataclass
from typing import Protocol

from markupsafe import Markup

_SECRET = secrets.token_hex(12)
#: What ``csrf_token()`` gives in a page being recorded (letters, digits and dashes: escaping
#: leaves it as it is, in an attribute or in text).
TOKEN_MARK = f"wiki-token-{_SECRET}"
_HOLE = re.compile(rf"{TOKEN_MARK}|<!--wiki-hole-{_SECRET}:(\d+)-->")


class Parts(Protocol):
    """One person's own parts of a page (``LiveParts`` makes them for a request)."""

    def csrf_token(self) -> str: ...

    def person_links(self) -> Markup: ...

    def watch_hole(self, kind: str, target: str) -> Markup: ...


#: A hole: ("token",), ("person",) or ("watch", kind, target).
Hole = tuple[str, ...]


class Recording:
    """The per-person parts of a page being rendered as a shell: markers, the holes noted."""

    def __init__(self) -> None:
        self.holes: list[Hole] = []

    def csrf_token(self) -> str:
        return TOKEN_MARK

    def person_links(self) -> Markup:
        return self._hole(("person",))

    def watch_hole(self, kind: str, target: str) -> Markup:
        return self._hole(("watch", kind, target))

    def _hole(self, hole: Hole) -> Markup:
        self.holes.append(hole)
        # Only the secret and a number: no outside text goes into the marker unescaped.
        return Markup(f"<!--wiki-hole-{_SECRET}:{len(self.holes) - 1}-->")  # noqa: S704


@dataclass(frozen=True, slots=True)
class Shell:
    """A page cut at its holes: the texts between them (one more than ``holes``), joined and
    compressed in ``packed``, with where each ends in ``ends``."""

    packed: bytes
    ends: tuple[int, ...]
    holes: tuple[Hole, ...]

    @classmethod
    def cut(cls, page: str, recorded: list[Hole]) -> Shell:
        """The shell of a page rendered with ``Recording`` (whose holes are ``recorded``)."""
        texts: list[str] = []
        holes: list[Hole] = []
        start = 0
        for found in _HOLE.finditer(page):
            texts.append(page[start : found.start()])
            holes.append(("token",) if found.group(1) is None else recorded[int(found.group(1))])
            start = found.end()
        texts.append(page[start:])
        ends, end = [], 0
        for text in texts:
            end += len(text)
            ends.append(end)
        return cls(zlib.compress("".join(texts).encode("utf-8"), 6), tuple(ends), tuple(holes))

    @property
    def size(self) -> int:
        """Bytes kept (what a cache bounded by memory counts)."""
        return len(self.packed) + 8 * len(self.ends)

    @property
    def texts(self) -> tuple[str, ...]:
        """The texts between the holes."""
        whole = zlib.decompress(self.packed).decode("utf-8")
        starts = (0, *self.ends[:-1])
        return tuple(whole[start:end] for start, end in zip(starts, self.ends, strict=True))

    def fill(self, parts: Parts) -> str:
        """The page for one person: their parts in the holes."""
        texts = self.texts
        pieces = [texts[0]]
        for hole, text in zip(self.holes, texts[1:], strict=True):
            if hole[0] == "token":
                pieces.append(parts.csrf_token())
            elif hole[0] == "person":
                pieces.append(parts.person_links())
            else:
                pieces.append(parts.watch_hole(hole[1], hole[2]))
            pieces.append(text)
        return "".join(pieces)
