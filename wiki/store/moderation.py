"""Moderation in the open: the public log of every hide and restore, and the one request per
comment for a second look.

The log names the discussion, the comment, the maintainer (by account: an erased one reads
as a former participant), the time and the reason; it never holds the hidden text.  A log
row outlives its comment (``comment_id`` is set to NULL when the comment goes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from wiki.store.sqlbase import Tables, Transaction


@dataclass(frozen=True, slots=True)
class LogRow:
    """One line of the moderation log; ``by`` is empty when the maintainer's account is gone."""

    id: int
    comment_id: int | None
    target: str
    action: str
    by_id: int | None
    by: str
    reason: str
    created: float
    outcome: str | None


@dataclass(frozen=True, slots=True)
class SecondLookRow:
    """A comment author's request for a second look, and its answer once given."""

    comment_id: int
    target: str
    note: str
    asked: float
    answered: float | None
    answered_by: int | None
    answer: str | None
    outcome: str | None


def _log(
    transaction: Transaction, comment_id: int, target: str, *, action: str, by_id: int | None, reason: str
) -> None:
    transaction.execute(
        "INSERT INTO moderation_log (comment_id, target, action, by_id, reason, created) VALUES (?, ?, ?, ?, ?, ?)",
        (comment_id, target, action, by_id, reason, time.time()),
    )


class ModerationTables(Tables):
    """The moderation log and the second looks."""

    def log_moderation(self, comment_id: int, target: str, action: str, by_id: int, reason: str) -> None:
        """Write one line of the public log."""
        with self.backend.transaction() as transaction:
            _log(transaction, comment_id, target, action=action, by_id=by_id, reason=reason)

    def hide_comment(self, comment_id: int, target: str, reason: str, by: str, *, by_id: int | None = None) -> bool:
        """Hide a comment behind a placeholder with the reason (``by`` the maintainer's name,
        ``by_id`` their account) and log it; False when there is no such comment."""
        with self.backend.transaction() as transaction:
            changed = transaction.execute(
                "UPDATE comments SET hidden_reason = ?, hidden_by = ? WHERE id = ? AND target = ?",
                (reason, by, comment_id, target),
            ).rowcount
            if changed > 0:
                _log(transaction, comment_id, target, action="hide", by_id=by_id, reason=reason)
        return changed > 0

    def restore_comment(self, comment_id: int, target: str, reason: str, by_id: int) -> None:
        """Show a hidden comment again, and log it."""
        with self.backend.transaction() as transaction:
            transaction.execute(
                "UPDATE comments SET hidden_reason = NULL, hidden_by = NULL WHERE id = ?", (comment_id,)
            )
            _log(transaction, comment_id, target, action="restore", by_id=by_id, reason=reason)

    def moderation_log(self, limit: int) -> list[LogRow]:
        """The newest ``limit`` lines of the log, newest first."""
        rows = self._rows(
            "SELECT m.id, m.comment_id, m.target, m.action, m.by_id, COALESCE(u.display_name, ''), m.reason,"
            " m.created, s.outcome FROM moderation_log m LEFT JOIN users u ON u.id = m.by_id"
            " LEFT JOIN second_looks s ON s.comment_id = m.comment_id AND m.action = 'second_look_answered'"
            " ORDER BY m.id DESC LIMIT ?",
            (limit,),
        )
        return [LogRow(*row) for row in rows]

    def hidden_by_id(self, comment_id: int) -> int | None:
        """The account that last hid the comment (None when unknown or erased)."""
        row = self._row(
            "SELECT by_id FROM moderation_log WHERE comment_id = ? AND action = 'hide' ORDER BY id DESC LIMIT 1",
            (comment_id,),
        )
        return None if row is None or row[0] is None else int(row[0])

    def maintainer_count(self) -> int:
        """How many active maintainer accounts there are."""
        row = self._row("SELECT count(*) FROM users WHERE role = 'maintainer' AND disabled = 0 AND pending = 0")
        return int(row[0])

    def ask_second_look(self, comment_id: int, note: str) -> bool:
        """Record the request; False when the comment had one already (one per comment)."""
        row = self._row(
            "INSERT INTO second_looks (comment_id, note, asked) VALUES (?, ?, ?)"
            " ON CONFLICT (comment_id) DO NOTHING RETURNING comment_id",
            (comment_id, note, time.time()),
        )
        return row is not None

    def second_look(self, comment_id: int) -> SecondLookRow | None:
        """The request about a comment, or None."""
        row = self._row(
            "SELECT s.comment_id, c.target, s.note, s.asked, s.answered, s.answered_by, s.answer, s.outcome"
            " FROM second_looks s JOIN comments c ON c.id = s.comment_id"
            " WHERE s.comment_id = ?",
            (comment_id,),
        )
        return None if row is None else SecondLookRow(*row)

    def open_second_looks(self) -> list[SecondLookRow]:
        """The requests not answered yet, oldest first."""
        rows = self._rows(
            "SELECT s.comment_id, c.target, s.note, s.asked, s.answered, s.answered_by, s.answer, s.outcome"
            " FROM second_looks s JOIN comments c ON c.id = s.comment_id"
            " WHERE s.answered IS NULL ORDER BY s.asked"
        )
        return [SecondLookRow(*row) for row in rows]

    def answer_second_look(self, comment_id: int, by_id: int, answer: str, outcome: str) -> bool:
        """Record the answer; False when it was answered already (or never asked)."""
        changed = self._write(
            "UPDATE second_looks SET answered = ?, answered_by = ?, answer = ?, outcome = ?"
            " WHERE comment_id = ? AND answered IS NULL",
            (time.time(), by_id, answer, outcome, comment_id),
        )
        return changed > 0

    def second_look_states(self, target: str) -> dict[int, bool]:
        """For each comment of ``target`` with a request for a second look: whether it was answered."""
        rows = self._rows(
            "SELECT s.comment_id, s.answered FROM second_looks s JOIN comments c ON c.id = s.comment_id"
            " WHERE c.target = ?",
            (target,),
        )
        return {int(comment_id): answered is not None for comment_id, answered in rows}
