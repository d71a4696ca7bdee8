"""Whether a text copies the source post, told by digests of its word 8-grams.

The bundled pages must be in the project's own words (DEVELOPERS.md), and the post itself is
not part of the project, so the tests carry only SHA-256 digests of its normalised word
8-grams (``tests/fixtures/source-8grams.sha256``): no sentence of it, yet any eight words in a
row that a page shares with it are found, in every clone.  The principles' names are the one
thing the pages share with the post by design (the ten titles, credited on the "over" page),
so 8-grams that lie within a name (list numbers aside) are left out of the digests.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

DIGESTS = Path(__file__).parent / "fixtures" / "source-8grams.sha256"
SIZE = 8


def words(text: str) -> list[str]:
    """The words of ``text`` as compared: NFKC, case-folded, letters and digits only."""
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).casefold())


def grams(text: str) -> list[tuple[str, ...]]:
    """Every run of ``SIZE`` words of ``text``."""
    found = words(text)
    return [tuple(found[i : i + SIZE]) for i in range(len(found) - SIZE + 1)]


def digest(gram: tuple[str, ...]) -> str:
    return hashlib.sha256(" ".join(gram).encode()).hexdigest()


def _within(gram: tuple[str, ...], names: Iterable[list[str]]) -> bool:
    """Whether ``gram``, without its list numbers, is a run of words of one of ``names``."""
    bare = " ".join(word for word in gram if not word.isdigit())
    return any(bare in " ".join(name) for name in names)


def source_digests(source: str, titles: Iterable[str]) -> set[str]:
    """The digests to ship for ``source``: its 8-grams but those within a principle's name."""
    names = [words(title) for title in titles]
    return {digest(gram) for gram in grams(source) if not _within(gram, names)}


def shipped_digests() -> set[str]:
    return set(DIGESTS.read_text().split())


def copied(text: str, digests: set[str]) -> list[str]:
    """The 8-grams of ``text`` whose digests are in ``digests``, as words."""
    return [" ".join(gram) for gram in grams(text) if digest(gram) in digests]
