"""Credit for an accepted proposal: the commits a merge into main took in, with their authors.

Accepting a proposal is a merge commit by the maintainer with the proposal's head as its second
parent, so the proposal's own commits (by its proposer, and by the suggesters whose changes
were taken over) stay in git as they were written.  History walks main's first parents, which
would show only the maintainer; this module reads what lies under a proposal's merge
(``merge^1..merge^2``, the proposal's own line, its updates with main left out) so that the
history can list those commits, with their authors, under the merge.  A commit never changes,
so what a merge took in is kept per merge.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from wiki.names import page_file
from wiki.services.gittexts import proposal_number
from wiki.store.git.repository import GitRepository

#: How many merges' commits are kept (a page of history shows at most a few hundred rows).
_KEPT = 1024


@dataclass(frozen=True, slots=True)
class Credit:
    """One commit of an accepted proposal: who wrote it, when (Unix seconds), why, and the
    pages it changed (by file path)."""

    revision: str
    author: str
    email: str
    date: int
    message: str
    paths: tuple[str, ...]


class ProposalCredits:
    """The commits under each proposal merge of one repository."""

    def __init__(self, repo: GitRepository) -> None:
        self.repo = repo
        self._taken_in: OrderedDict[str, tuple[Credit, ...]] = OrderedDict()
        self._lock = Lock()

    def of(self, revision: str, message: str, name: str | None = None) -> tuple[str | None, tuple[Credit, ...]]:
        """The proposal a commit on main merged (by its trailer) and its own commits, oldest
        first (those that changed page ``name`` when given); (None, ()) for any other commit."""
        number = proposal_number(message)
        if number is None:
            return None, ()
        with self._lock:
            known = self._taken_in.get(revision)
        if known is None:
            known = self._read(revision)
            with self._lock:
                self._taken_in[revision] = known
                if len(self._taken_in) > _KEPT:
                    self._taken_in.popitem(last=False)
        if name is not None:
            path = page_file(name)
            known = tuple(credit for credit in known if path in credit.paths)
        return number, known

    def _read(self, merge: str) -> tuple[Credit, ...]:
        parents = self.repo.parents(merge)
        if len(parents) != 2:  # a merge of main and the proposal
            return ()
        credits = []
        for commit in self.repo.log(parents[1], parents[0]):
            if len(self.repo.parents(commit.revision)) > 1:
                continue  # the proposal brought up to date with main: others' work, credited on main
            paths = tuple(change.path for change in commit.changes)
            credits.append(Credit(commit.revision, commit.author, commit.email, commit.date, commit.message, paths))
        return tuple(credits)
