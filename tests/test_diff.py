"""Comparisons word by word: whatever the texts, both versions can be read back from the pieces."""

from __future__ import annotations

import random
import re
import time

from hypothesis import given
from hypothesis import strategies as st

from wiki.services.diff import MAX_BLOCKS, Block, Budget, compare

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


def both_sides(blocks: list[Block]) -> tuple[list[str], list[str]]:
    """The old and new paragraphs read back, a long run shown as one block split again."""
    return (
        [text for block in side(blocks, "removed") for text in paragraphs(block)],
        [text for block in side(blocks, "added") for text in paragraphs(block)],
    )


def few_words(seed: int, paragraphs_count: int, size: int) -> str:
    """Paragraphs of ``size`` characters from two words: the matcher's worst case."""
    rng = random.Random(seed)
    return "\n\n".join(" ".join(rng.choice("ab") for _ in range(size // 2)) for _ in range(paragraphs_count))


def test_two_kilobyte_paragraphs_of_repeated_words_compare_in_bounded_time() -> None:
    # Why: a proposal whose revisions had 2 KB paragraphs took 22 s per view, for anyone.
    old, new = few_words(1, 100, 2000), few_words(2, 100, 2000)
    start = time.thread_time()
    blocks = compare(old, new)
    assert time.thread_time() - start < 0.5
    assert both_sides(blocks) == (paragraphs(old), paragraphs(new))


def test_a_megabyte_of_tiny_paragraphs_is_bounded_and_still_complete() -> None:
    old, new = "a\n\n" * 300_000, "b\n\n" * 300_000
    start = time.thread_time()
    blocks = compare(old, new)
    assert time.thread_time() - start < 0.5
    assert len(blocks) <= MAX_BLOCKS + 2
    assert both_sides(blocks) == (paragraphs(old), paragraphs(new))


def test_long_paragraphs_still_show_the_one_changed_word() -> None:
    # Unique words anchor the comparison, so a long paragraph is not reduced to removed + added.
    words = [f"woord{n}" for n in range(1000)]
    old = " ".join(words)
    new = " ".join([*words[:500], "nieuw", *words[501:]])
    pieces = [(piece.kind, piece.text) for piece in compare(old, new)[0].pieces]
    assert ("removed", "woord500") in pieces
    assert ("added", "nieuw") in pieces


def test_a_shared_budget_bounds_many_comparisons() -> None:
    budget = Budget()
    start = time.thread_time()
    for seed in range(30):
        compare(few_words(seed, 20, 200), few_words(seed + 100, 20, 200), budget)
    assert time.thread_time() - start < 0.7
    assert budget.ran_out
