"""What a proposal page shows that git decides, worked out once per proposal head and main head.

The diffs against main, the revisions with theirs, the proposed texts and the description as
HTML take ``git log``, merge bases and tree walks; none of them changes until the proposal or
main moves, so they are kept (within their share of ``WIKI_CACHE_MB``) by exactly what they
are read from: the proposal's head, main's head, and the parts of its record they read.
What people add without a commit (comments, supports) is read on every view.
"""

from __future__ import annotations

from dataclasses import dataclass

from wiki import pagefile
from wiki.services.anchors import PlainText
from wiki.services.bounded import Bounded
from wiki.services.passages import plain_texts
from wiki.services.proposal_diffs import PathDiff, ProposalRevision
from wiki.services.proposal_records import Proposal
from wiki.services.proposals import ProposalService
from wiki.services.render import Renderer


@dataclass(frozen=True, slots=True)
class ProposalContent:
    """A proposal's changes, revisions, rendered texts (by path, and as plain text to find
    passages in) and description, and the version of main it is read against."""

    changes: list[PathDiff]
    revisions: list[ProposalRevision]
    rendered: dict[str, str]
    plains: dict[str, PlainText]
    description_html: str
    started_from: str | None


#: What a proposal's content is read from: its number and head, main's head, and of its
#: record the pages, where it started, its status, its merge and its description.
ContentKey = tuple[int, str, str | None, tuple[str, ...], str, str, str | None, str]


class ProposalContents:
    """Proposal contents by ``ContentKey``, least recently used first beyond ``budget`` bytes."""

    def __init__(self, proposals: ProposalService, renderer: Renderer, budget: int) -> None:
        self.proposals = proposals
        self.renderer = renderer
        self.cache: Bounded[ContentKey, ProposalContent] = Bounded(budget)

    def of(self, proposal: Proposal) -> ProposalContent:
        """The content of ``proposal`` as main is now."""
        record = proposal.record
        merge = record.decision.merge if record.decision is not None else None
        main = self.proposals.repo.head()
        key = (record.id, proposal.head_revision, main, record.paths, record.origin_revision, record.status)
        full: ContentKey = (*key, merge, record.description)
        found = self.cache.get(full)
        if found is not None:
            return found
        changes = self.proposals.changes(proposal)
        rendered = {
            change.path: self.renderer.render_text(pagefile.parse(change.text, change.path).body)
            for change in changes
            if change.text is not None
        }
        content = ProposalContent(
            changes,
            self.proposals.revisions(proposal),
            rendered,
            plain_texts(rendered),
            self.renderer.render_text(record.description) if record.description else "",
            self.proposals.started_from(proposal),
        )
        self.cache.put(full, content, _size(content))
        return content


def _size(content: ProposalContent) -> int:
    """Roughly the memory ``content`` holds: the length of what it says, twice (the objects
    around the texts and diff blocks weigh about as much again)."""
    return 2 * len(repr(content)) + 1000
