"""Suggestions to a proposal: anyone signed in proposes a change to a proposal's text; its
author (or an editor) takes it over or declines it with a reason.

Where things live, so that a clone holds them like the proposal itself:

- a suggestion is the branch ``refs/heads/suggestions/<id>/<n>`` (git cannot nest it under
  ``refs/heads/proposals/<id>``), one commit by the suggester on top of the proposal's head
  as it was then;
- what became of it is a list of events in the proposal's record (``Event.suggestion`` set):
  made, with the suggester's reason; taken over; declined, with a reason; hidden by a
  maintainer (why: the branch is deleted, and the suggester's reason taken out of the record,
  so the text itself is gone while the fact stays);
- taking it over is a commit on the proposal's branch with the suggester as git author and the
  person who took it over as committer: the suggestion's change applied to the proposal's
  head three ways, page by page.  Where the proposal meanwhile changed the same place, the
  suggestion no longer applies and the person combines the texts (``conflicts``).

Every commit goes through the committer; each use case reports one change (made, taken over,
declined) for the proposal's watchers; hiding reports none.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from wiki.errors import N_, BadInput, EditConflict, Forbidden, NotFound
from wiki.models import Author, CommitRecord, User
from wiki.names import check_page_name, page_name_of_file
from wiki.services.accounts import commit_author
from wiki.services.page_base import MAX_MESSAGE_LENGTH
from wiki.services.proposal_actions import is_open, may_hide_suggestion, may_revise, may_suggest
from wiki.services.proposal_checks import without_number
from wiki.services.proposal_diffs import PathDiff, UpdateConflict
from wiki.services.proposal_records import BRANCHES, DECLINED, HIDDEN, SUGGESTED, TAKEN, Event, Proposal, Record
from wiki.services.proposals import ProposalMoved, ProposalService
from wiki.store.changes import ChangeKind, Note
from wiki.store.committer import Plan
from wiki.store.git.merge import merge_texts

SUGGESTIONS = "refs/heads/suggestions/"
#: What can become of a suggestion, as people and the API name it.
OPEN_STATE = "open"


def suggestion_ref(proposal_id: int, number: int) -> str:
    """The branch that holds suggestion ``number`` to proposal ``proposal_id``."""
    return f"{SUGGESTIONS}{proposal_id}/{number}"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggestion as people and scripts see it.  ``state`` is ``open``, ``taken``,
    ``declined`` or ``hidden``; ``decided_by``/``decided``/``decision_reason`` say who took it
    over, declined or hid it, when and why.  An open one has its change (``diffs``, against the
    proposal as it was when it was made) and says whether it still ``applies`` to the proposal
    now; a hidden one has neither its text nor its reason."""

    number: int
    author: str
    date: int
    reason: str
    state: str
    revision: str | None
    base_revision: str | None
    decided_by: str = ""
    decided: int = 0
    decision_reason: str = ""
    diffs: tuple[PathDiff, ...] = ()
    applies: bool = False


@dataclass(frozen=True, slots=True)
class Applied:
    """A suggestion's change on the proposal's head: the files it changes there, and the pages
    where both changed the same place (``ours``: the suggestion's text, ``main``: the proposal's)."""

    files: dict[str, bytes]
    conflicts: tuple[UpdateConflict, ...]


