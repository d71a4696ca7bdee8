"""The anchor of a comment on a passage, and finding that passage again in a changed text.

An anchor follows the W3C Web Annotation selectors: a ``TextQuoteSelector`` (``exact`` with
the ``prefix`` and ``suffix`` around it) and a ``TextPositionSelector`` (``start``/``end``),
both over the *rendered plain text* of one text (``plain_text``: the text content of the
HTML the renderer made, front matter never part of it), plus the ``revision`` it was made on
and the ``path`` of the text.  The quote with its context decides; positions are only hints
(in code points: browsers count UTF-16 units, so the script converts), and a hint that does
not fit is never an error.  When the quote occurs nowhere any more the comment is *orphaned*:
it is about an earlier version, shown with its quote.

Everything here is pure and bounded: quotes and contexts have a maximum length, and the
search is a loop of ``str.find`` (no regular expression ever sees a person's text).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from string import hexdigits

from wiki.errors import N_, BadInput

#: The fields of an anchor, as the API and the comment form name them.
ANCHOR_FIELDS = ("revision", "path", "exact", "prefix", "suffix", "start", "end")
MAX_EXACT = 1000
MAX_CONTEXT = 64
MAX_PATH = 1000
MAX_REVISION = 64
#: HTML elements that never hold text and have no end tag.
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a comment points: the quote with its context, optional position hints, and the
    revision and path of the text it was made on."""

    revision: str
    path: str
    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None

    def to_json(self) -> str:
        """The anchor as stored in ``comments.anchor``."""
        return json.dumps(as_dict(self), ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Span:
    """A range of the plain text, in code points: ``text[start:end]``."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class PlainText:
    """The text content of rendered HTML, and the span of each block (paragraph, heading,
    list, quote, table ...: the top-level elements), numbered from 1 in this order."""

    text: str
    blocks: tuple[Span, ...]

    def paragraph_of(self, offset: int) -> int | None:
        """The 1-based paragraph holding ``offset``, or None when it lies between blocks."""
        index = bisect_right([block.start for block in self.blocks], offset) - 1
        if index >= 0 and offset < self.blocks[index].end:
            return index + 1
        return None


def as_dict(anchor: Anchor) -> dict[str, object]:
    """The anchor in the API's words (``start``/``end`` left out when unknown)."""
    shape: dict[str, object] = {
        "revision": anchor.revision,
        "path": anchor.path,
        "exact": anchor.exact,
        "prefix": anchor.prefix,
        "suffix": anchor.suffix,
    }
    if anchor.start is not None and anchor.end is not None:
        shape.update(start=anchor.start, end=anchor.end)
    return shape


def _text(data: Mapping[str, object], key: str, limit: int) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise BadInput(N_("The passage is not understood: its fields must be text."))
    if len(value) > limit:
        raise BadInput(N_("The passage is too long: select at most 1,000 characters."))
    return value.replace("\r\n", "\n")  # a form sends its line breaks as CRLF


def _position(value: object) -> int | None:
    """A hint in code points: a whole number (or its digits, from a form), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return None


def anchor_from(data: Mapping[str, object]) -> Anchor:
    """An anchor from the API's object or a form's fields; ``BadInput`` on a wrong shape or
    size.  Hints that are not whole numbers, or not in order, are dropped (never an error)."""
    exact = _text(data, "exact", MAX_EXACT)
    if not exact.strip():
        raise BadInput(N_("The passage is empty: select some words of the text."))
    revision = _text(data, "revision", MAX_REVISION)
    if not revision or not all(char in hexdigits for char in revision):
        raise BadInput(N_("The passage does not say which version of the text it is from."))
    path = _text(data, "path", MAX_PATH)
    if not path:
        raise BadInput(N_("The passage does not say which text it is from."))
    prefix = _text(data, "prefix", MAX_EXACT)[-MAX_CONTEXT:]
    suffix = _text(data, "suffix", MAX_EXACT)[:MAX_CONTEXT]
    start, end = _position(data.get("start")), _position(data.get("end"))
    if start is None or end is None or end < start:
        start = end = None
    return Anchor(revision, path, exact, prefix, suffix, start, end)


def stored_anchor(raw: str | None) -> Anchor | None:
    """The anchor kept in ``comments.anchor`` (None for a comment on the whole text, or for
    something unreadable: a comment never disappears because of its anchor)."""
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return anchor_from(data) if isinstance(data, dict) else None
    except (ValueError, BadInput):
        return None


def _common_tail(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share at their ends."""
    count = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        count += 1
    return count


def _common_head(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share at their starts."""
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def locate(anchor: Anchor, text: str) -> Span | None:
    """Where the passage is in ``text`` now: of the occurrences of ``exact``, the one whose
    surroundings agree most with ``prefix`` and ``suffix``, the nearest to the hint when that
    still ties; None when ``exact`` occurs no more (the comment is orphaned)."""
    exact, size = anchor.exact, len(anchor.exact)
    hint = anchor.start if anchor.start is not None else 0
    best: tuple[int, int] | None = None
    found = None
    at = text.find(exact)
    while at != -1:
        context = _common_tail(text[max(0, at - len(anchor.prefix)) : at], anchor.prefix) + _common_head(
            text[at + size : at + size + len(anchor.suffix)], anchor.suffix
        )
        score = (context, -abs(at - hint))
        if best is None or score > best:
            best, found = score, at
        at = text.find(exact, at + 1)
    return None if found is None else Span(found, found + size)


def utf16_to_code_points(text: str, offset: int) -> int:
    """The code-point offset in ``text`` of a UTF-16 offset (what a browser counts): every
    character beyond the Basic Multilingual Plane is two units there and one here."""
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def paragraph_anchor(plain: PlainText, paragraph: int, revision: str, path: str) -> Anchor | None:
    """The anchor of a whole paragraph (picked without JavaScript): its text (the first
    ``MAX_EXACT`` characters of a longer one) with the context around it; None when there is
    no such paragraph."""
    if not 1 <= paragraph <= len(plain.blocks):
        return None
    block = plain.blocks[paragraph - 1]
    end = min(block.end, block.start + MAX_EXACT)
    text = plain.text
    return Anchor(
        revision,
        path,
        text[block.start : end],
        text[max(0, block.start - MAX_CONTEXT) : block.start],
        text[end : end + MAX_CONTEXT],
        block.start,
        end,
    )


# -- the plain text of rendered HTML -------------------------------------------------------------


class Pieces(HTMLParser):
    """Rendered HTML cut into markup (kept as written) and text (unescaped), each piece with
    the number of the top-level block it belongs to (0 outside any); the end tag that closes
    a top-level block is a "close" piece."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[tuple[str, str, int]] = []  # (kind: "tag", "end", "close", "text"; content; block)
        self.depth = 0
        self.block = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            self.block += 1
        if tag not in VOID:
            self.depth += 1
        self.pieces.append(("tag", self.get_starttag_text() or "", self.block if self.depth else 0))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.pieces.append(("tag", self.get_starttag_text() or "", self.block if self.depth else 0))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID:
            self.depth = max(0, self.depth - 1)
        self.pieces.append(("end" if self.depth else "close", f"</{tag}>", self.block))

    def handle_data(self, data: str) -> None:
        self.pieces.append(("text", data, self.block if self.depth else 0))


def plain_text(html: str) -> PlainText:
    """The text content of rendered HTML (what a browser's ``textContent`` gives) and the
    span of each top-level block, without the white space at its edges.  Blocks without
    any text (a rule) are not paragraphs."""
    parts: list[str] = []
    ranges: dict[int, list[int]] = {}
    offset = 0
    for kind, content, block in Pieces(html).pieces:
        if kind != "text":
            continue
        if block and content.strip():
            lead = len(content) - len(content.lstrip())
            trail = len(content.rstrip())
            first, last = offset + lead, offset + trail
            seen = ranges.setdefault(block, [first, last])
            seen[1] = last
        parts.append(content)
        offset += len(content)
    return PlainText("".join(parts), tuple(Span(a, b) for a, b in ranges.values()))
