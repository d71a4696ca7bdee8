"""Differences between two texts, by paragraph and then word by word.

A reader wants to see which words changed, not which lines: paragraphs are
matched first, and within a changed paragraph the words are compared.  The
result is structured data; templates mark it up with ``<ins>`` and ``<del>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Kind = Literal["same", "added", "removed"]
_WORDS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text that is the same in both, only in the new text, or only in the old."""

    kind: Kind
    text: str


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of the comparison; ``changed`` when any piece is added or removed."""

    pieces: tuple[Piece, ...]

    @property
    def changed(self) -> bool:
        """True when this paragraph differs between the two texts."""
        return any(piece.kind != "same" for piece in self.pieces)


def _paragraphs(text: str) -> list[str]:
    return [part for part in re.split(r"\n\s*\n", text.strip("\n")) if part.strip()]


def _word_diff(old: str, new: str) -> tuple[Piece, ...]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[Piece] = []
    # Spaces may extend a match but not start one: they are a third of all tokens, and as
    # anchors they made the matcher three times slower without better results.
    for tag, i1, i2, j1, j2 in SequenceMatcher(str.isspace, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return tuple(pieces)


def compare(old: str, new: str) -> list[Block]:
    """Paragraph blocks of the comparison of ``old`` with ``new``."""
    a, b = _paragraphs(old), _paragraphs(new)
    blocks: list[Block] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            blocks.extend(Block((Piece("same", text),)) for text in a[i1:i2])
        elif tag == "replace" and i2 - i1 == j2 - j1:
            blocks.extend(Block(_word_diff(x, y)) for x, y in zip(a[i1:i2], b[j1:j2], strict=True))
        else:
            blocks.extend(Block((Piece("removed", text),)) for text in a[i1:i2])
            blocks.extend(Block((Piece("added", text),)) for text in b[j1:j2])
    return blocks
