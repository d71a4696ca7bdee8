"""The change stream: one place to hear about every change to the wiki's content, exactly once.

Two producers publish on it, and nothing else does:

- the ``Committer`` (``wiki.store.committer``), for every commit the wiki writes itself, with
  what only the writer knows (the kind of change, the proposal, the version's name);
- the ``PageIndex``, for every commit on the served branch that arrives from elsewhere
  (fetched from the shared remote, pushed over git, made with git outside the wiki) as its
  ``catch_up`` takes it in.  A commit the committer wrote is *claimed* before the index takes
  it in, so the index never reports it a second time.

The stream, and the vocabulary of kinds, live in the store rather than in services because both
producers are store modules and the store never imports services.  A kind names what was
written (an edit, a proposal declined), not a rule about it, so it belongs with the writing.

Subscribers are called in the writer's thread while the writer slot is held: they must be quick
(queue the change, write a row) and must not write to the repository.  A subscriber that raises
is logged and skipped; a save never fails because someone listening to it did.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from threading import Lock

from wiki.models import CommitRecord, FileChange
from wiki.names import page_name_of_file

log = logging.getLogger(__name__)

#: How many of its own commits the stream remembers as claimed: far more than can be written
#: between a commit and the index taking it in (which is at once, or after a full disk frees up).
_CLAIMS_KEPT = 4096


class ChangeKind(StrEnum):
    """What kind of change a writer made (``ARRIVED`` ones are derived from the files)."""

    EDIT = "edit"
    CREATE = "create"
    RENAME = "rename"
    DELETE = "delete"
    RESTORE = "restore"
    UNDO = "undo"
    UNDELETE = "undelete"
    PROPOSAL_CREATED = "proposal_created"
    PROPOSAL_REVISED = "proposal_revised"
    PROPOSAL_UPDATED = "proposal_updated"
    PROPOSAL_ACCEPTED = "proposal_accepted"
    PROPOSAL_DECLINED = "proposal_declined"
    PROPOSAL_WITHDRAWN = "proposal_withdrawn"
    VERSION_NAMED = "version_named"
    SUGGESTION_MADE = "suggestion_made"
    SUGGESTION_TAKEN = "suggestion_taken"
    SUGGESTION_DECLINED = "suggestion_declined"


class Origin(StrEnum):
    """Whether this instance wrote the change or took it in from elsewhere."""

    WIKI = "wiki"
    ELSEWHERE = "elsewhere"


@dataclass(frozen=True, slots=True)
class Note:
    """What a writer says about the commit it submits: the part of a ``Change`` only it knows.

    ``revision`` names the commit the change is about when that is not the commit written (a
    proposal's record commit is about the proposal's content commit)."""

    kind: ChangeKind
    pages: tuple[str, ...] = ()
    proposal: int | None = None
    version: str | None = None
    revision: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One change as subscribers receive it.

    ``actor`` and ``actor_email`` are who made the commit: its author, or its committer when
    that is someone else (who took over a suggestion; the address names the account, see
    ``wiki.store.identities``); ``revision`` is what the change is about, ``ref`` the ref
    that moved, ``date`` Unix seconds."""

    kind: ChangeKind
    actor: str
    actor_email: str
    pages: tuple[str, ...]
    proposal: int | None
    version: str | None
    revision: str
    ref: str
    date: int
    message: str
    origin: Origin


Subscriber = Callable[[Change], None]


class ChangeStream:
    """A small registry of subscribers, and the claims that keep each change reported once."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._claimed: OrderedDict[str, None] = OrderedDict()
        self._lock = Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber`` with every change from now on; returns what unsubscribes it."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def claim(self, revision: str) -> None:
        """Mark a commit as the wiki's own: reported by its writer, never by the index."""
        with self._lock:
            self._claimed[revision] = None
            while len(self._claimed) > _CLAIMS_KEPT:
                self._claimed.popitem(last=False)

    def claimed(self, revision: str) -> bool:
        """Whether this instance wrote ``revision`` itself (and so reported it already)."""
        with self._lock:
            return revision in self._claimed

    def publish(self, change: Change) -> None:
        """Hand ``change`` to every subscriber, in the order they subscribed."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(change)
            except Exception:  # a listener's fault must not undo or fail a save
                log.exception("a change subscriber failed on %s", change.revision)


def page_changes(changes: Iterable[FileChange]) -> list[FileChange]:
    """A commit's file changes as page changes: only those to page files, with page names
    for paths; a rename across the page/non-page line becomes an addition or a deletion.
    What the index records of a commit, and what ``arrived_kind`` and ``pages_of`` read."""
    result = []
    for change in changes:
        name = page_name_of_file(change.path)
        old = page_name_of_file(change.old_path) if change.old_path else None
        if change.status == "R":
            if name and old:
                result.append(FileChange("R", name, old, change.blob, change.old_blob, change.size, change.old_size))
            elif name:
                result.append(FileChange("A", name, None, change.blob, None, change.size, None))
            elif old:
                result.append(FileChange("D", old, None, None, change.old_blob, None, change.old_size))
        elif name:
            status = change.status if change.status in "AMD" else "M"
            result.append(FileChange(status, name, None, change.blob, change.old_blob, change.size, change.old_size))
    return result


def arrived_kind(changes: Iterable[FileChange]) -> ChangeKind:
    """The kind of a commit from elsewhere, read from what it did to the files: one kind of
    file change names it (all added: created, ...); a mix, or none, is an edit."""
    statuses = {change.status for change in changes}
    kinds = {"A": ChangeKind.CREATE, "D": ChangeKind.DELETE, "R": ChangeKind.RENAME}
    return kinds.get(statuses.pop(), ChangeKind.EDIT) if len(statuses) == 1 else ChangeKind.EDIT


def pages_of(changes: Iterable[FileChange]) -> tuple[str, ...]:
    """The pages a commit's page changes (paths are page names) touch, a rename both, once each."""
    names: dict[str, None] = {}
    for change in changes:
        for name in (change.old_path, change.path):
            if name:
                names[name] = None
    return tuple(names)


def arrival(commit: CommitRecord, ref: str) -> Change:
    """The change a commit on ``ref`` from elsewhere makes, as far as its files tell."""
    changes = page_changes(commit.changes)
    return Change(
        kind=arrived_kind(changes),
        actor=commit.author,
        actor_email=commit.email,
        pages=pages_of(changes),
        proposal=None,
        version=None,
        revision=commit.revision,
        ref=ref,
        date=commit.date,
        message=commit.message,
        origin=Origin.ELSEWHERE,
    )