class SuggestionService:
    """Suggestions to the proposals of one repository."""

    def __init__(self, proposals: ProposalService) -> None:
        self.proposals = proposals
        self.repo = proposals.repo
        self.committer = proposals.committer
        self.records = proposals.records
        self.diffs = proposals.diffs
        self.texts = proposals.texts

    # -- reading --------------------------------------------------------------------------

    def listing(self, proposal_id: int) -> list[Suggestion]:
        """Every suggestion to the proposal, oldest first; the open ones with their change."""
        head, record_commit = self.records.refs(proposal_id)
        record = self.records.at(record_commit)
        return [self._shown(record, head, suggestion) for suggestion in _from_events(record)]

    def check_may_suggest(self, proposal_id: int, user: User) -> Proposal:
        """The proposal, or ``Forbidden`` when ``user`` may not suggest a change to it."""
        proposal = self.proposals.get(proposal_id)
        if not may_suggest(user, proposal.record):
            raise Forbidden(N_("Only open proposals can be changed."))
        return proposal

    def conflicts(self, proposal_id: int, number: int) -> tuple[Proposal, list[UpdateConflict]]:
        """The proposal and the pages where it and suggestion ``number`` changed the same place."""
        proposal = self.proposals.get(proposal_id)
        revision = self._open_revision(proposal.record, number)
        return proposal, list(self._apply(proposal.head_revision, revision).conflicts)

    def _shown(self, record: Record, head: str, suggestion: Suggestion) -> Suggestion:
        if suggestion.state != OPEN_STATE:
            return suggestion
        revision = self.repo.ref(suggestion_ref(record.id, suggestion.number))
        if revision is None:  # the branch is gone (hidden on a replica not yet told): nothing to show
            return replace(suggestion, state=HIDDEN)
        base = self.repo.parents(revision)[0]
        diffs = self.diffs.between(base, revision, record.paths)
        applies = not self._apply(head, revision).conflicts if is_open(record) else False
        return replace(suggestion, revision=revision, base_revision=base, diffs=tuple(diffs), applies=applies)

    def _apply(self, head: str, revision: str) -> Applied:
        """The suggestion's change applied to ``head`` three ways, page by page."""
        base = self.repo.parents(revision)[0]
        files: dict[str, bytes] = {}
        conflicts = []
        for path in self.repo.changed_paths(base, revision):
            name = page_name_of_file(path) or path
            before, suggested, now = (self.diffs.text(commit, name) for commit in (base, revision, head))
            if suggested is None or suggested in (now, before):
                continue
            merged = suggested if now == before else None
            if merged is None and before is not None and now is not None:
                merged = merge_texts(before, now, suggested)
            if merged is None:
                conflicts.append(UpdateConflict(name, suggested, now or "", before or ""))
            else:
                files[path] = merged.encode("utf-8")
        return Applied(files, tuple(conflicts))

    def _open_revision(self, record: Record, number: int) -> str:
        """The branch head of an open suggestion; ``NotFound`` when there is no open one."""
        found = next((s for s in _from_events(record) if s.number == number), None)
        revision = self.repo.ref(suggestion_ref(record.id, number)) if found else None
        if found is None or found.state != OPEN_STATE or revision is None:
            raise NotFound(N_("No such open suggestion."))
        return revision

    # -- writing --------------------------------------------------------------------------

    def suggest(self, proposal_id: int, user: User, changes: list[tuple[str, str]], reason: str, head: str) -> int:
        """Suggest whole file texts for pages of an open proposal, typed on its ``head``; the
        suggestion's number.  ``ProposalMoved`` when the proposal changed since."""
        reason = _reason(reason)
        if not reason:
            raise BadInput(N_("Say why you suggest this change."))
        with self.committer.writer():
            current, record_commit = self.records.refs(proposal_id)
            record = self.records.at(record_commit)
            if not may_suggest(user, record):
                raise Forbidden(N_("Only open proposals can be changed."))
            if not changes or any(check_page_name(name) not in record.paths for name, _text in changes):
                raise BadInput(N_("A suggestion changes the pages of the proposal, and only those."))
            if record.principle:
                changes = [(name, without_number(name, text)) for name, text in changes]
            files = self.proposals.checks.changes(changes)
            self.proposals.checks.revised_size(record, current, files)
            if head and head != current:
                raise ProposalMoved(N_("The proposal changed meanwhile. Look at it again and retry."))
            if all(
                self.diffs.text(current, page_name_of_file(path) or path) == data.decode()
                for path, data in files.items()
            ):
                raise BadInput(N_("The suggestion changes nothing in the proposal."))
            number = max((event.suggestion or 0 for event in record.events), default=0) + 1
            while self.repo.ref(suggestion_ref(proposal_id, number)) is not None:
                number += 1
            author = commit_author(user)
            names = tuple(page_name_of_file(path) or path for path in files)
            note = Note(ChangeKind.SUGGESTION_MADE, names, proposal_id)
            message = self.texts.suggestion(proposal_id, number, reason)
            plan = Plan(
                suggestion_ref(proposal_id, number), None, (current,), author, message, note, files, base=current
            )
            if self.committer.commit(plan) is None:
                raise ProposalMoved(N_("The proposal changed meanwhile. Look at it again and retry."))
            self._record(record, record_commit, Event(SUGGESTED, author.name, _now(), reason, number), author)
        return number

    def take_over(self, proposal_id: int, number: int, user: User, resolved: dict[str, str] | None = None) -> Proposal:
        """Apply suggestion ``number`` to the proposal: one commit by the suggester, committed
        by ``user``.  Where both changed the same place, ``resolved`` gives the combined page
        texts; without it, ``EditConflict``."""
        with self.committer.writer():
            current, record_commit = self.records.refs(proposal_id)
            record = self.records.at(record_commit)
            if not may_revise(user, record):
                raise Forbidden(N_("Only its author or an editor can change a proposal."))
            revision = self._open_revision(record, number)
            applied = self._apply(current, revision)
            files = dict(applied.files)
            if applied.conflicts:
                wanted = {conflict.path for conflict in applied.conflicts}
                given = [(name, text) for name, text in (resolved or {}).items() if name in wanted]
                if {name for name, _text in given} != wanted:
                    raise EditConflict(N_("The proposal changed in the same place as the suggestion."), current, None)
                files.update(self.proposals.checks.changes(given))
            taker = commit_author(user)
            if files:
                suggester = _author_of(self.repo.log(revision, self.repo.parents(revision)[0]))
                names = tuple(page_name_of_file(path) or path for path in files)
                note = Note(ChangeKind.SUGGESTION_TAKEN, names, proposal_id)
                suggested = next((e.reason for e in record.events if e.suggestion == number), "")
                message = self.texts.suggestion_taken(proposal_id, number, suggested)
                plan = Plan.on_top(
                    f"{BRANCHES}{proposal_id}", current, files, author=suggester, message=message, note=note
                )
                if self.committer.commit(replace(plan, committer=taker)) is None:
                    raise ProposalMoved(N_("The proposal changed meanwhile. Look at it again and retry."))
            self._record(record, record_commit, Event(TAKEN, taker.name, _now(), "", number), taker)
        self.proposals.index_for_search(proposal_id)
        return self.proposals.get(proposal_id)

    def decline(self, proposal_id: int, number: int, user: User, reason: str) -> None:
        """The proposal's author (or an editor) declines suggestion ``number``, with a reason."""
        reason = _reason(reason)
        if not reason:
            raise BadInput(N_("Give a reason for the decision."))
        with self.committer.writer():
            _head, record_commit = self.records.refs(proposal_id)
            record = self.records.at(record_commit)
            if not may_revise(user, record):
                raise Forbidden(N_("Only its author or an editor can change a proposal."))
            revision = self._open_revision(record, number)
            author = commit_author(user)
            note = Note(ChangeKind.SUGGESTION_DECLINED, record.paths, proposal_id, revision=revision)
            self._record(record, record_commit, Event(DECLINED, author.name, _now(), reason, number), author, note)

    def hide(self, proposal_id: int, number: int, user: User, reason: str) -> None:
        """A maintainer hides suggestion ``number``: its branch is deleted and its reason taken
        out of the record; who hid it, when and why stay."""
        if not may_hide_suggestion(user):
            raise Forbidden(N_("Only maintainers can hide a suggestion."))
        reason = _reason(reason)
        if not reason:
            raise BadInput(N_("Give a reason for hiding it."))
        with self.committer.writer():
            _head, record_commit = self.records.refs(proposal_id)
            record = self.records.at(record_commit)
            found = next((s for s in _from_events(record) if s.number == number), None)
            if found is None or found.state == HIDDEN:
                raise NotFound(N_("No such suggestion."))
            ref = suggestion_ref(proposal_id, number)
            revision = self.repo.ref(ref)
            if revision is not None and not self.committer.delete(ref, revision):
                raise ProposalMoved(N_("The proposal changed meanwhile. Look at it again and retry."))
            events = tuple(
                replace(event, reason="") if event.suggestion == number and event.status == SUGGESTED else event
                for event in record.events
            )
            author = commit_author(user)
            record = replace(record, events=events)
            self._record(record, record_commit, Event(HIDDEN, author.name, _now(), reason, number), author)

    def _record(self, record: Record, old: str, event: Event, author: Author, note: Note | None = None) -> None:
        """Add ``event`` to the proposal's record (hold the writer slot)."""
        assert event.suggestion is not None
        changed = replace(record, events=(*record.events, event))
        message = self.texts.suggestion_recorded(record.id, event.suggestion, event.status)
        if self.committer.commit(self.records.plan(changed, old, message, author, note)) is None:
            raise ProposalMoved(N_("The proposal changed meanwhile. Look at it again and retry."))


def _from_events(record: Record) -> list[Suggestion]:
    """The suggestions the record's events tell of, oldest first (without their changes)."""
    found: dict[int, Suggestion] = {}
    for event in record.events:
        if event.suggestion is None:
            continue
        if event.status == SUGGESTED:
            found[event.suggestion] = Suggestion(
                event.suggestion, event.by, event.date, event.reason, OPEN_STATE, None, None
            )
        elif event.suggestion in found:
            found[event.suggestion] = replace(
                found[event.suggestion],
                state=event.status,
                decided_by=event.by,
                decided=event.date,
                decision_reason=event.reason,
            )
    return list(found.values())


def _author_of(commits: Iterable[CommitRecord]) -> Author:
    """The git author of the one commit in ``commits`` (a suggestion's)."""
    for commit in commits:
        return Author(commit.author, commit.email)
    raise NotFound(N_("No such open suggestion."))


def _now() -> int:
    return int(time.time())


def _reason(reason: str) -> str:
    return " ".join(reason.split())[:MAX_MESSAGE_LENGTH]
