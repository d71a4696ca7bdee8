"""Why is this here? The change that last shaped a paragraph (or a line) of a page, and the
accepted proposal it came from.

A page's paragraphs are the top-level blocks of its rendered body (``render.block_lines``
numbers them from 1, front matter excluded), so paragraph N here is the block whose link
says N.  Its lines are blamed (``HistoryService.blame_lines``: git blame follows a merge into
its second parent, so the lines of an accepted proposal belong to the proposal's own
commits) and the newest commit among them is the answer.  That commit came from a proposal
when it is one of an accepted proposal's own commits (``git rev-list merge^1..merge^2``) or
its merge; those sets never change, and the mapping of commits to proposals is made once
per main head and state of the proposals' records, so a page of 20 paragraphs costs no
more rev-lists than one.

Supports: the counts the decision recorded (of the decided version and of earlier ones); a
decision from before decisions recorded them counts every support as of the decided version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from wiki.errors import N_, BadInput
from wiki.models import Page
from wiki.services.discussion import proposal_target
from wiki.services.gittexts import without_trailer
from wiki.services.history import HistoryService, moment
from wiki.services.proposal_records import ACCEPTED, Record, RecordStore, SupportCount
from wiki.services.render import block_lines
from wiki.store.database import Database
from wiki.store.git.parsers import BlameLine
from wiki.store.git.repository import GitRepository


@dataclass(frozen=True, slots=True)
class Origin:
    """The accepted proposal a change came from: its decision and how it was received."""

    id: int
    title: str
    status: str
    reason: str
    decided_by: str
    decided: datetime
    merge: str
    supports_current: int
    supports_earlier: int
    comments: int


@dataclass(frozen=True, slots=True)
class Why:
    """The change that last shaped part of a page: which part, which commit, who, when, why."""

    name: str
    page: Page
    asked_revision: str | None
    paragraph: int | None
    first_line: int
    last_line: int
    text: str
    revision: str
    author: str
    date: datetime
    message: str
    on_branch: bool
    proposal: Origin | None


class WhyService:
    """Answers "why is this here?" for a paragraph or a line of a page, now or at a revision."""

    def __init__(self, history: HistoryService, records: RecordStore, database: Database) -> None:
        self.history = history
        self.records = records
        self.database = database
        self.repo: GitRepository = history.repo
        self._merged: dict[str, frozenset[str]] = {}
        self._origins: tuple[tuple[str | None, frozenset[str]], dict[str, str]] | None = None
        self._lock = Lock()

    def why(self, name: str, revision: str | None, paragraph: int | None = None, line: int | None = None) -> Why:
        """The answer for paragraph ``paragraph`` (1-based) or line ``line`` (1-based, of the
        whole file) of page ``name`` (as it was at ``revision``); ``BadInput`` when there is no
        such paragraph or line, ``NotFound`` for an unknown page or revision."""
        page = self.history.page_at(name, revision) if revision else self.history.pages.get(name)[0]
        first, end = self._lines(page, paragraph, line)
        blamed = self.history.blame_lines(page)[first:end]
        chosen = [entry for entry in blamed if entry.text.strip()] or blamed
        newest = self._newest(chosen)
        return Why(
            name=name,
            page=page,
            asked_revision=revision,
            paragraph=paragraph,
            first_line=first + 1,
            last_line=end,
            text="\n".join(entry.text for entry in blamed).strip("\n"),
            revision=newest.revision,
            author=self.history.shown_author(newest.author, newest.email),
            date=moment(newest.date),
            message=without_trailer(self.repo.message(newest.revision)),
            on_branch=self.history.index.commit(newest.revision) is not None,
            proposal=self._origin(newest.revision),
        )

    @staticmethod
    def _lines(page: Page, paragraph: int | None, line: int | None) -> tuple[int, int]:
        """The 0-based lines [first, end) of the file asked about."""
        if (paragraph is None) == (line is None):
            raise BadInput(N_("Ask about one paragraph or one line."))
        if line is not None:
            count = len(page.text.splitlines())
            if not 1 <= line <= count:
                raise BadInput(N_("This page has no line {line}; it has {count}.", line=line, count=count))
            return line - 1, line
        assert paragraph is not None
        blocks = block_lines(page.body)
        if not 1 <= paragraph <= len(blocks):
            raise BadInput(
                N_("This page has no paragraph {number}; it has {count}.", number=paragraph, count=len(blocks))
            )
        skip = page.text.count("\n", 0, len(page.text) - len(page.body))  # the front matter's lines
        start, end = blocks[paragraph - 1]
        return skip + start, skip + end

    def _newest(self, lines: list[BlameLine]) -> BlameLine:
        """The line changed last: by date, and among commits of the same second the one no
        other of them descends from (commits made in one second are common)."""
        latest = max(entry.date for entry in lines)
        candidates = list({entry.revision: entry for entry in lines if entry.date == latest}.values())
        for candidate in candidates:
            others = [other for other in candidates if other.revision != candidate.revision]
            if not any(self.repo.is_ancestor(candidate.revision, other.revision) for other in others):
                return candidate
        return candidates[0]

    def _origin(self, revision: str) -> Origin | None:
        """The accepted proposal ``revision`` is one of the own commits (or the merge) of."""
        found = self._commit_origins().get(revision)
        if found is None:
            return None
        record = self.records.at(found)
        return self._described(record)

    def _described(self, record: Record) -> Origin:
        """The proposal with its decision, supports and the comments that can be seen."""
        decision = record.decision
        assert decision is not None
        assert decision.merge is not None
        supports = decision.supports  # as they stood when it was decided
        if supports is None:  # decided before decisions recorded them: every support as of now
            supports = SupportCount(sum(self.database.support_revisions([record.id])[record.id].values()))
        visible = sum(1 for row in self.database.comments(proposal_target(record.id)) if row.hidden_reason is None)
        return Origin(
            id=record.id,
            title=record.title,
            status=record.status,
            reason=decision.reason,
            decided_by=decision.by,
            decided=moment(decision.date),
            merge=decision.merge,
            supports_current=supports.current,
            supports_earlier=supports.earlier,
            comments=visible,
        )

    def _commit_origins(self) -> dict[str, str]:
        """Commit -> the record commit of the accepted proposal it came from (the lowest
        number when two claim it), made again
        only when main or a proposal's record moved."""
        every = self.records.every()
        key = (self.repo.head(), frozenset(record for _number, _head, record in every))
        with self._lock:
            if self._origins is not None and self._origins[0] == key:
                return self._origins[1]
        origins: dict[str, str] = {}
        for _number, _head, record_commit in sorted(every, key=lambda found: _as_number(found[0])):
            record = self.records.at(record_commit)
            merge = record.decision.merge if record.decision is not None else None
            if record.status != ACCEPTED or merge is None:
                continue
            for commit in self._own_commits(merge):
                origins.setdefault(commit, record_commit)
        with self._lock:
            self._origins = (key, origins)
        return origins

    def _own_commits(self, merge: str) -> frozenset[str]:
        """The merge and the commits it brought in (its second parent's, not its first's)."""
        with self._lock:
            known = self._merged.get(merge)
        if known is not None:
            return known
        parents = self.repo.parents(merge)
        own = {merge}
        if len(parents) == 2:
            own.update(self.repo.commits_between(parents[0], parents[1]))
        found = frozenset(own)
        with self._lock:
            self._merged[merge] = found
        return found


def _as_number(text: str) -> int:
    return int(text) if text.isdigit() else 0
