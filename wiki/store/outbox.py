"""The outbox: mail waiting to go out, one row per (key, recipient), kept until sent.

Rows are written in the same transaction as what they tell (``NotificationTables.record`` for
the mail of one event), so a mail is never promised without its cause, nor its cause recorded
without the mail.  The key is unique per recipient: ``event:<id>`` for one event told at once,
``digest:<period>:<date>`` for a digest, ``<purpose>:<token id>`` for a message such as a
password reset.  Kinds: ``event`` and ``digest`` are composed when sent (so a comment hidden
meanwhile is left out); a ``message`` carries its subject and texts, composed by its writer,
and its payload is cleared once it is sent (a reset link is not kept after its mail went).

Sending is claimed: :meth:`OutboxTables.claim_due` marks due rows with the claimer and a
lease (``claimed_by``, ``claimed_until``) in one statement; on PostgreSQL the rows are picked
``FOR UPDATE SKIP LOCKED``, so instances sharing the database each take other rows, and on
SQLite the statement holds the one writer lock.  A claimer that dies leaves its rows to be
taken again when the lease ends: at most the message in flight goes out twice, with the same
``Message-ID``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wiki.store.notifications import (
    _NOTIFICATION_COLUMNS,
    _NOTIFICATION_FROM,
    NotificationRow,
    _notification,
    message_id,
)
from wiki.store.sqlbase import Tables

#: Notifications one digest lists at most; those beyond are counted ("and 40 more").
DIGEST_LIMIT = 200
#: Sent rows are kept this long (the counts on /admin/mail), then deleted: they are personal data.
KEEP_SENT = 30 * 86400
_DIGEST_SINCE = "SELECT n.id FROM notifications n WHERE n.user_id = ? AND n.mailed = 0 AND n.created > ?"


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One claimed mail with what its recipient's account says now."""

    id: int
    key: str
    user_id: int
    kind: str
    payload: dict[str, Any]
    message_id: str
    attempts: int
    email: str
    email_confirmed: bool
    frequency: str
    language: str
    username: str


@dataclass(frozen=True, slots=True)
class DigestDue:
    """Someone whose digest of one period is due: their unmailed notifications after ``since``."""

    user_id: int
    frequency: str
    since: float


@dataclass(frozen=True, slots=True)
class Failure:
    """A mail that could not be sent yet, for /admin/mail."""

    key: str
    username: str
    attempts: int
    last_error: str
    due: float


@dataclass(frozen=True, slots=True)
class QueueState:
    """The outbox at a glance: waiting, failed so far (and retried), sent in the last day and week."""

    pending: int
    failed: int
    sent_day: int
    sent_week: int
    failures: list[Failure]


