"""Comparisons word by word: whatever the texts, both versions can be read back from the pieces."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from wiki.services.diff import Block, compare

WORDS = st.sampled_from(["de", "het", "open", "zichtbaar", "werk", ",", ".", "  ", "\n", "ambtenaar"])
TEXTS = st.lists(st.lists(WORDS, max_size=30).map(" ".join), max_size=6).map("\n\n".join)


def paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines (as the comparison reads them)."""
    return [part for part in re.split(r"\n\s*\n", text.strip("\n")) if part.strip()]


def side(blocks: list[Block], keep: str) -> list[str]:
    paragraphs = ["".join(piece.text for piece in block.pieces if piece.kind in ("same", keep)) for block in blocks]
    return [text for text in paragraphs if text]


@given(TEXTS, TEXTS)
def test_both_versions_can_be_read_back_from_the_comparison(old: str, new: str) -> None:
    blocks = compare(old, new)
    assert side(blocks, "removed") == paragraphs(old)
    assert side(blocks, "added") == paragraphs(new)


def test_a_changed_word_is_marked_alone() -> None:
    blocks = compare("Wees open en zichtbaar.", "Wees open en duidelijk.")
    pieces = [(piece.kind, piece.text) for piece in blocks[0].pieces]
    assert ("removed", "zichtbaar") in pieces
    assert ("added", "duidelijk") in pieces
    assert ("same", "Wees open en ") in pieces
