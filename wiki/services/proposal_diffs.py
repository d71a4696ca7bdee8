"""What a proposal changes, as people read it: its pages against main, its revisions, its
conflicts, and whether it merges into main now.

Reading only; the workflow (``wiki.services.proposals``) offers these to the web layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from threading import Lock

from wiki import pagefile
from wiki.errors import N_, NotFound
from wiki.names import page_file
from wiki.services import diff
from wiki.services.gittexts import without_trailer
from wiki.services.pages import PageService
from wiki.services.proposal_records import ACCEPTED, Proposal
from wiki.store.git.merge import merge_texts


@dataclass(frozen=True)
class PathDiff:
    """One proposed page: its name, title, the proposed text and the diff against main."""

    path: str
    title: str
    text: str | None
    current: str | None
    blocks: list[diff.Block]


@dataclass(frozen=True)
class ProposalRevision:
    """One revision of a proposal: who, when and why; what it changed has a page of its own
    (``ProposalDiffs.revision_changes``), so the proposal page costs the same however often
    it was revised."""

    revision: str
    author: str
    date: int
    message: str


@dataclass(frozen=True)
class RevisionChanges:
    """What one revision of a proposal changed, page by page, and where it stands among the
    proposal's revisions (its number from 1, of ``count``; the one before and after it)."""

    revision: ProposalRevision
    number: int
    count: int
    diffs: list[PathDiff]
    previous: str | None
    next: str | None


@dataclass(frozen=True)
class UpdateConflict:
    """A page whose proposed text and main's text both changed the same part."""

    path: str
    ours: str
    main: str
    base: str = ""


class ProposalDiffs:
    """Texts and diffs of proposals in one repository."""

    def __init__(self, pages: PageService) -> None:
        self.pages = pages
        self.repo = pages.repo
        self._merges: dict[tuple[str, str], bool] = {}
        self._lock = Lock()

    def merges_cleanly(self, head: str) -> bool:
        """Whether the proposal head ``head`` merges into main now without a conflict; kept
        per (main, head), since listing the proposals asks it of every open one."""
        main = self.repo.head()
        if main is None:
            return False
        key = (main, head)
        with self._lock:
            known = self._merges.get(key)
        if known is None:
            known = self.repo.merge_tree(main, head) is not None
            with self._lock:
                if len(self._merges) > 4096:
                    self._merges.clear()
                self._merges[key] = known
        return known

    def text(self, commit: str, name: str) -> str | None:
        """The page's file text at ``commit`` (None: not there)."""
        blob = self.repo.blob_at(commit, page_file(name))
        return None if blob is None else self.pages.text_of_blob(blob)

    def _path_diff(self, name: str, before: str | None, after: str | None, budget: diff.Budget) -> PathDiff:
        old = pagefile.parse(before, name).body if before else ""
        new = pagefile.parse(after, name).body if after else ""
        title = pagefile.parse(after or before or "", name).title
        return PathDiff(name, title, after, before, diff.compare(old, new, budget))

    def between(self, before: str, after: str, names: tuple[str, ...]) -> list[PathDiff]:
        """The pages of ``names`` that differ between two commits, each as a word diff."""
        budget = diff.Budget()
        texts = [(name, self.text(before, name), self.text(after, name)) for name in names]
        return [self._path_diff(name, old, new, budget) for name, old, new in texts if old != new]

    def proposed_texts(self, proposal: Proposal) -> dict[str, str | None]:
        """Each proposed page's text at the proposal's head (None: the proposal deletes it)."""
        return {name: self.text(proposal.head_revision, name) for name in proposal.record.paths}

    def against(self, proposal: Proposal) -> str | None:
        """What the proposal's own changes are read against: the version of main it started
        from (the merge base of its head and main, moved on by each update), so that edits
        others made on main since do not look like the proposal taking them out; once
        accepted, main just before the merge."""
        main = self.repo.head()
        decision = proposal.record.decision
        if proposal.record.status == ACCEPTED and decision is not None and decision.merge:
            parents = self.repo.parents(decision.merge)
            return parents[0] if parents else main
        if main is None:
            return None
        return self.repo.merge_base(main, proposal.head_revision) or main

    def changes(self, proposal: Proposal) -> list[PathDiff]:
        """Each proposed page against the version it started from (see ``against``)."""
        against = self.against(proposal)
        budget = diff.Budget()
        return [
            self._path_diff(
                name, self.text(against, name) if against else None, self.text(proposal.head_revision, name), budget
            )
            for name in proposal.record.paths
        ]

    def since(self, proposal: Proposal, revision: str) -> list[PathDiff]:
        """The proposal's pages that changed from its ``revision`` to its head, as word diffs
        (what a supporter of that earlier version has not seen); empty when git no longer
        has that revision."""
        if not self.repo.commit_exists(revision):
            return []
        budget = diff.Budget()
        found = []
        for name in proposal.record.paths:
            before, after = self.text(revision, name), self.text(proposal.head_revision, name)
            if before != after:
                found.append(self._path_diff(name, before, after, budget))
        return found

    def revisions(self, proposal: Proposal) -> list[ProposalRevision]:
        """The proposal's own revisions, oldest first: one ``git log``, no texts read."""
        commits = self.repo.log(proposal.head_revision, proposal.record.origin_revision)
        return [
            ProposalRevision(commit.revision, commit.author, commit.date, without_trailer(commit.message))
            for commit in commits
        ]

    def revision_changes(self, proposal: Proposal, revision: str) -> RevisionChanges:
        """What ``revision`` changed in the proposal's pages, against the revision before it;
        ``NotFound`` when it is not one of this proposal's own revisions (any other commit,
        or no commit at all, gets the same answer)."""
        revisions = self.revisions(proposal)
        numbers = {item.revision: n for n, item in enumerate(revisions)}
        number = numbers.get(revision)
        if number is None:
            raise NotFound(N_("This proposal has no such revision."))
        parents = self.repo.parents(revision)
        budget = diff.Budget()
        diffs = []
        for name in proposal.record.paths:
            before = self.text(parents[0], name) if parents else None
            after = self.text(revision, name)
            if before != after:
                diffs.append(self._path_diff(name, before, after, budget))
        return RevisionChanges(
            revisions[number],
            number + 1,
            len(revisions),
            diffs,
            revisions[number - 1].revision if number > 0 else None,
            revisions[number + 1].revision if number + 1 < len(revisions) else None,
        )

    def update_conflicts(self, proposal: Proposal) -> list[UpdateConflict]:
        """The pages where the proposal and main changed the same part (empty when it merges)."""
        main = self.repo.head()
        assert main is not None
        if self.repo.merge_tree(main, proposal.head_revision) is not None:
            return []
        conflicts = []
        for name in proposal.record.paths:
            ours, theirs = self.text(proposal.head_revision, name), self.text(main, name)
            base = self.text(proposal.record.base_revision, name) or ""
            if ours is not None and theirs is not None and merge_texts(base, theirs, ours) is None:
                conflicts.append(UpdateConflict(name, ours, theirs, base))
        return conflicts
