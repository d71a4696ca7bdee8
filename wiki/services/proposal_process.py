"""A process with a clock: support that knows which version it supported, the threshold after
which a proposal gets a response deadline, the overdue list, and telling watchers when a
deadline passes; and the proposals list with its counts, filters and sorts.

Supports live in the database (``discussion``), the deadline in the proposal's record in git
(``proposals``): this module joins the two.  Time comes from ``clock`` (Unix seconds), so tests
move it instead of waiting.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from wiki.errors import N_, BadInput, Forbidden
from wiki.models import User
from wiki.services.discussion import DiscussionService, proposal_target
from wiki.services.notifier import Notifier
from wiki.services.proposal_diffs import PathDiff
from wiki.services.proposal_records import ACTIVE, STATUSES, Proposal, SupportCount
from wiki.services.proposals import ProposalService
from wiki.store.discussion import SupportRow

DAY = 86_400
#: How the proposals list can be ordered: most supported (current version), newest, soonest deadline.
SORTS = ("newest", "support", "deadline")


@dataclass(frozen=True, slots=True)
class Standing:
    """A proposal's supports as its page shows them, with the reader's own: ``mine`` is the
    revision they supported (None: they do not support it), ``changed_since`` the word diff
    from that revision to now when it is an earlier one."""

    counts: SupportCount
    supporters: list[SupportRow]
    supports: bool
    earlier: bool
    changed_since: list[PathDiff]
    days_left: int | None


@dataclass(frozen=True, slots=True)
class ProposalRow:
    """One row of the proposals list: the proposal and its counts."""

    proposal: Proposal
    supports: SupportCount
    comments: int
    days_left: int | None


def days_left(deadline: int | None, now: float) -> int | None:
    """Whole days until ``deadline`` (rounded up; 0 once it passed), or None without one."""
    return None if deadline is None else max(0, math.ceil((deadline - now) / DAY))


class ProposalProcess:
    """Supports, the threshold and the response deadline of the proposals of one site."""

    def __init__(
        self,
        proposals: ProposalService,
        discussion: DiscussionService,
        notifier: Notifier,
        *,
        threshold: int,
        response_days: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.proposals = proposals
        self.discussion = discussion
        self.notifier = notifier
        self.threshold = threshold
        self.response_days = response_days
        self.clock = clock

    def support(self, proposal_id: int, user: User) -> Proposal:
        """Support the proposal's current version (again: move one's support to it); reaching
        the threshold starts the response deadline."""
        proposal = self.proposals.get(proposal_id)
        if proposal.record.status not in ACTIVE:
            raise Forbidden(N_("Only open proposals can be changed."))
        self.discussion.support(proposal_id, user, supported=True, revision=proposal.head_revision)
        if proposal.record.deadline is None and self.proposals.support_count(proposal_id).current >= self.threshold:
            return self.proposals.start_deadline(proposal_id, self.clock(), self.response_days)
        return proposal

    def withdraw_support(self, proposal_id: int, user: User) -> None:
        """Withdraw one's support (the deadline, once set, stays)."""
        self.proposals.get(proposal_id)
        self.discussion.support(proposal_id, user, supported=False)

    def standing(self, proposal: Proposal, user: User | None) -> Standing:
        """The supports of ``proposal`` and where ``user`` stands."""
        supporters = self.discussion.supporters(proposal.id)
        counts = SupportCount.of(_per_revision(supporters), proposal.head_revision)
        mine = next((row for row in supporters if user is not None and row.username == user.username), None)
        earlier = mine is not None and mine.revision not in (None, proposal.head_revision)
        changed = self.proposals.diffs.since(proposal, mine.revision) if earlier and mine and mine.revision else []
        left = days_left(proposal.record.deadline, self.clock()) if proposal.record.status in ACTIVE else None
        return Standing(counts, supporters, mine is not None, earlier, changed, left)

    def listing(self, status: str | None, sort: str) -> list[ProposalRow]:
        """Proposals of ``status`` (None: all) with their counts, ordered by ``sort``."""
        if sort not in SORTS:
            raise BadInput(N_("Unknown order."))
        if status is not None and status not in STATUSES:
            raise BadInput(N_("Unknown status."))
        proposals = self.proposals.listing(status)
        ids = [proposal.id for proposal in proposals]
        supports = self.proposals.database.support_revisions(ids)
        comments = self.discussion.database.comment_counts([proposal_target(number) for number in ids])
        now = self.clock()
        rows = [
            ProposalRow(
                proposal,
                SupportCount.of(supports[proposal.id], proposal.head_revision),
                comments[proposal_target(proposal.id)],
                days_left(proposal.record.deadline, now) if proposal.record.status in ACTIVE else None,
            )
            for proposal in proposals
        ]
        if sort == "support":
            rows.sort(key=lambda row: (-row.supports.current, -row.supports.earlier, -row.proposal.id))
        elif sort == "deadline":
            rows.sort(key=_by_deadline)
        return rows

    def overdue(self) -> list[Proposal]:
        """The proposals waiting for a decision past their deadline."""
        return self.proposals.overdue(self.clock())

    def tell_passed_deadlines(self, now: float | None = None) -> int:
        """Tell the watchers of each proposal whose deadline passed (once per proposal, also
        across instances: the event key is unique); how many were told now."""
        told = 0
        for proposal in self.proposals.overdue(self.clock() if now is None else now):
            deadline = proposal.record.deadline
            assert deadline is not None
            told += self.notifier.deadline_passed(proposal.id, deadline)
        return told


def _per_revision(supporters: list[SupportRow]) -> dict[str | None, int]:
    counts: dict[str | None, int] = {}
    for row in supporters:
        counts[row.revision] = counts.get(row.revision, 0) + 1
    return counts


def _by_deadline(row: ProposalRow) -> tuple[int, int, int]:
    """Running deadlines first, the soonest first; then the rest, newest first."""
    if row.days_left is None or row.proposal.record.deadline is None:
        return (1, 0, -row.proposal.id)
    return (0, row.proposal.record.deadline, -row.proposal.id)
