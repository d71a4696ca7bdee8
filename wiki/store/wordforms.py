"""Dutch word forms for search: words as FTS5 sees them, folded, and their Snowball stems.

"samenwerken" should find "samenwerking" and "principes" should find "principe".  The
Snowball Dutch stemmer (``dutch`` of snowballstemmer 3.x; the older ``dutch_porter`` gets
these pairs wrong) maps both forms of each pair to one stem.  Stems are indexed in their own
columns, so a stem match comes next to the folded prefix match and never replaces it.

Which stemmer made the stems is part of the index's schema version: another package, version
or algorithm stems differently, and then the index is built again.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version

# The package's own Python stemmer, by its module: ``snowballstemmer.stemmer()`` hands out
# PyStemmer's instead when that happens to be installed, and the schema version would lie.
from snowballstemmer.dutch_stemmer import DutchStemmer  # type: ignore[import-untyped]

# The same split as FTS5's unicode61 tokenizer: runs of letters and digits.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Stemmer:
    """The stemmer the index was built with: package, its version and the algorithm."""

    package: str
    version: str
    algorithm: str

    @property
    def label(self) -> str:
        """What the schema version records, e.g. ``snowballstemmer-3.1.1-dutch``."""
        return f"{self.package}-{self.version}-{self.algorithm}"


STEMMER = Stemmer("snowballstemmer", version("snowballstemmer"), "dutch")
# A stemmer keeps its word in the object while it works: one per thread.
_local = threading.local()


def fold(word: str) -> str:
    """Lower case without diacritics, as FTS5 stores words (``remove_diacritics 2``)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def words(text: str) -> list[str]:
    """The words of a text, in order, as they were written."""
    return _WORD.findall(text)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of one word (lower case in; results cached: texts repeat their words)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = DutchStemmer()
    return str(stemmer.stemWord(word.casefold()))


def stems(text: str) -> str:
    """A text's words replaced by their stems, in order (what the stem columns hold)."""
    return " ".join(map(stem, words(text)))
