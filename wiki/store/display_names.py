"""Display names are unique up to case, accents and spacing: the folded form is stored beside
each name, and a unique index on it keeps two people from signing up as the same person.

Databases made before that rule may hold two accounts with one folded name.  The older one
keeps the folded name to itself (``display_duplicate`` 0); each later one is numbered with
its own id, so the index builds and both accounts keep working.  Both backends migrate
with :func:`duplicates` (at every start, so rows an older version wrote meanwhile
are folded too); ``database.py`` keeps the rule with the statements below.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from wiki.errors import N_, NameTaken

if TYPE_CHECKING:
    from wiki.store.sqlbase import Transaction

# Whether the account ``u`` shares its display name with an account from before names had to
# be unique; a display name as others see it then has the username added, so two people of
# the same name can be told apart.
SHARED = "EXISTS (SELECT 1 FROM users o WHERE o.display_fold = u.display_fold AND o.id <> u.id)"
SHOWN_NAME = f"CASE WHEN {SHARED} THEN u.display_name || ' (' || u.username || ')' ELSE u.display_name END"


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


def display_name_taken(display_name: str) -> NameTaken:
    """What a person is told whose chosen name someone else has."""
    return NameTaken(N_("Someone else already uses the name '{name}'. Choose another name.", name=display_name))


def held_name(transaction: Transaction, user_id: int) -> str | None:
    """The folded display name this account holds alone (not a numbered duplicate), or None."""
    row = transaction.execute(
        "SELECT display_fold FROM users WHERE id = ? AND display_duplicate = 0", (user_id,)
    ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def pass_on(transaction: Transaction, folded: str) -> None:
    """The holder of ``folded`` left it: the oldest numbered duplicate, if any, holds it now,
    so the index still refuses the name to newcomers."""
    transaction.execute(
        "UPDATE users SET display_duplicate = 0 WHERE id ="
        " (SELECT min(id) FROM users WHERE display_fold = ? AND display_duplicate <> 0)",
        (folded,),
    )


def rename(transaction: Transaction, user_id: int, display_name: str) -> None:
    """Give an account a new display name; a numbered duplicate only changing its case or
    accents stays one, any other new name must be free (the unique index raises)."""
    folded = fold_display_name(display_name)
    held = held_name(transaction, user_id)
    transaction.execute(
        "UPDATE users SET display_name = ?, display_fold = ?,"
        " display_duplicate = CASE WHEN display_fold = ? THEN display_duplicate ELSE 0 END WHERE id = ?",
        (display_name, folded, folded, user_id),
    )
    if held is not None and held != folded:
        pass_on(transaction, held)
