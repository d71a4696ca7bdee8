"""What one person added beside the pages, read for their public page and "my contributions":
the account as others see it, the addresses its commits carry, its comments and its supports;
and which of a set of mentioned usernames are accounts (one query for a whole discussion).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from wiki.store import identities
from wiki.store.display_names import SHOWN_NAME
from wiki.store.sqlbase import Tables


@dataclass(frozen=True, slots=True)
class PersonRow:
    """An account as anyone may see it: its id (never shown), username and shown name."""

    id: int
    username: str
    display_name: str


@dataclass(frozen=True, slots=True)
class OwnCommentRow:
    """One of a person's comments, with where it is and whether a maintainer hid it."""

    id: int
    target: str
    body: str
    created: float
    hidden_reason: str | None


class ContributionTables(Tables):
    """Reading one person's contributions; nothing here writes."""

    def person(self, username: str) -> PersonRow | None:
        """The account with this username (folded, as sign-up compares them), or None; an
        account still waiting for approval is nobody yet."""
        row = self._row(
            f"SELECT u.id, u.username, {SHOWN_NAME} FROM users u"  # noqa: S608 (constants only)
            " WHERE (u.username = ? OR u.username_fold = ?) AND u.pending = 0"
            " ORDER BY CASE WHEN u.username = ? THEN 0 ELSE 1 END LIMIT 1",
            (username, identities.fold_username(username), username),
        )
        return None if row is None else PersonRow(int(row[0]), str(row[1]), str(row[2]))

    def commit_addresses(self, user_id: int) -> list[str]:
        """Every address the account's commits carry: ``u<id>@...`` and the older username
        addresses mapped to it."""
        rows = self._rows("SELECT commit_email FROM identities WHERE user_id = ?", (user_id,))
        return sorted({identities.commit_email(user_id), *(str(row[0]) for row in rows)})

    def comments_by(
        self, user_id: int, limit: int, before: int | None = None, *, with_hidden: bool = False
    ) -> list[OwnCommentRow]:
        """The person's comments, newest first, ``limit`` of them below id ``before``; hidden
        ones only when ``with_hidden`` (the person's own list)."""
        clauses = ["user_id = ?", "deleted IS NULL"]
        values: list[object] = [user_id]
        if before is not None:
            clauses.append("id < ?")
            values.append(before)
        if not with_hidden:
            clauses.append("hidden_reason IS NULL")
        rows = self._rows(
            "SELECT id, target, body, created, hidden_reason FROM comments"  # noqa: S608 (constants only)
            f" WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT ?",
            (*values, limit),
        )
        return [
            OwnCommentRow(int(a), str(b), str(c), float(d), None if e is None else str(e)) for a, b, c, d, e in rows
        ]

    def supports_by(self, user_id: int, limit: int, before: int | None = None) -> list[tuple[int, float]]:
        """(proposal, time) of the proposals the person supports, newest proposal first,
        ``limit`` of them below proposal ``before``."""
        rows = self._rows(
            "SELECT proposal, created FROM supports WHERE user_id = ? AND proposal < ? ORDER BY proposal DESC LIMIT ?",
            (user_id, before if before is not None else 2**62, limit),
        )
        return [(int(proposal), float(created)) for proposal, created in rows]

    def usernames_present(self, names: Collection[str]) -> dict[str, str]:
        """Of these usernames (any case), the ones that are admitted accounts: folded name ->
        the username as written at sign-up.  One query however many names."""
        folded = sorted({identities.fold_username(name) for name in names})
        if not folded:
            return {}
        marks = ", ".join("?" * len(folded))
        rows = self._rows(
            f"SELECT username_fold, username FROM users WHERE username_fold IN ({marks}) AND pending = 0",  # noqa: S608
            folded,
        )
        return {str(fold): str(username) for fold, username in rows}
