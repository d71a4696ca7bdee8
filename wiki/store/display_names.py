"""Display names are unique up to case, accents and spacing: the folded form is stored beside
each name, and a unique index on it keeps two people from signing up as the same person.

Databases made before that rule may hold two accounts with one folded name.  The older one
keeps the folded name to itself (``display_duplicate`` 0); each later one is numbered with
its own id, so the index builds and both accounts keep working.  Both backends migrate
with :func:`duplicates` (at every start, so rows an older version wrote meanwhile
are folded too); the statements that keep the rule are in ``database.py``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def fold_display_name(name: str) -> str:
    """The form two names are compared in: compatibility-decomposed (NFKD) without its
    combining marks, case-folded, with runs of white space as one space ("Anna  de Vriés"
    and "anna de vries" fold alike)."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def duplicates(accounts: Iterable[tuple[int, str]], taken: Iterable[str] = ()) -> list[tuple[str, int, int]]:
    """For (id, display name) pairs not folded yet, oldest first: (folded name, duplicate
    number, id) to store for each; the number is 0 for the first holder of a folded name,
    else the id.  ``taken``: the folded names already held."""
    seen = set(taken)
    stored = []
    for user_id, name in accounts:
        folded = fold_display_name(name)
        stored.append((folded, user_id if folded in seen else 0, user_id))
        seen.add(folded)
    return stored
