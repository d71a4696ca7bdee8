"""Moderation in the open: maintainers hide a comment (with a reason, in
``services/discussion``) and restore it, each step in a public log (``/moderation``: what,
when, by whom, why, never the hidden text), and the comment's author may ask once for a
second look.

The second look is answered by a maintainer other than the one who hid the comment.  Where
there is only one maintainer account, that one answers, and the answer says publicly that no
other maintainer exists (the outcome ends in ``_alone``).  The author is told of the answer
through the notifier (an event ``second_look_answered``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from wiki.errors import N_, BadInput, Forbidden, NotFound
from wiki.models import User
from wiki.services.history import FORMER_AUTHOR, moment
from wiki.services.notifier import LookAnswered, Notifier
from wiki.store.database import Database
from wiki.store.discussion import CommentRow

#: How many lines of the log ``/moderation`` shows.
LOG_LIMIT = 200
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the public log: ``url`` leads to the comment (or its discussion when the
    comment is gone); ``restored``/``alone`` describe an answer to a second look."""

    action: str
    target: str
    url: str
    comment_id: int | None
    by: str
    reason: str
    date: datetime
    restored: bool
    alone: bool


@dataclass(frozen=True, slots=True)
class OpenLook:
    """A request for a second look still to be answered (shown to maintainers)."""

    comment_id: int
    url: str
    note: str
    asked: datetime
    hidden_by_me: bool


@dataclass(frozen=True, slots=True)
class ModerationPage:
    """What ``/moderation`` shows: the log, and for maintainers the open requests."""

    entries: tuple[LogEntry, ...]
    open_looks: tuple[OpenLook, ...]
    alone: bool


def discussion_url(target: str) -> str:
    """The address of a discussion: ``proposal:3`` -> ``/proposals/3``, ``page:x`` -> ``/discuss/x``."""
    kind, _sep, rest = target.partition(":")
    return f"/proposals/{rest}" if kind == "proposal" else f"/discuss/{quote(rest)}"


def _reason(text: str) -> str:
    """A reason or note on one line, at most ``MAX_REASON`` characters ("" when there is none)."""
    return " ".join(text.split())[:MAX_REASON]


class ModerationService:
    """Restore, the public log and the second looks."""

    def __init__(self, database: Database, notifier: Notifier) -> None:
        self.database = database
        self.notifier = notifier

    def _comment(self, comment_id: int) -> CommentRow:
        row = self.database.comment(comment_id)
        if row is None:
            raise NotFound(N_("No such comment."))
        return row

    def restore(self, comment_id: int, user: User, reason: str, *, target: str | None = None) -> str:
        """Show a hidden comment again (logged, with the reason if one is given); the
        discussion it is in.  ``target``, when given, must be that discussion."""
        row = self._comment(comment_id)
        if target is not None and row.target != target:
            raise NotFound(N_("No such comment."))
        if row.hidden_reason is None:
            raise BadInput(N_("This comment is not hidden."))
        self.database.restore_comment(comment_id, row.target, _reason(reason), user.id)
        return row.target

    def ask(self, comment_id: int, user: User, note: str) -> str:
        """The author of a hidden comment asks for a second look (once); the discussion."""
        row = self._comment(comment_id)
        if row.user_id != user.id:
            raise Forbidden(N_("Only its author can ask for a second look at a comment."))
        if row.hidden_reason is None:
            raise BadInput(N_("This comment is not hidden."))
        note = _reason(note)
        if not note:
            raise BadInput(N_("Say in a few words why the comment should be shown again."))
        if not self.database.ask_second_look(comment_id, note):
            raise BadInput(N_("You can ask for a second look only once."))
        self.database.log_moderation(comment_id, row.target, "second_look_asked", user.id, note)
        return row.target

    def answer(self, comment_id: int, user: User, *, restore: bool, reason: str) -> str:
        """A maintainer answers a request for a second look: restore the comment or keep it
        hidden, with a reason.  Not the one who hid it, unless no other maintainer exists."""
        row = self._comment(comment_id)
        look = self.database.second_look(comment_id)
        if look is None or look.answered is not None:
            raise BadInput(N_("There is no open request for a second look at this comment."))
        reason = _reason(reason)
        if not reason:
            raise BadInput(N_("Give a reason for the answer."))
        alone = self.database.maintainer_count() <= 1
        if self.database.hidden_by_id(comment_id) == user.id and not alone:
            raise Forbidden(N_("Another maintainer answers this request: you hid the comment yourself."))
        outcome = ("restored" if restore else "kept") + ("_alone" if alone else "")
        if not self.database.answer_second_look(comment_id, user.id, reason, outcome):
            raise BadInput(N_("There is no open request for a second look at this comment."))
        self.database.log_moderation(comment_id, row.target, "second_look_answered", user.id, reason)
        if restore and row.hidden_reason is not None:
            self.database.restore_comment(comment_id, row.target, reason, user.id)
        self.notifier.second_look_answered(
            LookAnswered(row.target, comment_id, row.user_id, user, outcome, time.time())
        )
        return row.target

    def page(self, user: User | None, *, maintainer: bool) -> ModerationPage:
        """The public log, newest first; for a maintainer also the open requests."""
        entries = tuple(
            LogEntry(
                row.action,
                row.target,
                discussion_url(row.target) + (f"#comment-{row.comment_id}" if row.comment_id is not None else ""),
                row.comment_id,
                row.by or FORMER_AUTHOR,
                row.reason,
                moment(int(row.created)),
                (row.outcome or "").startswith("restored"),
                (row.outcome or "").endswith("_alone"),
            )
            for row in self.database.moderation_log(LOG_LIMIT)
        )
        looks: tuple[OpenLook, ...] = ()
        if maintainer and user is not None:
            looks = tuple(
                OpenLook(
                    look.comment_id,
                    discussion_url(look.target) + f"#comment-{look.comment_id}",
                    look.note,
                    moment(int(look.asked)),
                    self.database.hidden_by_id(look.comment_id) == user.id,
                )
                for look in self.database.open_second_looks()
            )
        return ModerationPage(entries, looks, self.database.maintainer_count() <= 1)
