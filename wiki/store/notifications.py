"""Watches, events and notifications: who cares about what, what happened, who was told.

An *event* is one thing that happened that people can be told about (a commit on the branch, a
proposal written, a comment); its ``key`` is unique, so instances that hear of the same commit
store it once.  A *notification* is one event for one person (unique per event and person); the
outbox (``wiki.store.outbox``) holds the mail.  :meth:`NotificationTables.record` writes an event,
its notifications, the outbox rows of those who want mail at once and the cursor of the last
commit notified in one transaction: N instances taking in the same commit notify once, and a
cursor that moved means nobody is notified of that commit again.

Subjects are written like comment targets: ``page:<name>`` or ``proposal:<id>``; the wide
watches (``principles``, ``proposals``, ``all``) have the target ``""``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wiki.store.display_names import SHOWN_NAME
from wiki.store.sqlbase import Tables, Transaction

#: What one can watch: one page, one proposal, every page, every proposal, everything.
WATCH_KINDS = ("page", "proposal", "principles", "proposals", "all")
#: How often a person wants mail.
FREQUENCIES = ("immediately", "daily", "weekly", "never")
#: What the header of every page shows a signed-in person: unread notifications, and their
#: watches as (kind, target) for the watch buttons.
HeaderState = tuple[int, frozenset[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class Watcher:
    """Someone who watches something, with what decides how they are told."""

    user_id: int
    frequency: str
    email: str
    email_confirmed: bool


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to record: ``key`` makes it once-only; ``data`` is what the notification and
    the mail show (plain JSON values); ``actor_id`` is the account, when the actor has one
    (its name is then read from the account, so erasing it leaves no name behind)."""

    key: str
    kind: str
    subject: str
    actor_id: int | None
    actor: str
    date: float
    data: Mapping[str, Any]
    comment_id: int | None = None


@dataclass(frozen=True, slots=True)
class Cursor:
    """Move ``ref``'s cursor from ``old`` (None: none yet) to ``new`` in the same transaction."""

    ref: str
    old: str | None
    new: str


@dataclass(frozen=True, slots=True)
class NotificationRow:
    """One notification as stored, with its event; ``actor`` is the account's shown name,
    the stored name of an actor without an account, or ``""`` once the account is erased."""

    id: int
    event_id: int
    kind: str
    subject: str
    actor: str
    actor_username: str | None
    date: float
    data: Mapping[str, Any]
    comment_id: int | None
    reason: str
    seen: bool
    mailed: bool


_NOTIFICATION_COLUMNS = (
    f"n.id, e.id, e.kind, e.subject, CASE WHEN e.actor_id IS NULL THEN e.actor ELSE {SHOWN_NAME} END,"
    " u.username, e.date, e.data, e.comment_id, n.reason, n.seen, n.mailed"
)
_NOTIFICATION_FROM = " FROM notifications n JOIN events e ON e.id = n.event_id LEFT JOIN users u ON u.id = e.actor_id"


def _notification(row: Sequence[Any]) -> NotificationRow:
    return NotificationRow(
        int(row[0]),
        int(row[1]),
        str(row[2]),
        str(row[3]),
        str(row[4] or ""),
        None if row[5] is None else str(row[5]),
        float(row[6]),
        json.loads(row[7]),
        None if row[8] is None else int(row[8]),
        str(row[9]),
        bool(row[10]),
        bool(row[11]),
    )


