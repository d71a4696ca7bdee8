"""Differences between two texts, by paragraph and then word by word.

A reader wants to see which words changed, not which lines: paragraphs are
matched first, and within a changed paragraph the words are compared.  The
result is structured data; templates mark it up with ``<ins>`` and ``<del>``.

Anyone can shape the texts compared (a proposal, a page), so the work is bounded whatever
they hold.  ``SequenceMatcher`` costs the product of the two lengths and more (2 KB
paragraphs of a few repeated words took seconds each), so it only ever sees short stretches:
the common start and end are cut off first, then paragraphs or words that occur once on
each side anchor the rest (patience diff, ``n log n``), and only the stretches between
anchors go to the matcher, each at most ``MAX_STRETCH`` items a side and all together at most
a ``Budget`` of item pairs per request.  What is left over is shown as removed and added,
which is still correct, only coarser.  Paragraphs longer than ``MAX_WORD_DIFF_CHARS`` are
never compared word by word.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from threading import Lock
from typing import Literal

Kind = Literal["same", "added", "removed"]
Opcode = tuple[str, int, int, int, int]
Junk = Callable[[Hashable], bool] | None
_WORDS = re.compile(r"\s+|\w+|[^\w\s]")

#: The longest stretch (items a side) handed to ``SequenceMatcher``: its worst case at 200 is
#: about 10 ms, at 600 a quarter of a second and at 1,400 three seconds.
MAX_STRETCH = 200
#: Item pairs one request may match with ``SequenceMatcher`` (each call counts at least
#: ``_CALL_COST``): at most some 25 worst-case stretches, a quarter of a second.
MAX_CELLS = 1_000_000
_CALL_COST = 100
#: A paragraph longer than this is shown as removed and added, never word by word.
MAX_WORD_DIFF_CHARS = 10_000
#: A run of more paragraphs than this, all the same, removed or added, is shown as one block.
MAX_RUN = 20
#: Blocks of one comparison; the rest is shown whole, as removed and as added.
MAX_BLOCKS = 2_000
#: Characters of compared texts the cache of comparisons may hold.
_CACHE_CHARS = 32_000_000


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


class Budget:
    """How many item pairs one request may still hand to ``SequenceMatcher``; a view that
    compares many texts (a proposal and its revisions) shares one, so its cost has one bound."""

    def __init__(self, cells: int = MAX_CELLS) -> None:
        self.left = cells
        self.ran_out = False

    def take(self, cells: int) -> bool:
        """True (and spent) when ``cells`` more pairs fit; False, and remembered, when not."""
        cost = max(cells, _CALL_COST)
        if cost > self.left:
            self.ran_out = True
            return False
        self.left -= cost
        return True


def _paragraphs(text: str) -> list[str]:
    return [part for part in re.split(r"\n\s*\n", text.strip("\n")) if part.strip()]


def _common_ends(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[int, int]:
    """How many items ``a`` and ``b`` share at their start, and then at their end."""
    limit = min(len(a), len(b))
    start = 0
    while start < limit and a[start] == b[start]:
        start += 1
    end = 0
    while end < limit - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return start, end


def _anchors(a: Sequence[Hashable], b: Sequence[Hashable], junk: Junk) -> list[tuple[int, int]]:
    """Pairs (i, j) of items that occur exactly once in ``a`` and once in ``b``, the longest
    run of them in the same order on both sides (patience sorting: ``n log n``)."""
    once_a = {item for item, count in Counter(a).items() if count == 1}
    once_b = {item for item, count in Counter(b).items() if count == 1}
    where_b = {item: j for j, item in enumerate(b) if item in once_a and item in once_b}
    pairs = [
        (i, where_b[item]) for i, item in enumerate(a) if item in where_b and not (junk is not None and junk(item))
    ]
    tails: list[int] = []  # tails[k]: the smallest j ending an increasing run of length k + 1
    tail_at: list[int] = []  # its index in pairs
    previous: list[int] = []
    for at, (_i, j) in enumerate(pairs):
        k = bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_at.append(at)
        else:
            tails[k], tail_at[k] = j, at
        previous.append(tail_at[k - 1] if k else -1)
    run = []
    at = tail_at[-1] if tail_at else -1
    while at >= 0:
        run.append(pairs[at])
        at = previous[at]
    return run[::-1]


def _stretch(
    a: Sequence[Hashable],
    b: Sequence[Hashable],
    at: tuple[int, int],
    junk: Junk,
    budget: Budget,
) -> list[Opcode]:
    """Opcodes of a stretch between anchors (starting ``at`` in the whole sequences): the
    matcher when it is short and the budget allows, else removed and added."""
    i, j = at
    if not a or not b:
        return [("delete" if a else "insert", i, i + len(a), j, j + len(b))] if a or b else []
    if len(a) <= MAX_STRETCH and len(b) <= MAX_STRETCH and budget.take(len(a) * len(b)):
        matcher = SequenceMatcher(junk, a, b, autojunk=False)
        return [(tag, i + i1, i + i2, j + j1, j + j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    return [("replace", i, i + len(a), j, j + len(b))]


def _opcodes(a: Sequence[Hashable], b: Sequence[Hashable], junk: Junk, budget: Budget) -> list[Opcode]:
    """Like ``SequenceMatcher.get_opcodes``, in bounded work (see the module's docstring)."""
    start, end = _common_ends(a, b)
    middle_a, middle_b = a[start : len(a) - end], b[start : len(b) - end]
    codes: list[Opcode] = [("equal", 0, start, 0, start)] if start else []
    if len(middle_a) <= MAX_STRETCH and len(middle_b) <= MAX_STRETCH:
        codes += _stretch(middle_a, middle_b, (start, start), junk, budget)
    else:
        i = j = 0
        for anchor_i, anchor_j in [*_anchors(middle_a, middle_b, junk), (len(middle_a), len(middle_b))]:
            codes += _stretch(middle_a[i:anchor_i], middle_b[j:anchor_j], (start + i, start + j), junk, budget)
            if anchor_i < len(middle_a):
                codes.append(("equal", start + anchor_i, start + anchor_i + 1, start + anchor_j, start + anchor_j + 1))
            i, j = anchor_i + 1, anchor_j + 1
    if end:
        codes.append(("equal", len(a) - end, len(a), len(b) - end, len(b)))
    return codes


def _is_space(token: Hashable) -> bool:
    return isinstance(token, str) and token.isspace()


def _word_diff(old: str, new: str, budget: Budget) -> tuple[Piece, ...]:
    if len(old) > MAX_WORD_DIFF_CHARS or len(new) > MAX_WORD_DIFF_CHARS:
        return (Piece("removed", old), Piece("added", new))
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[Piece] = []
    # Spaces may extend a match but not start one: they are a third of all tokens, and as
    # anchors they made the matcher three times slower without better results.
    for tag, i1, i2, j1, j2 in _opcodes(a, b, _is_space, budget):
        if tag == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return tuple(pieces)


def _joined(kind: Kind, texts: list[str]) -> list[Block]:
    """Paragraphs of one kind as blocks: one each, or one for a long run (the blank lines kept)."""
    if len(texts) > MAX_RUN:
        return [Block((Piece(kind, "\n\n".join(texts)),))]
    return [Block((Piece(kind, text),)) for text in texts]


def _compare(old: str, new: str, budget: Budget) -> list[Block]:
    a, b = _paragraphs(old), _paragraphs(new)
    blocks: list[Block] = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b, None, budget):
        if len(blocks) >= MAX_BLOCKS:
            # Beyond this a page of the comparison would cost more to show than to read:
            # the rest is shown whole, as removed and as added.
            return [*blocks, *_joined("removed", a[i1:]), *_joined("added", b[j1:])]
        if tag == "equal":
            blocks += _joined("same", a[i1:i2])
        elif tag == "replace" and i2 - i1 == j2 - j1 and budget.left >= _CALL_COST:
            pairs = min(i2 - i1, MAX_BLOCKS - len(blocks))
            blocks.extend(Block(_word_diff(a[i1 + k], b[j1 + k], budget)) for k in range(pairs))
            if pairs < i2 - i1:
                return [*blocks, *_joined("removed", a[i1 + pairs :]), *_joined("added", b[j1 + pairs :])]
        else:
            blocks += _joined("removed", a[i1:i2]) + _joined("added", b[j1:j2])
    return blocks