class OutboxTables(Tables):
    """The outbox."""

    def enqueue_message(self, key: str, user_id: int, subject: str, text: str, html: str) -> bool:
        """Queue a composed mail to one account; False when ``key`` was queued for it before."""
        now = time.time()
        payload = json.dumps({"subject": subject, "text": text, "html": html}, ensure_ascii=False)
        changed = self._write(
            "INSERT INTO outbox (key, user_id, kind, payload, message_id, created, due)"
            " VALUES (?, ?, 'message', ?, ?, ?, ?) ON CONFLICT (key, user_id) DO NOTHING",
            (key, user_id, payload, message_id(f"{key.replace(':', '-')}-{user_id}"), now, now),
        )
        return changed > 0

    # -- the sender -------------------------------------------------------------------------

    def claim_due(self, claimer: str, now: float, lease: float, limit: int) -> list[OutboxRow]:
        """Claim up to ``limit`` rows due at ``now`` that nobody holds, for ``lease`` seconds;
        ``claimer`` must be new for every call (it finds the rows again)."""
        skip_locked = " FOR UPDATE SKIP LOCKED" if self.backend.name == "postgresql" else ""
        free = "sent IS NULL AND due <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
        with self.backend.transaction() as transaction:
            # Materialized: PostgreSQL runs the pick once (a subquery in the WHERE may be run
            # again per row and claim more than ``limit``).
            transaction.execute(
                f"WITH picked AS MATERIALIZED (SELECT id FROM outbox WHERE {free}"  # noqa: S608
                f" ORDER BY due, id LIMIT ?{skip_locked})"
                f" UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN (SELECT id FROM picked) AND {free}",
                (now, now, limit, claimer, now + lease, now, now),
            )
            rows = transaction.execute(
                "SELECT o.id, o.key, o.user_id, o.kind, o.payload, o.message_id, o.attempts, u.email,"
                " u.email_confirmed, u.mail_frequency, u.language, u.username"
                " FROM outbox o JOIN users u ON u.id = o.user_id WHERE o.claimed_by = ? AND o.sent IS NULL"
                " ORDER BY o.due, o.id",
                (claimer,),
            ).fetchall()
        return [
            OutboxRow(
                int(row[0]),
                str(row[1]),
                int(row[2]),
                str(row[3]),
                json.loads(row[4]),
                str(row[5]),
                int(row[6]),
                str(row[7]),
                bool(row[8]),
                str(row[9]),
                str(row[10]),
                str(row[11]),
            )
            for row in rows
        ]

    def mark_sent(self, row_id: int, claimer: str, now: float) -> None:
        """The relay took the mail: sent; a composed message forgets its texts (a reset link
        is not kept once its mail went)."""
        self._write(
            "UPDATE outbox SET sent = ?, claimed_by = NULL, claimed_until = NULL, last_error = NULL,"
            " payload = CASE WHEN kind = 'message' THEN '{}' ELSE payload END WHERE id = ? AND claimed_by = ?",
            (now, row_id, claimer),
        )

    def mark_failed(self, row_id: int, claimer: str, error: str, retry_at: float) -> None:
        """The relay did not take it: one attempt more, the reason, tried again at ``retry_at``."""
        self._write(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, due = ?, claimed_by = NULL,"
            " claimed_until = NULL WHERE id = ? AND claimed_by = ?",
            (error, retry_at, row_id, claimer),
        )

    def postpone(self, row_id: int, claimer: str, until: float) -> None:
        """Not now (the person had their share of mail this hour); not counted as an attempt."""
        self._write(
            "UPDATE outbox SET due = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?",
            (until, row_id, claimer),
        )

    def drop(self, row_id: int, claimer: str) -> None:
        """Forget a mail that is not to go out (its comment was hidden, its reader unsubscribed)."""
        self._write("DELETE FROM outbox WHERE id = ? AND claimed_by = ?", (row_id, claimer))

    def sent_since(self, user_id: int, since: float) -> list[float]:
        """When the mails told at once to this person since ``since`` went, oldest first."""
        rows = self._rows(
            "SELECT sent FROM outbox WHERE user_id = ? AND kind = 'event' AND sent >= ? ORDER BY sent",
            (user_id, since),
        )
        return [float(row[0]) for row in rows]

    def purge_sent(self, before: float) -> int:
        """Delete the rows of mail sent before ``before``; how many."""
        return self._write("DELETE FROM outbox WHERE sent IS NOT NULL AND sent < ?", (before,))

    # -- digests ---------------------------------------------------------------------------

    def digests_due(self, frequency: str, boundary: float, period: float) -> list[DigestDue]:
        """Everyone on ``frequency`` whose last digest (or account) is older than ``boundary``,
        the latest digest time, and who can receive mail.  A digest tells every notification not
        mailed yet; the first one of an account (``digest_sent`` empty: new, or just switched to
        a digest) reaches back one ``period`` at most, so choosing a digest does not mail the past."""
        rows = self._rows(
            "SELECT id, digest_sent, created FROM users WHERE mail_frequency = ? AND email <> ''"
            " AND email_confirmed = 1 AND disabled = 0 AND pending = 0"
            " AND COALESCE(digest_sent, created) < ?",
            (frequency, boundary),
        )
        return [
            DigestDue(int(row[0]), frequency, 0.0 if row[1] is not None else max(float(row[2]), boundary - period))
            for row in rows
        ]

    def queue_digest(self, due: DigestDue, key: str, now: float) -> bool:
        """In one transaction: queue the digest ``key`` of ``due``'s unmailed notifications,
        mark them mailed and note the digest as sent; nothing to tell: only the note.  False
        when another instance queued this digest first (nothing is written then)."""
        with self.backend.transaction() as transaction:
            ids = [
                int(row[0])
                for row in transaction.execute(
                    f"{_DIGEST_SINCE} AND n.created <= ? ORDER BY n.id", (due.user_id, due.since, now)
                ).fetchall()
            ]
            if ids:
                payload = {
                    "period": due.frequency,
                    "notifications": ids[-DIGEST_LIMIT:],
                    "more": max(0, len(ids) - DIGEST_LIMIT),
                }
                row = transaction.execute(
                    "INSERT INTO outbox (key, user_id, kind, payload, message_id, created, due)"
                    " VALUES (?, ?, 'digest', ?, ?, ?, ?) ON CONFLICT (key, user_id) DO NOTHING RETURNING id",
                    (
                        key,
                        due.user_id,
                        json.dumps(payload),
                        message_id(f"{key.replace(':', '-')}-{due.user_id}"),
                        now,
                        now,
                    ),
                ).fetchone()
                if row is None:
                    return False
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    marks = ", ".join("?" for _ in chunk)
                    transaction.execute(f"UPDATE notifications SET mailed = 1 WHERE id IN ({marks})", chunk)  # noqa: S608
            transaction.execute("UPDATE users SET digest_sent = ? WHERE id = ?", (now, due.user_id))
        return True

    def notifications_of(self, user_id: int, ids: Sequence[int]) -> list[NotificationRow]:
        """These notifications of one person (those still there), oldest first."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = self._rows(
            f"SELECT {_NOTIFICATION_COLUMNS}{_NOTIFICATION_FROM} WHERE n.user_id = ? AND n.id IN ({marks})"
            " ORDER BY n.id",
            [user_id, *ids],
        )
        return [_notification(row) for row in rows]

    # -- for maintainers -------------------------------------------------------------------

    def queue_state(self, now: float, shown: int = 20) -> QueueState:
        """Counts of the outbox and the ``shown`` mails that failed most recently."""
        row = self._row(
            "SELECT"
            " COALESCE(SUM(CASE WHEN sent IS NULL THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN sent IS NULL AND attempts > 0 THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN sent >= ? THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN sent >= ? THEN 1 ELSE 0 END), 0) FROM outbox",
            (now - 86400, now - 7 * 86400),
        )
        failures = self._rows(
            "SELECT o.key, u.username, o.attempts, o.last_error, o.due FROM outbox o JOIN users u ON u.id = o.user_id"
            " WHERE o.sent IS NULL AND o.attempts > 0 ORDER BY o.due DESC LIMIT ?",
            (shown,),
        )
        return QueueState(
            int(row[0]),
            int(row[1]),
            int(row[2]),
            int(row[3]),
            [Failure(str(f[0]), str(f[1]), int(f[2]), str(f[3] or ""), float(f[4])) for f in failures],
        )