class NotificationTables(Tables):
    """Watches, events, notifications and the notify cursor."""

    # -- watches --------------------------------------------------------------------------

    def watch(self, user_id: int, kind: str, target: str) -> None:
        """Watch something (again: nothing changes)."""
        self._write(
            "INSERT INTO watches (user_id, kind, target, created) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, kind, target) DO NOTHING",
            (user_id, kind, target, time.time()),
        )

    def unwatch(self, user_id: int, kind: str, target: str) -> None:
        """Stop watching something (not watched: nothing changes)."""
        self._write("DELETE FROM watches WHERE user_id = ? AND kind = ? AND target = ?", (user_id, kind, target))

    def watches(self, user_id: int) -> list[tuple[str, str]]:
        """What one person watches, as (kind, target), the wide ones first, then by target."""
        rows = self._rows(
            "SELECT kind, target FROM watches WHERE user_id = ? ORDER BY"
            " CASE kind WHEN 'all' THEN 0 WHEN 'principles' THEN 1 WHEN 'proposals' THEN 2"
            " WHEN 'page' THEN 3 ELSE 4 END, target",
            (user_id,),
        )
        return [(str(row[0]), str(row[1])) for row in rows]

    def is_watching(self, user_id: int, kind: str, target: str) -> bool:
        """Whether one person watches exactly this."""
        row = self._row("SELECT 1 FROM watches WHERE user_id = ? AND kind = ? AND target = ?", (user_id, kind, target))
        return row is not None

    def watchers(self, watched: Collection[tuple[str, str]]) -> dict[int, Watcher]:
        """Everyone who watches any of ``watched`` ((kind, target) pairs), once each; disabled
        and pending accounts are left out."""
        if not watched:
            return {}
        pairs = " OR ".join("(w.kind = ? AND w.target = ?)" for _ in watched)
        params = [value for pair in watched for value in pair]
        rows = self._rows(
            "SELECT DISTINCT u.id, u.mail_frequency, u.email, u.email_confirmed FROM watches w"  # noqa: S608
            f" JOIN users u ON u.id = w.user_id WHERE ({pairs}) AND u.disabled = 0 AND u.pending = 0",
            params,
        )
        return {int(row[0]): Watcher(int(row[0]), str(row[1]), str(row[2]), bool(row[3])) for row in rows}

    def people(self, user_ids: Collection[int]) -> dict[int, Watcher]:
        """These accounts (mentioned ones, say) as recipients; disabled and pending ones left out."""
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = self._rows(
            "SELECT id, mail_frequency, email, email_confirmed FROM users"  # noqa: S608
            f" WHERE id IN ({marks}) AND disabled = 0 AND pending = 0",
            list(user_ids),
        )
        return {int(row[0]): Watcher(int(row[0]), str(row[1]), str(row[2]), bool(row[3])) for row in rows}

    def header_state(self, user_id: int) -> HeaderState:
        """How many notifications one person has not read and what they watch, in one round
        trip: every page a signed-in person sees shows both (the bell, the watch button)."""
        rows = self._rows(
            "SELECT '', '', count(*) FROM notifications WHERE user_id = ? AND seen = 0"
            " UNION ALL SELECT kind, target, 0 FROM watches WHERE user_id = ?",
            (user_id, user_id),
        )
        unread = sum(int(row[2]) for row in rows if not row[0])
        return unread, frozenset((str(row[0]), str(row[1])) for row in rows if row[0])

    def mail_settings(self, user_id: int) -> tuple[str, bool]:
        """One person's mail frequency and whether they watch what they take part in."""
        row = self._row("SELECT mail_frequency, auto_watch FROM users WHERE id = ?", (user_id,))
        return ("never", False) if row is None else (str(row[0]), bool(row[1]))

    def auto_watches(self, user_id: int) -> bool:
        """Whether this person watches what they edit, propose, comment on or support."""
        row = self._row("SELECT auto_watch FROM users WHERE id = ?", (user_id,))
        return row is not None and bool(row[0])

    # -- events and notifications --------------------------------------------------------

    def record(
        self,
        event: NewEvent,
        recipients: Mapping[int, str],
        mail_now: Collection[int],
        cursor: Cursor | None = None,
        actor_watches: Collection[tuple[str, str]] = (),
    ) -> int | None:
        """Store ``event`` with a notification for each of ``recipients`` (user id -> reason)
        and an outbox row (key ``event:<id>``) for each of ``mail_now``; move ``cursor`` too,
        and let the event's actor watch ``actor_watches`` ((kind, target) pairs) if they watch
        what they touch: all in one transaction, so a save costs the database one commit.
        The event's id, or None when its key was recorded before (by another instance, or
        before a restart): nothing is written then but the actor's watches."""
        now = time.time()
        with self.backend.transaction() as transaction:
            if event.actor_id is not None:
                for kind, target in actor_watches:
                    transaction.execute(
                        "INSERT INTO watches (user_id, kind, target, created)"
                        " SELECT id, ?, ?, ? FROM users WHERE id = ? AND auto_watch = 1"
                        " ON CONFLICT (user_id, kind, target) DO NOTHING",
                        (kind, target, now, event.actor_id),
                    )
            row = transaction.execute(
                "INSERT INTO events (key, kind, subject, actor_id, actor, date, data, comment_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING id",
                (
                    event.key,
                    event.kind,
                    event.subject,
                    event.actor_id,
                    event.actor,
                    event.date,
                    json.dumps(dict(event.data), ensure_ascii=False, sort_keys=True),
                    event.comment_id,
                ),
            ).fetchone()
            if cursor is not None:
                _move_cursor(transaction, cursor)
            if row is None:
                return None
            event_id = int(row[0])
            for user_id, reason in recipients.items():
                transaction.execute(
                    "INSERT INTO notifications (event_id, user_id, reason, mailed, created) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (event_id, user_id) DO NOTHING",
                    (event_id, user_id, reason, int(user_id in mail_now), now),
                )
            for user_id in mail_now:
                if user_id in recipients:
                    transaction.execute(
                        "INSERT INTO outbox (key, user_id, kind, payload, message_id, created, due)"
                        " VALUES (?, ?, 'event', ?, ?, ?, ?) ON CONFLICT (key, user_id) DO NOTHING",
                        (
                            f"event:{event_id}",
                            user_id,
                            json.dumps({"event": event_id}),
                            message_id(f"event-{event_id}-{user_id}"),
                            now,
                            now,
                        ),
                    )
        return event_id

    def notifications(
        self, user_id: int, *, unread_only: bool = False, limit: int = 200, before: int | None = None
    ) -> list[NotificationRow]:
        """One person's notifications, newest first (at most ``limit``, older than ``before``)."""
        where = " WHERE n.user_id = ?"
        params: list[Any] = [user_id]
        if unread_only:
            where += " AND n.seen = 0"
        if before is not None:
            where += " AND n.id < ?"
            params.append(before)
        params.append(limit)
        rows = self._rows(
            f"SELECT {_NOTIFICATION_COLUMNS}{_NOTIFICATION_FROM}{where} ORDER BY n.id DESC LIMIT ?",
            params,
        )
        return [_notification(row) for row in rows]

    def unread_count(self, user_id: int) -> int:
        """How many notifications this person has not marked as read."""
        row = self._row("SELECT count(*) FROM notifications WHERE user_id = ? AND seen = 0", (user_id,))
        return int(row[0])

    def mark_read(self, user_id: int, ids: Collection[int] | None) -> int:
        """Mark these of one person's notifications (None: all) as read; how many changed."""
        if ids is None:
            return self._write("UPDATE notifications SET seen = 1 WHERE user_id = ? AND seen = 0", (user_id,))
        if not ids:
            return 0
        marks = ", ".join("?" for _ in ids)
        return self._write(
            f"UPDATE notifications SET seen = 1 WHERE user_id = ? AND seen = 0 AND id IN ({marks})",  # noqa: S608
            [user_id, *ids],
        )

    def event_of(self, event_id: int) -> NotificationRow | None:
        """An event as a notification row without a recipient (id 0), for the mail it is
        told in; None when it is gone (its comment was erased)."""
        row = self._row(
            f"SELECT 0, e.id, e.kind, e.subject, CASE WHEN e.actor_id IS NULL THEN e.actor ELSE {SHOWN_NAME} END,"  # noqa: S608
            " u.username, e.date, e.data, e.comment_id, '', 0, 0"
            " FROM events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.id = ?",
            (event_id,),
        )
        return None if row is None else _notification(row)

    # -- the cursor ------------------------------------------------------------------------

    def notify_cursor(self, ref: str) -> str | None:
        """The last commit on ``ref`` whose notifications were written, or None."""
        row = self._row("SELECT revision FROM notify_cursor WHERE ref = ?", (ref,))
        return None if row is None else str(row[0])

    def move_cursor(self, cursor: Cursor) -> None:
        """Move a cursor on its own (at start-up: to the head, so the past is never told)."""
        with self.backend.transaction() as transaction:
            _move_cursor(transaction, cursor)


def _move_cursor(transaction: Transaction, cursor: Cursor) -> None:
    """Move the cursor if it is still at ``cursor.old``: another instance that moved it
    meanwhile moved it further (or as far), and keeps its place."""
    if cursor.old is None:
        transaction.execute(
            "INSERT INTO notify_cursor (ref, revision) VALUES (?, ?) ON CONFLICT (ref) DO NOTHING",
            (cursor.ref, cursor.new),
        )
    else:
        transaction.execute(
            "UPDATE notify_cursor SET revision = ? WHERE ref = ? AND revision = ?",
            (cursor.new, cursor.ref, cursor.old),
        )


def message_id(local: str) -> str:
    """The ``Message-ID`` a mail keeps through every retry, so a resend is recognisably the same."""
    return f"<{local}@principles-wiki.invalid>"
