"""Writing the mails of the outbox: one event told at once, or a digest, in the reader's language.

A mail is composed when it is sent, not when it is queued, so what it shows is what is still
there: a comment hidden (or erased) meanwhile is left out, and a mail with nothing left to
tell is not sent at all.  Each mail is plain text with an HTML alternative (the templates in
``templates/mail``), in the account's language (``users.language``, else the site's), with
its links on ``WIKI_PUBLIC_URL``, a link to the mail settings, and RFC 8058's one-click
unsubscribe (``List-Unsubscribe`` and ``List-Unsubscribe-Post``).  The ``Message-ID`` is the
outbox row's, kept through every retry.

A page change shows its word diff (``wiki.services.diff`` through the history service),
shortened: a few changed paragraphs, long unchanged stretches cut to their ends.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_datetime

from wiki import catalogs
from wiki.config import Settings
from wiki.errors import N_, NotFound
from wiki.resources import folder
from wiki.services.diff import Block, Piece
from wiki.services.event_words import sentence
from wiki.services.history import HistoryService
from wiki.services.mail import MailService
from wiki.services.proposals import ProposalService
from wiki.store.database import Database
from wiki.store.notifications import NotificationRow
from wiki.store.outbox import OutboxRow

#: Changed paragraphs a mail shows per page, and the characters kept of each piece.
SHOWN_BLOCKS = 5
_KEPT_SAME = 60
_KEPT_CHANGED = 400
_PAGE_KINDS = {"edit", "create", "rename", "delete", "restore", "undo", "undelete"}

SOMEONE = N_("Someone")
DIGEST_SUBJECTS = {
    "daily": N_("Your daily summary of the principles wiki"),
    "weekly": N_("Your weekly summary of the principles wiki"),
}


@dataclass(frozen=True, slots=True)
class Told:
    """One event as a mail tells it: its line, where to see it, and what it shows."""

    headline: str
    url: str
    date: str
    diffs: list[tuple[str, list[Block], int]]
    comment: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Group:
    """The events of one digest about one page or proposal."""

    title: str
    url: str
    items: list[Told]


@functools.cache
def _environment(language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder("templates") / "mail"),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(catalogs.translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def _cut(text: str, keep: int, *, start: bool, end: bool) -> str:
    """``text`` cut to ``keep`` characters at the ends that touch a change."""
    if len(text) <= 2 * keep:
        return text
    head = text[:keep] if end else ""
    tail = text[-keep:] if start else ""
    return f"{head} … {tail}".strip()


def shortened(blocks: Iterable[Block]) -> tuple[list[Block], int]:
    """The first ``SHOWN_BLOCKS`` changed paragraphs, long pieces cut; and how many more changed."""
    changed = [block for block in blocks if block.changed]
    shown = []
    for block in changed[:SHOWN_BLOCKS]:
        pieces = block.pieces
        cut = []
        for number, piece in enumerate(pieces):
            if piece.kind == "same":
                text = _cut(piece.text, _KEPT_SAME, start=number > 0, end=number < len(pieces) - 1)
            else:
                text = piece.text if len(piece.text) <= _KEPT_CHANGED else piece.text[:_KEPT_CHANGED] + " …"
            cut.append(Piece(piece.kind, text))
        shown.append(Block(tuple(cut)))
    return shown, max(0, len(changed) - SHOWN_BLOCKS)


class Composer:
    """Turns outbox rows into mails (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        history: HistoryService,
        proposals: ProposalService,
        mail: MailService,
    ) -> None:
        self.settings = settings
        self.database = database
        self.history = history
        self.proposals = proposals
        self.mail = mail
        self.base = settings.public_url.rstrip("/")

    def compose(self, row: OutboxRow, now: float) -> EmailMessage | None:
        """The mail of ``row``, or None when nothing is left to tell."""
        language = row.language if row.language in catalogs.LANGUAGES else self.settings.language
        if row.kind == "message":
            return self._message(
                row, str(row.payload["subject"]), str(row.payload["text"]), str(row.payload["html"]), now
            )
        if row.kind == "event":
            event = self.database.event_of(int(row.payload["event"]))
            told = None if event is None else self._told(event, language)
            if told is None:
                return None
            return self._render(row, language, "event", told.headline, {"told": told}, now=now)
        ids = [int(number) for number in row.payload["notifications"]]
        groups = self._groups(self.database.notifications_of(row.user_id, ids), language)
        if not groups:
            return None
        subject = catalogs.translations(language).gettext(DIGEST_SUBJECTS[str(row.payload["period"])])
        count = sum(len(group.items) for group in groups)
        context = {"groups": groups, "count": count, "more": int(row.payload.get("more", 0))}
        return self._render(row, language, "digest", subject, context, now=now)

    # -- the mail itself --------------------------------------------------------------------

    def _render(
        self, row: OutboxRow, language: str, name: str, subject: str, context: dict[str, Any], *, now: float
    ) -> EmailMessage:
        env = _environment(language)
        full = {
            **context,
            "subject": subject,
            "base": self.base,
            "settings_url": f"{self.base}/account",
            "notifications_url": f"{self.base}/notifications",
            "unsubscribe_url": self.mail.unsubscribe_url(row.user_id),
            "language": language,
        }
        text = env.get_template(f"{name}.txt").render(full)
        html = env.get_template(f"{name}.html").render(full)
        message = self._message(row, subject, text, html, now)
        message["List-Unsubscribe"] = f"<{full['unsubscribe_url']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Content-Language"] = language
        return message

    def _message(self, row: OutboxRow, subject: str, text: str, html: str, now: float) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self.settings.sender
        message["To"] = row.email
        message["Date"] = formatdate(now, usegmt=True)
        message["Message-ID"] = row.message_id
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    # -- what an event shows ----------------------------------------------------------------

    def _told(self, event: NotificationRow, language: str, *, with_diff: bool = True) -> Told | None:
        """One event in ``language``; None for a comment that was hidden, deleted or is gone."""
        gettext = catalogs.translations(language).gettext
        kind, _, target = event.subject.partition(":")
        data = event.data
        comment = reason = message = ""
        diffs: list[tuple[str, list[Block], int]] = []
        title = self._title(kind, target)
        url = self._url_of(kind, target)
        if event.kind == "comment":
            found = [c for c in self.database.comments(event.subject) if c.id == event.comment_id]
            if not found or found[0].hidden_reason is not None or found[0].deleted is not None:
                return None
            comment = found[0].body
            where = f"{self.base}/discuss/{quote(target)}" if kind == "page" else url
            url = f"{where}#comment-{event.comment_id}"
        elif event.kind in _PAGE_KINDS and data.get("revision"):
            url = f"{self.base}/change/{data['revision']}"
            if with_diff:
                diffs = self._diffs(str(data["revision"]))
        elif event.kind in ("proposal_accepted", "proposal_declined", "proposal_withdrawn"):
            reason = self._reason(target)
        elif event.kind == "version_named":
            title = str(data.get("version") or target)
        else:
            message = str(data.get("message") or "")
        actor = event.actor or gettext(SOMEONE)
        words = sentence("reply" if event.reason == "reply" else event.kind)
        headline = gettext(words).format(actor=actor, title=title)
        return Told(headline, url, self._date(event.date, language), diffs, comment, reason, message)

    def _groups(self, rows: list[NotificationRow], language: str) -> list[Group]:
        """A digest's notifications per page or proposal, the groups in the order of their
        first notification; hidden comments left out."""
        groups: dict[str, list[Told]] = {}
        for row in rows:
            told = self._told(row, language, with_diff=False)
            if told is not None:
                groups.setdefault(row.subject, []).append(told)
        result = []
        for subject, items in groups.items():
            kind, _, target = subject.partition(":")
            result.append(Group(self._title(kind, target), self._url_of(kind, target), items))
        return result

    def _diffs(self, revision: str) -> list[tuple[str, list[Block], int]]:
        try:
            _change, diffs = self.history.change(revision)
        except NotFound:  # not in this instance's index (yet): the link shows it
            return []
        return [(diff.title, *shortened(diff.blocks)) for diff in diffs]

    def _title(self, kind: str, target: str) -> str:
        try:
            if kind == "page":
                return self.history.pages.get(target)[0].title
            if kind == "proposal":
                return self.proposals.get(int(target)).record.title
        except (NotFound, ValueError):
            pass
        return target

    def _reason(self, target: str) -> str:
        """Why the proposal was decided or withdrawn (its last status change's reason)."""
        try:
            events = self.proposals.get(int(target)).record.status_events
        except (NotFound, ValueError):
            return ""
        return events[-1].reason if events else ""

    def _url_of(self, kind: str, target: str) -> str:
        if kind == "page":
            return f"{self.base}/p/{quote(target)}"
        if kind == "proposal":
            return f"{self.base}/proposals/{quote(target)}"
        if kind == "version":
            return f"{self.base}/versions/{quote(target)}"
        return f"{self.base}/changes"

    def _date(self, seconds: float, language: str) -> str:
        moment = datetime.fromtimestamp(seconds, UTC)
        return str(format_datetime(moment, "medium", tzinfo=ZoneInfo(self.settings.timezone), locale=language))
