"""The sender: works off the outbox, queues the digests, and never loses a mail.

``send_due(now)`` is the one entry point (the app's background task calls it every few
seconds, ``wiki mail send-due`` once); time is passed in, so tests move it instead of
waiting.  Each call:

1. queues the digests that are due: daily at ``DIGEST_HOUR`` in the site's time zone
   (``WIKI_TIMEZONE``), weekly on Monday at that hour.  One digest is one outbox row, key
   ``digest:<period>:<date>`` (unique per recipient), written in the transaction that marks
   its notifications mailed and notes ``users.digest_sent``;
2. claims due rows a few at a time (``OutboxTables.claim_due``: one claimer per row, also
   across instances on PostgreSQL) and sends each, marking it sent at once: a crash resends
   at most the message in flight, with the same ``Message-ID``, once the claim's lease ends;
3. on a failure retries that row later, the wait doubling per attempt (``backoff``), and
   leaves the rest of the batch for the next call (the relay is likely down for them too).

Rate limit: at most ``HOURLY_LIMIT`` mails told at once per person per hour; the next one
waits until the hour since the oldest of those has passed (nothing is dropped, a flood is
spread out).  A mail whose reader unsubscribed meanwhile, or whose comment was hidden, is
dropped unsent.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol
from zoneinfo import ZoneInfo

from wiki.config import Settings
from wiki.services.mail_compose import Composer
from wiki.services.site import Site
from wiki.store.database import Database
from wiki.store.outbox import KEEP_SENT, OutboxRow
from wiki.store.smtp import SendFailed, SmtpTransport, parse_smtp_url

log = logging.getLogger(__name__)

#: The hour (site time) digests are due: daily every day, weekly on Mondays.
DIGEST_HOUR = 7
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
#: Mails told at once one person gets per hour at most.
HOURLY_LIMIT = 10
#: Rows claimed per statement, and the seconds a claim holds (well above a batch's sending time).
BATCH = 10
LEASE = 600.0
#: The most rows one call sends, so one call ends even when the queue is long.
MAX_PER_CALL = 200
_FIRST_RETRY = 60.0
_LONGEST_WAIT = 6 * 3600.0


class Transport(Protocol):
    """What hands a mail to a relay (``SmtpTransport``; tests may give another)."""

    def send(self, message: EmailMessage) -> None: ...


@dataclass
class SendReport:
    """What one call did."""

    sent: int = 0
    failed: int = 0
    dropped: int = 0
    postponed: int = 0
    digests: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> float:
    """Seconds to wait before attempt ``attempts + 1``: 1, 2, 4 … minutes, at most 6 hours."""
    return min(_FIRST_RETRY * 2.0 ** max(0, attempts - 1), _LONGEST_WAIT)


def digest_boundary(period: str, now: float, timezone: str) -> datetime:
    """The latest time at or before ``now`` a digest of ``period`` was due (site time)."""
    local = datetime.fromtimestamp(now, ZoneInfo(timezone))
    boundary = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if boundary > local:
        boundary -= timedelta(days=1)
    if period == "weekly":
        boundary -= timedelta(days=boundary.weekday())  # back to Monday
    return boundary


class Mailer:
    """Sends the outbox (see the module docstring)."""

    def __init__(self, settings: Settings, database: Database, composer: Composer, transport: Transport) -> None:
        self.settings = settings
        self.database = database
        self.composer = composer
        self.transport = transport

    def send_due(self, now: float) -> SendReport:
        """Queue the due digests, then send what is due at ``now``."""
        report = SendReport()
        if not self.settings.mail_on:
            return report
        report.digests = self.queue_digests(now)
        while report.sent + report.dropped + report.postponed < MAX_PER_CALL:
            claimer = uuid.uuid4().hex
            rows = self.database.claim_due(claimer, now, LEASE, BATCH)
            if not rows:
                break
            if not self._send_batch(rows, claimer, now, report):
                break
        self.database.purge_sent(now - KEEP_SENT)
        return report

    def queue_digests(self, now: float) -> int:
        """Queue every digest due at ``now``; how many were queued."""
        queued = 0
        for period, length in PERIODS.items():
            boundary = digest_boundary(period, now, self.settings.timezone)
            key = f"digest:{period}:{boundary.date().isoformat()}"
            for due in self.database.digests_due(period, boundary.timestamp(), length.total_seconds()):
                queued += self.database.queue_digest(due, key, now)
        return queued

    def _send_batch(self, rows: list[OutboxRow], claimer: str, now: float, report: SendReport) -> bool:
        """Send claimed rows in order; False (the rest let go) after the first failure."""
        for number, row in enumerate(rows):
            if not self._send_one(row, claimer, now, report):
                for rest in rows[number + 1 :]:
                    self.database.postpone(rest.id, claimer, now)
                return False
        return True

    def _send_one(self, row: OutboxRow, claimer: str, now: float, report: SendReport) -> bool:
        if row.kind != "message" and (row.frequency == "never" or not row.email or not row.email_confirmed):
            self.database.drop(row.id, claimer)
            report.dropped += 1
            return True
        if row.kind == "event":
            recent = self.database.sent_since(row.user_id, now - 3600)
            if len(recent) >= HOURLY_LIMIT:
                self.database.postpone(row.id, claimer, recent[-HOURLY_LIMIT] + 3600)
                report.postponed += 1
                return True
        try:
            message = self.composer.compose(row, now)
            if message is None:
                self.database.drop(row.id, claimer)
                report.dropped += 1
                return True
            self.transport.send(message)
        except SendFailed as error:
            self._failed(row, claimer, now, str(error), report)
            return False
        except Exception as error:  # a mail that cannot be written must not stop the others
            log.exception("could not compose outbox row %s", row.id)
            self._failed(row, claimer, now, f"could not compose the mail: {error}"[:300], report)
            return True
        self.database.mark_sent(row.id, claimer, now)
        report.sent += 1
        return True

    def _failed(self, row: OutboxRow, claimer: str, now: float, error: str, report: SendReport) -> None:
        log.warning("mail %s to account %s not sent (attempt %d): %s", row.key, row.user_id, row.attempts + 1, error)
        self.database.mark_failed(row.id, claimer, error, now + backoff(row.attempts + 1))
        report.failed += 1
        report.errors.append(error)


def open_mailer(site: Site, transport: Transport | None = None) -> Mailer:
    """The sender of ``site``'s outbox, through ``WIKI_SMTP_URL`` unless told otherwise."""
    settings = site.settings
    composer = Composer(settings, site.database, site.history, site.proposals, site.mail)
    return Mailer(settings, site.database, composer, transport or SmtpTransport(parse_smtp_url(settings.smtp_url)))