class _Cache:
    """Comparisons already made, by the digests of both texts (texts never change under a
    digest, like blobs), the least recently used dropped beyond ``_CACHE_CHARS``."""

    def __init__(self) -> None:
        self._found: OrderedDict[bytes, tuple[int, list[Block]]] = OrderedDict()
        self._chars = 0
        self._lock = Lock()

    @staticmethod
    def key(old: str, new: str) -> bytes:
        digest = hashlib.blake2b(digest_size=20)
        for text in (old, new):
            data = text.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.digest()

    def get(self, key: bytes) -> list[Block] | None:
        with self._lock:
            found = self._found.get(key)
            if found is None:
                return None
            self._found.move_to_end(key)
            return list(found[1])

    def put(self, key: bytes, chars: int, blocks: list[Block]) -> None:
        with self._lock:
            if key in self._found or chars > _CACHE_CHARS:
                return
            self._found[key] = (chars, list(blocks))
            self._chars += chars
            while self._chars > _CACHE_CHARS:
                _key, (dropped, _blocks) = self._found.popitem(last=False)
                self._chars -= dropped


_cache = _Cache()


def compare(old: str, new: str, budget: Budget | None = None) -> list[Block]:
    """Paragraph blocks of the comparison of ``old`` with ``new``.

    ``budget`` is shared by the comparisons of one request (a fresh one when not given);
    a comparison made in full is kept, so a page viewed again costs a lookup.
    """
    key = _cache.key(old, new)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    spending = budget if budget is not None else Budget()
    ran_out_before = spending.ran_out
    spending.ran_out = False
    blocks = _compare(old, new, spending)
    if not spending.ran_out:
        _cache.put(key, len(old) + len(new), blocks)
    spending.ran_out = spending.ran_out or ran_out_before
    return blocks
