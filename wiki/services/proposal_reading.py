"""Proposals of one repository as they are read: one or all, their texts, changes and
revisions, their supports, which are overdue, and their entries in search.

``proposals.ProposalService`` builds the workflow (who may do what, and the commits it makes)
on this, as ``pages.PageService`` builds on ``page_base.PageBase``.
"""

from __future__ import annotations

import logging

from wiki import pagefile
from wiki.errors import N_, BadInput, DiskFull
from wiki.numbers import is_whole_number
from wiki.services.pages import PageService
from wiki.services.proposal_checks import ProposalChecks
from wiki.services.proposal_diffs import PathDiff, ProposalDiffs, ProposalRevision, RevisionChanges, UpdateConflict
from wiki.services.proposal_records import ACTIVE, STATUSES, Proposal, RecordStore, SupportCount
from wiki.store.database import Database
from wiki.store.searchindex import SearchIndex

log = logging.getLogger(__name__)


class ProposalReading:
    """The reads of ``ProposalService``, and what it keeps for search."""

    def __init__(self, pages: PageService, database: Database, search: SearchIndex) -> None:
        self.pages = pages
        self.search = search
        self.repo = pages.repo
        self.texts = pages.texts
        self.committer = pages.committer
        self.database = database
        self.records = RecordStore(self.repo, database)
        self.diffs = ProposalDiffs(pages)
        self.checks = ProposalChecks(pages, self.diffs)

    # -- reading --------------------------------------------------------------------------

    def get(self, proposal_id: int) -> Proposal:
        """One proposal; ``NotFound`` when there is none with this number."""
        head, record_commit = self.records.refs(proposal_id)
        record = self.records.at(record_commit)
        mergeable = record.status not in ACTIVE or self.diffs.merges_cleanly(head)
        return Proposal(record, head, mergeable)

    def listing(self, status: str | None = None) -> list[Proposal]:
        """Every proposal (or those with ``status``), newest first."""
        if status is not None and status not in STATUSES:
            raise BadInput(N_("Unknown status."))
        former = self.database.former_authors()
        found = []
        for number, head, commit in self.records.every():
            if not is_whole_number(number):
                continue
            record = self.records.at(commit, former)
            if status is None or record.status == status:
                mergeable = record.status not in ACTIVE or self.diffs.merges_cleanly(head)
                found.append(Proposal(record, head, mergeable))
        return sorted(found, key=lambda proposal: -proposal.id)

    def proposed_texts(self, proposal: Proposal) -> dict[str, str | None]:
        """Each proposed page's text at the proposal's head (None: the proposal deletes it)."""
        return self.diffs.proposed_texts(proposal)

    def changes(self, proposal: Proposal) -> list[PathDiff]:
        """Each proposed page against the version it started from (or main before the merge, once accepted)."""
        return self.diffs.changes(proposal)

    def started_from(self, proposal: Proposal) -> str | None:
        """The version of main the proposal's changes are shown against (see ``ProposalDiffs.against``)."""
        return self.diffs.against(proposal)

    def revisions(self, proposal: Proposal) -> list[ProposalRevision]:
        """The proposal's own revisions, oldest first (see ``ProposalDiffs.revisions``)."""
        return self.diffs.revisions(proposal)

    def revision_changes(self, proposal_id: int, revision: str) -> tuple[Proposal, RevisionChanges]:
        """A proposal and what one of its revisions changed (see ``ProposalDiffs.revision_changes``)."""
        proposal = self.get(proposal_id)
        return proposal, self.diffs.revision_changes(proposal, revision)

    def update_conflicts(self, proposal_id: int) -> list[UpdateConflict]:
        """The pages where the proposal and main changed the same part (empty when it merges)."""
        return self.diffs.update_conflicts(self.get(proposal_id))

    def support_count(self, proposal_id: int) -> SupportCount:
        """Supports of the proposal's current version and of earlier ones."""
        head, _record_commit = self.records.refs(proposal_id)
        return SupportCount.of(self.database.support_revisions([proposal_id])[proposal_id], head)

    def overdue(self, now: float) -> list[Proposal]:
        """The proposals still waiting for a decision after their deadline, the oldest deadline first."""
        late = [
            proposal
            for proposal in self.listing()
            if proposal.record.status in ACTIVE
            and proposal.record.deadline is not None
            and proposal.record.deadline <= now
        ]
        return sorted(late, key=lambda proposal: (proposal.record.deadline or 0, proposal.id))

    # -- kept for search -------------------------------------------------------------------

    def index_for_search(self, proposal_id: int) -> None:
        """Put an open proposal's title, description and texts in the search index (or take a closed one out)."""
        proposal = self.get(proposal_id)
        record = proposal.record
        body = None
        if record.status in ACTIVE:
            texts = [self.diffs.text(proposal.head_revision, name) or "" for name in record.paths]
            body = "\n\n".join([record.description, *(pagefile.parse(text, "x").body for text in texts)])
        try:
            self.search.set_proposal(record.id, record.title, body)
        except DiskFull:  # the proposal is saved in git; the search index is rebuilt at start-up
            log.warning("proposal %d is saved, but the search index could not take it: the disk is full", record.id)

    def index_all_for_search(self) -> None:
        """Index every open proposal again (at start-up: the search index is derived data)."""
        self.search.clear_proposals()
        for proposal in self.listing():
            if proposal.record.status in ACTIVE:
                self.index_for_search(proposal.id)
