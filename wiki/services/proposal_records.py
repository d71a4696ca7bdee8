"""The record store of proposals: their JSON records in ``refs/meta/proposals/<id>``.

Each change of a record is one commit holding ``proposal.json``; the record itself is a frozen
``Record`` (with frozen ``Event``\\ s and ``Decision``), changed with ``dataclasses.replace``
and written as a whole.  The JSON keeps exactly the shape records have always had in git
(clones and old records read the same), so reading and writing it is done field by field
here rather than by ``asdict``/``**json``.  The workflow (``wiki.services.proposals``)
decides what changes; this module only reads, caches and plans the writing of records.
"""

from __future__ import annotations

import json
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from threading import Lock
from typing import Any

from wiki.errors import N_, NotFound
from wiki.models import Author, User
from wiki.services.history import FORMER_AUTHOR
from wiki.store.changes import Note
from wiki.store.committer import Plan
from wiki.store.database import Database
from wiki.store.git.repository import GitRepository
from wiki.store.identities import commit_email, old_commit_email

BRANCHES = "refs/heads/proposals/"
RECORDS = "refs/meta/proposals/"
RECORD_FILE = "proposal.json"
OPEN, ACCEPTED, DECLINED, WITHDRAWN = "open", "accepted", "declined", "withdrawn"
UNDER_CONSIDERATION = "under_consideration"
STATUSES = (OPEN, UNDER_CONSIDERATION, ACCEPTED, DECLINED, WITHDRAWN)
#: The statuses in which a proposal is still being worked on: supported, revised, decided.
ACTIVE = frozenset({OPEN, UNDER_CONSIDERATION})


@dataclass(frozen=True, slots=True)
class SupportCount:
    """Supports of the proposal's current version and of earlier ones, apart."""

    current: int = 0
    earlier: int = 0

    def to_json(self) -> dict[str, int]:
        """The counts as the record and the API hold them."""
        return {"current": self.current, "earlier": self.earlier}

    @classmethod
    def of(cls, revisions: dict[str | None, int], head: str) -> SupportCount:
        """The counts from supports per revision given on (None: given before supports knew
        their revision, counted as support of the current version)."""
        current = sum(count for revision, count in revisions.items() if revision in (None, head))
        return cls(current, sum(revisions.values()) - current)


#: What can become of a suggestion (an event with ``suggestion`` set; declined is ``DECLINED``).
SUGGESTED, TAKEN, HIDDEN = "suggested", "taken", "hidden"


