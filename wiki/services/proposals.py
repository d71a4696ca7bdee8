"""Proposals: a new principle or a change, proposed, revised, discussed and decided in the open.

Where things live, so that a clone of the repository holds every proposal and decision:

- the proposed content is the branch ``refs/heads/proposals/<id>``, off main, one commit per
  revision; its head moves only when its content changes (an update with main is a merge);
- the title, description, status, its history and the decision are a JSON record in the
  commits of ``refs/meta/proposals/<id>`` (one commit per change of the record; see
  ``wiki.services.proposal_records``);
- an accepted proposal is merged into main by a merge commit whose message holds the title
  and the reason.

This module is the workflow: who may do what, and in which order the commits are made.  Every
commit goes through the committer (``wiki.store.committer``), and each use case reports exactly
one change on the change stream: on the commit that makes it true (the new revision, the merge
into main, the record of a decision).

Comments and supports are personal data and live in the database (``discussion``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from wiki import pagefile
from wiki.errors import N_, BadInput, EditConflict, Forbidden, NotFound, WikiError
from wiki.models import Author, User
from wiki.names import check_page_name, page_file, page_name_of_file, slugify
from wiki.numbers import is_whole_number
from wiki.services import proposal_limits
from wiki.services.accounts import commit_author
from wiki.services.page_base import MAX_MESSAGE_LENGTH
from wiki.services.proposal_actions import may_revise
from wiki.services.proposal_checks import without_number
from wiki.services.proposal_reading import ProposalReading
from wiki.services.proposal_records import (
    ACCEPTED,
    ACTIVE,
    BRANCHES,
    DECLINED,
    OPEN,
    RECORDS,
    WITHDRAWN,
    Decision,
    Event,
    Proposal,
    Record,
    is_author,
)
from wiki.store.changes import ChangeKind, Note
from wiki.store.committer import Plan, blob_id

log = logging.getLogger(__name__)

_STATUS_KINDS = {
    ACCEPTED: ChangeKind.PROPOSAL_ACCEPTED,
    DECLINED: ChangeKind.PROPOSAL_DECLINED,
    WITHDRAWN: ChangeKind.PROPOSAL_WITHDRAWN,
}


class ProposalMoved(WikiError):
    """The proposal changed since the page was loaded: look again before deciding (409)."""

    code = "conflict"
    status = 409


class NeedsUpdate(WikiError):
    """The proposal no longer merges cleanly into main; its author must bring it up to date (409)."""

    code = "conflict"
    status = 409


def _moved() -> ProposalMoved:
    return ProposalMoved(N_("The proposal changed meanwhile. Look at it again and retry."))


class ProposalService(ProposalReading):
    """Proposals of one repository: the reads of ``ProposalReading`` and every change."""

    # -- writing --------------------------------------------------------------------------

    def _commit(self, plan: Plan) -> str:
        """Commit ``plan`` (hold the writer slot); ``ProposalMoved`` when its ref moved meanwhile."""
        committed = self.committer.commit(plan)
        if committed is None:
            raise _moved()
        return committed.revision

    def _write_record(self, record: Record, old: str | None, message: str, author: Author, note: Note | None) -> None:
        """Commit the record on its ref (compare-and-swap); hold the writer slot."""
        self._commit(self.records.plan(record, old, message, author, note))

    def create(
        self,
        user: User,
        title: str,
        description: str,
        changes: list[tuple[str, str]],
        *,
        principle: bool = False,
    ) -> Proposal:
        """Propose changes to one or more pages (whole file texts) as a new branch off main.

        A ``principle`` proposal is exactly one new page, numbered when it is accepted.
        """
        title, description = self.checks.title(title, description)
        if principle:
            changes = self.checks.as_new_principle(changes)
        files = self.checks.changes(changes)
        proposal_limits.check_size(files.values())
        author = commit_author(user)
        existing = [
            int(ref.rsplit("/", 1)[-1]) for ref in self.repo.refs(RECORDS) if is_whole_number(ref.rsplit("/", 1)[-1])
        ]
        with self.committer.writer():
            main = self.repo.head()
            if main is None:
                raise NotFound(N_("The wiki has no pages yet."))
            number = self.database.next_number("proposal", max(existing, default=0) + 1)
            while self.records.taken(number):
                number = self.database.next_number("proposal", number + 1)
            names = [page_name_of_file(path) or path for path in files]
            self.checks.new_pages(main, names, [])
            message = self.texts.proposal(number, title)
            content = self._commit(Plan(f"{BRANCHES}{number}", None, (main,), author, message, None, files, base=main))
            now = int(time.time())
            record = Record(
                id=number,
                title=title,
                description=description,
                author=author.name,
                author_id=user.id,
                created=now,
                base_revision=main,
                origin_revision=main,
                paths=tuple(names),
                principle=principle,
                events=(Event(OPEN, author.name, now, ""),),
            )
            note = Note(ChangeKind.PROPOSAL_CREATED, tuple(names), number, revision=content)
            self._write_record(record, None, self.texts.proposal_opened(number, title), author, note)
        self.index_for_search(number)
        return self.get(number)

    def new_principle(self, user: User, title: str, text: str, why: str) -> Proposal:
        """Propose a new principle: a page named after its title, numbered when accepted."""
        name = slugify(title)
        if not name:
            raise BadInput(N_("A proposal needs a title of at most 200 characters."))
        file_text = pagefile.compose(None, title, text)
        return self.create(user, title, why, [(name, file_text)], principle=True)

    def _may_revise(self, user: User, record: Record) -> None:
        if record.status not in ACTIVE:
            raise Forbidden(N_("Only open proposals can be changed."))
        if not may_revise(user, record):
            raise Forbidden(N_("Only its author or an editor can change a proposal."))

    def check_may_revise(self, proposal_id: int, user: User) -> Proposal:
        """The proposal, or ``Forbidden`` when ``user`` may not revise it: asked before a
        revision is read or checked, so refusing costs the same whatever was sent."""
        proposal = self.get(proposal_id)
        self._may_revise(user, proposal.record)
        return proposal

    def revise(self, proposal_id: int, user: User, changes: list[tuple[str, str]], message: str, head: str) -> Proposal:
        """Add a revision (one commit) to an open proposal; 409 when its head moved since ``head``."""
        with self.committer.writer():
            current, record_commit = self.records.refs(proposal_id)
            record = self.records.at(record_commit)
            self._may_revise(user, record)
            author = commit_author(user)
            proposal_limits.check_page_count(len(changes))
            if record.principle:
                if any(check_page_name(name) not in record.paths for name, _text in changes):
                    raise BadInput(N_("A new principle is exactly one new page."))
                changes = [(name, without_number(name, text)) for name, text in changes]
            files = self.checks.changes(changes)
            self.checks.revised_size(record, current, files)
            if current != head:
                raise _moved()
            unchanged = all(self.repo.blob_at(current, path) == blob_id(data) for path, data in files.items())
            if unchanged:
                return self.get(proposal_id)
            names = [page_name_of_file(path) or path for path in files]
            self.checks.new_pages(current, names, list(record.paths))
            summary = self.texts.revision(proposal_id, " ".join(message.split())[:MAX_MESSAGE_LENGTH])
            note = Note(ChangeKind.PROPOSAL_REVISED, tuple(names), proposal_id)
            self._commit(
                Plan.on_top(f"{BRANCHES}{proposal_id}", current, files, author=author, message=summary, note=note)
            )
            new_paths = tuple(name for name in names if name not in record.paths)
            if new_paths:
                record = replace(record, paths=record.paths + new_paths)
                self._write_record(record, record_commit, self.texts.pages_added(proposal_id), author, None)
        self.index_for_search(proposal_id)
        return self.get(proposal_id)

    def _set_status(
        self, record: Record, record_commit: str, user: User, status: str, *, reason: str, merge: str | None = None
    ) -> None:
        """Record the new status (and the decision); reported as a change unless ``merge``
        (the merge into main reported it already)."""
        author = commit_author(user)
        now = int(time.time())
        decision = record.decision
        if status in (ACCEPTED, DECLINED):
            decision = Decision(author.name, now, reason, merge, self.support_count(record.id))
        record = replace(
            record, status=status, events=(*record.events, Event(status, author.name, now, reason)), decision=decision
        )
        kind = _STATUS_KINDS.get(status)
        note = None if merge or kind is None else Note(kind, record.paths, record.id)
        self._write_record(record, record_commit, self.texts.status(record.id, status, reason), author, note)

    def _open_record(self, proposal_id: int) -> tuple[Record, str]:
        """The record of an open proposal (or one under consideration) and its commit;
        ``Forbidden`` once it is closed."""
        _head, record_commit = self.records.refs(proposal_id)
        record = self.records.at(record_commit)
        if record.status not in ACTIVE:
            raise Forbidden(N_("Only open proposals can be changed."))
        return record, record_commit

    def withdraw(self, proposal_id: int, user: User, reason: str = "") -> Proposal:
        """The author withdraws their open proposal; it stays readable."""
        with self.committer.writer():
            record, record_commit = self._open_record(proposal_id)
            if not is_author(user, record):
                raise Forbidden(N_("Only its author can withdraw a proposal."))
            self._set_status(record, record_commit, user, WITHDRAWN, reason=_reason(reason))
        self.index_for_search(proposal_id)
        return self.get(proposal_id)

    def decline(self, proposal_id: int, user: User, reason: str) -> Proposal:
        """A maintainer declines with a public reason."""
        if not _reason(reason):
            raise BadInput(N_("Give a reason for the decision."))
        with self.committer.writer():
            record, record_commit = self._open_record(proposal_id)
            self._set_status(record, record_commit, user, DECLINED, reason=_reason(reason))
        self.index_for_search(proposal_id)
        return self.get(proposal_id)

    def accept(self, proposal_id: int, user: User, reason: str, head: str) -> Proposal:
        """Merge exactly revision ``head`` of the proposal into main (no checkout).

        ``ProposalMoved`` when its head moved since, ``NeedsUpdate`` when it no longer merges
        cleanly; when main moves during the merge, the merge is redone on the new main.
        """
        author = commit_author(user)
        with self.committer.writer():
            current, _record_commit = self.records.refs(proposal_id)
            record, record_commit = self._open_record(proposal_id)
            if current != head:
                raise ProposalMoved(N_("The proposal changed since you loaded it. Look at it again and retry."))
            message = self.texts.accept(proposal_id, record.title, _reason(reason))
            note = Note(ChangeKind.PROPOSAL_ACCEPTED, record.paths, proposal_id)
            while True:
                self.pages.index.catch_up()
                main = self.repo.head()
                assert main is not None
                tree = self.repo.merge_tree(main, current)
                if tree is None:
                    raise NeedsUpdate(N_("This proposal no longer fits the current text: it needs an update first."))
                self.checks.merge(main, tree, record)
                numbered = self.checks.numbered_new_principles(record)
                plan = Plan(self.repo.branch, main, (main, current), author, message, note, numbered, tree=tree)
                committed = self.committer.commit(plan)
                if committed is not None:
                    break
            self._set_status(record, record_commit, user, ACCEPTED, reason=_reason(reason), merge=committed.revision)
        self.index_for_search(proposal_id)
        return self.get(proposal_id)

    def set_status(self, proposal_id: int, user: User, status: str, note: str) -> Proposal:
        """A maintainer puts an open proposal under consideration, or one under consideration
        back to open, with a note that the status history shows to everyone."""
        if status not in ACTIVE:
            raise BadInput(N_("A proposal can be put under consideration or back to open here."))
        if not _reason(note):
            raise BadInput(N_("Give a note with the new status."))
        with self.committer.writer():
            record, record_commit = self._open_record(proposal_id)
            if record.status == status:
                raise BadInput(N_("The proposal has this status already."))
            self._set_status(record, record_commit, user, status, reason=_reason(note))
        return self.get(proposal_id)

    def start_deadline(self, proposal_id: int, now: float, days: int) -> Proposal:
        """Give an open proposal its response deadline, ``days`` after ``now``, unless it has
        one: a deadline once set stays, whatever happens to the supports afterwards."""
        with self.committer.writer():
            record, record_commit = self._open_record(proposal_id)
            if record.deadline is None:
                deadline = int(now) + days * 86_400
                record = replace(record, deadline=deadline)
                author = self.texts.author
                self._write_record(record, record_commit, self.texts.deadline(proposal_id, deadline), author, None)
        return self.get(proposal_id)

    def update(self, proposal_id: int, user: User, resolved: dict[str, str] | None = None) -> Proposal:
        """Bring an open proposal up to date with main: a merge of main into its branch.

        Where both changed the same part, ``resolved`` gives the combined text per page;
        without it, ``EditConflict`` says which pages need it.
        """
        author = commit_author(user)
        with self.committer.writer():
            current, record_commit = self.records.refs(proposal_id)
            record = self.records.at(record_commit)
            self._may_revise(user, record)
            main = self.repo.head()
            assert main is not None
            ref, parents, message = f"{BRANCHES}{proposal_id}", (current, main), self.texts.update(proposal_id)
            note = Note(ChangeKind.PROPOSAL_UPDATED, record.paths, proposal_id)
            tree = self.repo.merge_tree(main, current)
            if tree is not None:
                plan = Plan(ref, current, parents, author, message, note, tree=tree)
            elif not resolved:
                raise EditConflict(N_("Some pages changed in the same place on both sides."), main, None)
            else:
                files = self.checks.changes(list(resolved.items()))
                unresolved = [name for name in record.paths if page_file(name) not in files]
                texts = {page_file(name): (self.diffs.text(current, name) or "").encode("utf-8") for name in unresolved}
                plan = Plan(ref, current, parents, author, message, note, {**texts, **files}, base=main)
            self._commit(plan)
            record = replace(record, base_revision=main)
            self._write_record(record, record_commit, self.texts.brought_up_to_date(proposal_id), author, None)
        self.index_for_search(proposal_id)
        return self.get(proposal_id)


def _reason(reason: str) -> str:
    return " ".join(reason.split())[:MAX_MESSAGE_LENGTH]
