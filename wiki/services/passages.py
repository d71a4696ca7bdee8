"""Comments on a passage, shown in the text: where each comment's passage is now, the text
with the passages highlighted, and a link on each paragraph to comment on it without
JavaScript.

Works on rendered HTML (the renderer's own, so it is trusted markup): ``anchors.Pieces``
cuts it, text is escaped again as it goes back out, and only ``<mark>``, empty ``<span>``
targets and links of our own are added.  Pure: the caller renders and reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from wiki.services.anchors import Pieces, PlainText, Span, locate, plain_text
from wiki.services.discussion import Comment

#: Top-level blocks whose paragraph link goes inside them, before their end tag; after any
#: other block (a heading, a list, a quote, code, a table) it goes in a paragraph of its own.
_LINK_INSIDE = frozenset({"</p>"})


@dataclass(frozen=True, slots=True)
class Passage:
    """A comment's passage on the text as it is now: its quote, and the paragraph it is in
    (None, and ``orphaned``, when the quote is gone: the comment is about an earlier version)."""

    path: str
    exact: str
    span: Span | None
    paragraph: int | None

    @property
    def orphaned(self) -> bool:
        """True when the passage occurs no more in the text."""
        return self.span is None


@dataclass(frozen=True, slots=True)
class Labels:
    """The words the text gains, in the reader's language (the route translates them)."""

    comment_on_paragraph: str
    paragraph: str
    comment: str


@dataclass(frozen=True, slots=True)
class Annotated:
    """One text with its passages highlighted and a comment link on each paragraph."""

    path: str
    revision: str
    html: str
    paragraphs: int


def place(texts: Mapping[str, PlainText], comments: Sequence[Comment]) -> dict[int, Passage]:
    """Where the passage of each comment with an anchor is now, by comment id; a passage of
    a text that is not among ``texts`` any more is orphaned."""
    placed = {}
    for comment in comments:
        anchor = comment.anchor
        if anchor is None or comment.hidden or comment.deleted:
            continue
        plain = texts.get(anchor.path)
        span = None if plain is None else locate(anchor, plain.text)
        paragraph = None if plain is None or span is None else plain.paragraph_of(span.start)
        placed[comment.id] = Passage(anchor.path, anchor.exact, span, paragraph)
    return placed


def annotate(
    path: str, revision: str, html: str, *, passages: Mapping[int, Passage], labels: Labels, link: str
) -> Annotated:
    """``html`` (one rendered text) with each placed passage of ``path`` in ``<mark>``, a
    target ``passage-<id>`` where it starts and a link back to comment ``<id>`` where it ends,
    and after each paragraph a link ``<link>passage=N#comment-form`` to comment on it."""
    marker = _Marker(
        sorted((p.span.start, p.span.end, cid) for cid, p in passages.items() if p.path == path and p.span)
    )
    numbers: dict[int, int] = {}  # block -> paragraph number, as plain_text counts them
    for kind, content, block in Pieces(html).pieces:
        if kind == "text":
            if block and content.strip() and block not in numbers:
                numbers[block] = len(numbers) + 1
            marker.text(content)
        elif kind == "close" and block in numbers:
            tools = _paragraph_link(numbers[block], labels, link)
            inside = content in _LINK_INSIDE
            marker.out.extend([tools, content] if inside else [content, f'<p class="passage-tools">{tools}</p>'])
        else:
            marker.out.append(content)
    return Annotated(path, revision, marker.html(labels.comment), len(numbers))


def _paragraph_link(number: int, labels: Labels, link: str) -> str:
    hidden = f'<span class="visually-hidden"> ({escape(labels.paragraph)} {number})</span>'
    href = escape(f"{link}passage={number}#comment-form")
    return f'<a class="passage-link" href="{href}">{escape(labels.comment_on_paragraph)}{hidden}</a>'


class _Marker:
    """Writes the text pieces out escaped, the parts inside passages in ``<mark>``; white space
    alone (between list items, table cells) is never marked: a mark may not stand there."""

    def __init__(self, spans: list[tuple[int, int, int]]) -> None:
        self.spans = spans
        self.out: list[str] = []
        self.offset = 0
        self.started: set[int] = set()
        self.ends: dict[int, int] = {}  # comment id -> where in out its last marked piece ends

    def text(self, content: str) -> None:
        """One text piece of the HTML."""
        start, stop = self.offset, self.offset + len(content)
        self.offset = stop
        touching = [span for span in self.spans if span[0] < stop and span[1] > start]
        if not touching or not content.strip():
            self.out.append(escape(content, quote=False))
            return
        cuts = {start, stop} | {s for s, _e, _c in touching if s > start} | {e for _s, e, _c in touching if e < stop}
        for a, b in pairwise(sorted(cuts)):
            piece = escape(content[a - start : b - start], quote=False)
            covering = [cid for s, e, cid in touching if s <= a and b <= e]
            for cid in covering:
                if cid not in self.started:
                    self.started.add(cid)
                    self.out.append(f'<span class="passage-start" id="passage-{cid}"></span>')
            self.out.append(f'<mark class="passage">{piece}</mark>' if covering else piece)
            for cid in covering:
                self.ends[cid] = len(self.out)

    def html(self, comment: str) -> str:
        """The HTML written, with a link back to each comment after its passage's end."""
        for cid, at in sorted(self.ends.items(), key=lambda item: -item[1]):
            self.out.insert(at, f'<a class="passage-note" href="#comment-{cid}">[{escape(comment)} {cid}]</a>')
        return "".join(self.out)


def plain_texts(texts: Mapping[str, str]) -> dict[str, PlainText]:
    """The plain text of each rendered text, by path."""
    return {path: plain_text(html) for path, html in texts.items()}