@dataclass(frozen=True, slots=True)
class Event:
    """One status a proposal came to: which, by whom (display name), when (Unix seconds), why.

    With ``suggestion`` (its number) the event is about a suggestion to the proposal instead:
    made (``SUGGESTED``, the suggester's reason), ``TAKEN``, ``DECLINED`` with a reason, or
    ``HIDDEN`` by a maintainer (why; the text itself is gone with its branch)."""

    status: str
    by: str
    date: int
    reason: str = ""
    suggestion: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The event as the record's JSON holds it (``suggestion`` only when it is about one)."""
        data: dict[str, Any] = {"by": self.by, "date": self.date, "reason": self.reason, "status": self.status}
        if self.suggestion is not None:
            data["suggestion"] = self.suggestion
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        """An event read from a record (any age)."""
        suggestion = data.get("suggestion")
        return cls(
            str(data["status"]),
            str(data.get("by", "")),
            int(data.get("date", 0)),
            str(data.get("reason", "")),
            None if suggestion is None else int(suggestion),
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """Accepted or declined: by whom, when, why, (accepted) the merge commit on main, and the
    supports of the decided version and of earlier ones at that moment."""

    by: str
    date: int
    reason: str
    merge: str | None = None
    supports: SupportCount | None = None

    def to_json(self) -> dict[str, Any]:
        """The decision as the record's JSON holds it (``merge`` and ``supports`` only when
        there are: decisions written before they were kept read the same)."""
        data: dict[str, Any] = {"by": self.by, "date": self.date, "reason": self.reason}
        if self.merge:
            data["merge"] = self.merge
        if self.supports is not None:
            data["supports"] = self.supports.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Decision:
        """A decision read from a record."""
        merge = data.get("merge")
        counts = data.get("supports")
        supports = None if not counts else SupportCount(int(counts["current"]), int(counts["earlier"]))
        return cls(
            str(data.get("by", "")), int(data.get("date", 0)), str(data.get("reason", "")), merge or None, supports
        )


@dataclass(frozen=True, slots=True)
class Record:
    """What git keeps about a proposal besides its content.

    Its author is an account id (``author_id``); records written before ids named the
    username (``author_username``), which is read through the mapping of old identities to
    accounts and left out once the record is written again with the id."""

    id: int
    title: str
    description: str
    author: str
    created: int
    base_revision: str
    origin_revision: str
    paths: tuple[str, ...]
    author_id: int | None = None
    author_username: str = ""
    principle: bool = False
    status: str = OPEN
    events: tuple[Event, ...] = field(default_factory=tuple)
    decision: Decision | None = None
    #: When a response is due (Unix seconds), set once the support threshold was reached.
    deadline: int | None = None

    @property
    def status_events(self) -> tuple[Event, ...]:
        """The statuses the proposal came to, without the events about its suggestions."""
        return tuple(event for event in self.events if event.suggestion is None)

    def to_json(self) -> bytes:
        """The record's file: sorted keys, one space indents, no username once it has an id."""
        fields: dict[str, Any] = {
            "author": self.author,
            "author_id": self.author_id,
            "base_revision": self.base_revision,
            "created": self.created,
            "decision": None if self.decision is None else self.decision.to_json(),
            "description": self.description,
            "events": [event.to_json() for event in self.events],
            "id": self.id,
            "origin_revision": self.origin_revision,
            "paths": list(self.paths),
            "principle": self.principle,
            "status": self.status,
            "title": self.title,
        }
        if self.author_username:
            fields["author_username"] = self.author_username
        if self.deadline is not None:
            fields["deadline"] = self.deadline
        return json.dumps(fields, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"

    @classmethod
    def from_json(cls, raw: bytes) -> Record:
        """A record read from its file, of any age."""
        data = json.loads(raw)
        decision = data.get("decision")
        author_id = data.get("author_id")
        return cls(
            id=int(data["id"]),
            title=str(data["title"]),
            description=str(data["description"]),
            author=str(data["author"]),
            created=int(data["created"]),
            base_revision=str(data["base_revision"]),
            origin_revision=str(data["origin_revision"]),
            paths=tuple(str(path) for path in data["paths"]),
            author_id=None if author_id is None else int(author_id),
            author_username=str(data.get("author_username") or ""),
            principle=bool(data.get("principle", False)),
            status=str(data.get("status", OPEN)),
            events=tuple(Event.from_json(event) for event in data.get("events") or ()),
            decision=None if not decision else Decision.from_json(decision),
            deadline=None if data.get("deadline") is None else int(data["deadline"]),
        )


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposal as people and scripts see it."""

    record: Record
    head_revision: str
    mergeable: bool

    @property
    def id(self) -> int:
        """The proposal's number."""
        return self.record.id


class RecordStore:
    """Reads proposal records (cached per commit: a commit never changes) and plans their commits."""

    def __init__(self, repo: GitRepository, database: Database) -> None:
        self.repo = repo
        self.database = database
        self._records: dict[str, Record] = {}
        self._lock = Lock()

    def refs(self, proposal_id: int) -> tuple[str, str]:
        """The proposal's content head and record commit; ``NotFound`` when it has either not."""
        head = self.repo.ref(f"{BRANCHES}{proposal_id}")
        record = self.repo.ref(f"{RECORDS}{proposal_id}")
        if head is None or record is None:
            raise NotFound(N_("No such proposal."))
        return head, record

    def taken(self, number: int) -> bool:
        """Whether a proposal (record or branch) has this number already."""
        return self.repo.ref(f"{RECORDS}{number}") is not None or self.repo.ref(f"{BRANCHES}{number}") is not None

    def every(self) -> list[tuple[str, str, str]]:
        """(number, content head, record commit) of every proposal that has both refs."""
        heads = self.repo.refs(BRANCHES)
        found = []
        for ref, commit in self.repo.refs(RECORDS).items():
            number = ref.rsplit("/", 1)[-1]
            head = heads.get(f"{BRANCHES}{number}")
            if head is not None:
                found.append((number, head, commit))
        return found

    def at(self, commit: str, former: AbstractSet[str] | None = None) -> Record:
        """The record in ``commit``, with a neutral author name once the author deleted their
        account; ``former`` (the addresses of deleted accounts) when the caller read them
        already, so a listing asks the database once, not once per record."""
        with self._lock:
            cached = self._records.get(commit)
        if cached is None:
            blob = self.repo.blob_at(commit, RECORD_FILE)
            if blob is None:
                raise NotFound(N_("No such proposal."))
            cached = self._with_author_id(Record.from_json(self.repo.read_blob(blob)))
            with self._lock:
                self._records[commit] = cached
        if self.author_address(cached) in (self.database.former_authors() if former is None else former):
            return replace(cached, author=FORMER_AUTHOR)
        return cached

    def _with_author_id(self, record: Record) -> Record:
        """An older record (``author_username`` only) with the id of the account its username
        address was mapped to; unchanged when none was (the account was erased, or never
        existed here): then nobody is its author, whoever has the name now."""
        if record.author_id is not None or not record.author_username:
            return record
        address = old_commit_email(record.author_username)
        owner = self.database.commit_owners([address]).get(address)
        return record if owner is None else replace(record, author_id=owner, author_username="")

    @staticmethod
    def author_address(record: Record) -> str:
        """The commit address of the record's author (by id, or the old username address)."""
        if record.author_id is not None:
            return commit_email(record.author_id)
        return old_commit_email(record.author_username)

    @staticmethod
    def plan(record: Record, old: str | None, message: str, author: Author, note: Note | None) -> Plan:
        """The commit of ``record`` on its ref, replacing ``old`` (compare-and-swap)."""
        return Plan(
            f"{RECORDS}{record.id}",
            old,
            (old,) if old else (),
            author,
            message,
            note,
            {RECORD_FILE: record.to_json()},
        )


def is_author(user: User | None, record: Record) -> bool:
    """Whether ``user`` is the account that made the proposal (by account id, never by name:
    a name can come back, an id cannot)."""
    return user is not None and record.author_id is not None and user.id == record.author_id
