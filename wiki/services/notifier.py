"""The notifier: hears every change and tells the people who watch what changed.

It listens to the change stream (``wiki.store.changes``: the committer's own commits and those
the index takes in from elsewhere) and to the discussion (comments and supports live in the
database, not in git).  What it hears goes onto a queue and one worker thread of its own works
it off, so a save waits for nothing but the queue: who watches, what to record and what to mail
is worked out after the save has answered.

For commits on the served branch the shared database keeps a cursor, the last commit notified,
moved in the same transaction as the notifications and the outbox rows.  A commit the cursor has
passed is told only if its event's key is new: the workers of ``wiki serve --workers`` share one
database and each tells the commits it wrote, so a later commit may be told before an earlier
one another worker wrote (which is then told, the cursor staying where it is).  At
start-up the commits after the cursor are told (pushed while the wiki was down), and a database
that has no cursor yet starts at the head, so a new or rebuilt index never tells the past again.
Event keys are unique as well, so two instances that race on one commit still tell it once.

Nobody is told about their own actions.  People watch what they edit, propose, comment on or
support, unless they turned that off.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from wiki.models import User
from wiki.services.mentions import mentioned
from wiki.store.changes import Change, ChangeKind, arrival
from wiki.store.database import Database
from wiki.store.git.repository import GitRepository
from wiki.store.notifications import Cursor, NewEvent, Watcher

log = logging.getLogger(__name__)

#: The changes that are about pages (and so watched per page and as "principles").
PAGE_KINDS = frozenset(
    {
        ChangeKind.EDIT,
        ChangeKind.CREATE,
        ChangeKind.RENAME,
        ChangeKind.DELETE,
        ChangeKind.RESTORE,
        ChangeKind.UNDO,
        ChangeKind.UNDELETE,
    }
)
#: The changes after which their actor watches the pages they touched.
_WATCHED_BY_ACTOR = PAGE_KINDS - {ChangeKind.DELETE}

EVERYTHING = ("all", "")
PRINCIPLES = ("principles", "")
PROPOSALS = ("proposals", "")


@dataclass(frozen=True, slots=True)
class Commented:
    """A comment was added to ``target`` (``page:<name>`` or ``proposal:<id>``);
    ``parent_author`` is the account whose comment it answers."""

    target: str
    comment_id: int
    user: User
    body: str
    date: float
    parent_author: int | None = None


@dataclass(frozen=True, slots=True)
class LookAnswered:
    """A maintainer answered the request for a second look at a hidden comment: its author is told."""

    target: str
    comment_id: int
    author_id: int
    user: User
    outcome: str
    date: float


@dataclass(frozen=True, slots=True)
class Supported:
    """Someone supported a proposal: they watch it from now on."""

    proposal: int
    user: User


Heard = Change | Commented | Supported | LookAnswered


def watched_by(change: Change) -> list[tuple[str, str]]:
    """What one watches to hear of ``change``: its pages, its proposal, and the wide watches."""
    pages = [("page", name) for name in change.pages]
    proposal = [("proposal", str(change.proposal))] if change.proposal is not None else []
    if change.kind in PAGE_KINDS:
        return [*pages, PRINCIPLES, EVERYTHING]
    if change.kind is ChangeKind.VERSION_NAMED:
        return [PRINCIPLES, EVERYTHING]
    if change.kind is ChangeKind.PROPOSAL_CREATED:
        return [*pages, PROPOSALS, EVERYTHING]
    if change.kind is ChangeKind.PROPOSAL_ACCEPTED:
        return [*proposal, *pages, PRINCIPLES, PROPOSALS, EVERYTHING]
    return [*proposal, PROPOSALS, EVERYTHING]


def _touched(change: Change) -> list[tuple[str, str]]:
    """What the actor of ``change`` watches from now on (if they watch what they touch): the
    page they edited, or the proposal they made, revised or decided."""
    if change.kind in _WATCHED_BY_ACTOR:
        return [("page", change.pages[-1])] if change.pages else []
    if change.proposal is not None and change.kind is not ChangeKind.PROPOSAL_WITHDRAWN:
        return [("proposal", str(change.proposal))]
    return []


def subject_of(change: Change) -> str:
    """What a change is grouped under: its proposal, the version, or its (last) page."""
    if change.proposal is not None:
        return f"proposal:{change.proposal}"
    if change.version is not None:
        return f"version:{change.version}"
    return f"page:{change.pages[-1]}" if change.pages else "wiki:"


class Notifier:
    """Turns what it hears into notifications and outbox rows (see the module docstring)."""

    def __init__(
        self,
        database: Database,
        repo: GitRepository,
        *,
        mail_on: Callable[[], bool],
        recorded: Callable[[], None] = lambda: None,
    ) -> None:
        """``mail_on`` says whether mail can be sent at all (SMTP configured): without it
        nothing is queued, so switching mail on later does not send the past.  ``recorded``
        is called after each thing is recorded (the bells and watches believed a moment for
        signed-in people are then asked again)."""
        self.database = database
        self.recorded = recorded
        self.repo = repo
        self.mail_on = mail_on
        self._queue: queue.Queue[Heard | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- what it hears (from any thread; returns at once) ----------------------------------

    def heard(self, change: Change) -> None:
        """A change-stream subscriber: queue ``change``."""
        self._put(change)

    def commented(
        self, target: str, comment_id: int, user: User, body: str, date: float, *, parent_author: int | None = None
    ) -> None:
        """Queue a comment that was just stored (a reply to ``parent_author``'s comment)."""
        self._put(Commented(target, comment_id, user, body, date, parent_author))

    def second_look_answered(self, answered: LookAnswered) -> None:
        """Queue the answer to a request for a second look."""
        self._put(answered)

    def supported(self, proposal: int, user: User) -> None:
        """Queue a support that was just given."""
        self._put(Supported(proposal, user))

    def _put(self, item: Heard) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="notifier", daemon=True)
                self._thread.start()
        self._queue.put(item)

    # -- running ----------------------------------------------------------------------------

    def catch_up(self) -> None:
        """Tell the commits on the branch after the cursor (arrived while no instance was
        listening); without a cursor, or when history was rewritten past it, start at the
        head.  Call at start-up, holding the writer slot, before changes are heard."""
        ref, head = self.repo.branch, self.repo.head()
        if head is None:
            return
        told = self.database.notify_cursor(ref)
        if told is None or not self.repo.commit_exists(told) or not self.repo.is_ancestor(told, head):
            self.database.move_cursor(Cursor(ref, told, head))
            return
        for commit in self.repo.log(head, told):
            self._put(arrival(commit, ref))

    def settle(self) -> None:
        """Wait until everything heard so far is recorded (tests, and ``wiki mail send-due``)."""
        self._queue.join()

    def close(self) -> None:
        """Record what is queued, then stop the worker."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._handle(item)
            except Exception:  # one bad change must not stop everybody's notifications
                log.exception("could not record the notifications of %r", item)
            finally:
                self.recorded()
                self._queue.task_done()

    def _handle(self, item: Heard) -> None:
        if isinstance(item, Change):
            self._change(item)
        elif isinstance(item, Commented):
            self._comment(item)
        elif isinstance(item, LookAnswered):
            self._look_answered(item)
        else:
            self._watch_if_wanted(item.user.id, [("proposal", str(item.proposal))])

    # -- the rules --------------------------------------------------------------------------

    def _change(self, change: Change) -> None:
        cursor = None
        if change.ref == self.repo.branch:
            told, cursor = self._cursor_after(change.ref, change.revision)
            if told:
                return
            key = f"commit:{change.revision}"
        elif change.kind is ChangeKind.VERSION_NAMED:
            key = f"tag:{change.ref}"
        else:
            key = f"{change.kind}:{change.ref}:{change.revision}"
        owners = self.database.commit_owners([change.actor_email])
        actor_id = owners.get(change.actor_email)
        event = NewEvent(
            key=key,
            kind=str(change.kind),
            subject=subject_of(change),
            actor_id=actor_id,
            actor="" if actor_id is not None else change.actor,
            date=float(change.date),
            data={
                "revision": change.revision,
                "ref": change.ref,
                "pages": list(change.pages),
                "proposal": change.proposal,
                "version": change.version,
                "message": change.message,
                "origin": str(change.origin),
            },
        )
        recipients = self.database.watchers(watched_by(change))
        self._record(event, dict.fromkeys(recipients, "watch"), recipients, cursor, _touched(change))

    def _cursor_after(self, ref: str, revision: str) -> tuple[bool, Cursor | None]:
        """Whether ``revision`` on ``ref`` was told already, and the cursor move that telling
        it makes (None when the cursor is past it or on another line, and keeps its place).  The usual
        case, a commit on top of the cursor, is read from the commit without starting git."""
        told = self.database.notify_cursor(ref)
        if told is None:
            return False, Cursor(ref, None, revision)
        if told == revision:
            return True, None
        if told in self.repo.parents(revision)[:1]:
            return False, Cursor(ref, told, revision)
        if self.repo.is_ancestor(revision, told):
            # Behind the cursor: told already, or not yet by the process that wrote it while
            # another worker of ``wiki serve --workers`` told its own later commit first.  The
            # event's key says which; the cursor keeps its place.
            return False, None
        return False, Cursor(ref, told, revision) if self.repo.is_ancestor(told, revision) else None

    def _comment(self, comment: Commented) -> None:
        kind, _, target = comment.target.partition(":")
        wide = PROPOSALS if kind == "proposal" else PRINCIPLES
        watchers = self.database.watchers([(kind, target), wide, EVERYTHING])
        reasons = dict.fromkeys(watchers, "watch")
        named = [self.database.user_by_name(name) for name in mentioned(comment.body)]
        mentioned_ids = {row.id for row in named if row is not None}
        replied = {comment.parent_author} if comment.parent_author is not None else set()
        people = {**watchers, **self.database.people((mentioned_ids | replied) - set(watchers))}
        reasons.update(dict.fromkeys(replied & set(people), "reply"))
        reasons.update(dict.fromkeys(mentioned_ids & set(people), "mention"))
        event = NewEvent(
            key=f"comment:{comment.comment_id}",
            kind="comment",
            subject=comment.target,
            actor_id=comment.user.id,
            actor="",
            date=comment.date,
            data={"comment": comment.comment_id},
            comment_id=comment.comment_id,
        )
        self._record(event, reasons, people, None, [(kind, target)])

    def deadline_passed(self, proposal: int, deadline: int) -> int:
        """Tell the proposal's watchers that its response deadline passed without a decision,
        now (called from a periodic check, off the event loop); 1 when told now, 0 when that
        was done before (the key is one per proposal)."""
        watchers = self.database.watchers([("proposal", str(proposal))])
        event = NewEvent(
            key=f"deadline_passed:{proposal}",
            kind="deadline_passed",
            subject=f"proposal:{proposal}",
            actor_id=None,
            actor="",
            date=float(deadline),
            data={"proposal": proposal, "deadline": deadline},
        )
        told = self._record(event, dict.fromkeys(watchers, "watch"), watchers, None) is not None
        self.recorded()
        return int(told)

    def _look_answered(self, answered: LookAnswered) -> None:
        event = NewEvent(
            key=f"second_look:{answered.comment_id}",
            kind="second_look_answered",
            subject=answered.target,
            actor_id=answered.user.id,
            actor="",
            date=answered.date,
            data={"comment": answered.comment_id, "outcome": answered.outcome},
            comment_id=answered.comment_id,
        )
        people = self.database.people({answered.author_id})
        self._record(event, dict.fromkeys(people, "second_look"), people, None)

    def _record(
        self,
        event: NewEvent,
        reasons: dict[int, str],
        people: dict[int, Watcher],
        cursor: Cursor | None,
        touched: list[tuple[str, str]] | None = None,
    ) -> int | None:
        """Record ``event`` for everyone in ``reasons`` but its actor; mail at once those who
        want that and can receive it; the actor watches what they ``touched`` if they want."""
        if event.actor_id is not None:
            reasons.pop(event.actor_id, None)
        mail = self.mail_on()
        mail_now = {
            user_id
            for user_id in reasons
            if mail
            and people[user_id].frequency == "immediately"
            and people[user_id].email_confirmed
            and people[user_id].email
        }
        return self.database.record(event, reasons, mail_now, cursor, touched or ())

    def _watch_if_wanted(self, user_id: int, watched: list[tuple[str, str]]) -> None:
        if watched and self.database.auto_watches(user_id):
            for kind, target in watched:
                self.database.watch(user_id, kind, target)
