"""What a proposal page shows depends on, as one string: a kept copy for readers is keyed by it.

A proposal page shows the proposal's content and record (its two refs), its open suggestions
(their branches), whether the main branch moved on since it started (the head of main), the
comments and supports and the names on them (the database's discussion edition, moved by
triggers whoever writes) and how many days are left to answer.  When none of these moved, the
page is the same for every anonymous reader of a language, so it is kept whole like a page.

Reading these costs the thread pool (ref files, one query), so an edition is believed for up
to a second (``beliefs``): a reader of a kept proposal page then needs neither the pool nor
the router.  A commit made here (the change stream) forgets it at once; a comment or a
support shows anonymous readers within the second, as does anything another process did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from wiki.services.beliefs import Beliefs
from wiki.services.proposal_process import days_left
from wiki.services.proposal_records import ACTIVE, RecordStore
from wiki.services.suggestions import suggestion_ref
from wiki.store.changes import Change
from wiki.store.database import Database
from wiki.store.git.repository import GitRepository


class ProposalEditions:
    """The edition of each proposal page, looked up or believed."""

    def __init__(
        self, records: RecordStore, repo: GitRepository, database: Database, clock: Callable[[], float]
    ) -> None:
        """``clock`` gives Unix seconds, for the days left (the proposal process's clock)."""
        self.records = records
        self.repo = repo
        self.database = database
        self.clock = clock
        self.believed: Beliefs[int, str] = Beliefs()

    def edition(self, number: int) -> str:
        """What proposal ``number``'s page depends on now; ``NotFound`` when there is none."""
        changes = self.believed.changes()
        head, record_commit = self.records.refs(number)
        record = self.records.at(record_commit, frozenset())
        suggestions = sorted({event.suggestion for event in record.events if event.suggestion is not None})
        branches = [self.repo.ref(suggestion_ref(number, suggestion)) or "-" for suggestion in suggestions]
        left = days_left(record.deadline, self.clock()) if record.status in ACTIVE else None
        discussion = self.database.discussion_edition()
        parts = [head, record_commit, *branches, self.repo.head() or "-", str(discussion), str(left)]
        edition = hashlib.blake2b(" ".join(parts).encode(), digest_size=9).hexdigest()
        self.believed.keep(number, edition, changes)
        return edition

    def believed_edition(self, number: int) -> str | None:
        """The edition looked up a moment ago, without the thread pool; None: look it up."""
        return self.believed.get(number)

    def heard(self, _change: Change) -> None:
        """A change-stream subscriber: any commit here may move what a proposal page shows
        (its branches, its record, main), so every edition is looked up again."""
        self.believed.forget_all()
