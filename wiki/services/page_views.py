"""What a page of the site shows, read in one trip to the thread pool.

A route makes one awaited call and renders what comes back: every git read, SQL query and
Markdown render a page needs happens here, off the event loop.  Each use case returns a
frozen record of exactly what its page shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from wiki import pagefile
from wiki.errors import NotFound
from wiki.models import Page, PageSummary, User
from wiki.names import is_page_name
from wiki.services.discussion import Comment, DiscussionService, page_target, proposal_target
from wiki.services.drafts import Draft, DraftService
from wiki.services.history import Change, HistoryService
from wiki.services.pages import PageService
from wiki.services.proposal_diffs import PathDiff, ProposalRevision
from wiki.services.proposal_records import Proposal
from wiki.services.proposals import ProposalService
from wiki.services.render import Renderer
from wiki.services.search import SearchResult, SearchService


@dataclass(frozen=True, slots=True)
class PageView:
    """A page now or at a revision: its HTML and what surrounds it."""

    page: Page
    html: str
    info: Change | None
    last_change: Change | None
    backlinks: list[PageSummary]
    previous: PageSummary | None
    following: PageSummary | None


@dataclass(frozen=True, slots=True)
class MissingPage:
    """No page by that name: where it moved, or the words of its name (empty for a name no page
    can have) and pages with a similar name, to offer creating or proposing it."""

    moved_to: str | None
    wanted: str
    similar: list[SearchResult]
    message: str


@dataclass(frozen=True, slots=True)
class ProposalPage:
    """A proposal with its diffs, revisions, rendered texts, supporters and discussion."""

    proposal: Proposal
    changes: list[PathDiff]
    revisions: list[ProposalRevision]
    previews: dict[str, str]
    supporters: list[tuple[str, str]]
    comments: list[Comment]
    description_html: str


@dataclass(frozen=True, slots=True)
class PageViews:
    """The read use cases of the site's pages, over the services they combine."""

    pages: PageService
    history: HistoryService
    search: SearchService
    proposals: ProposalService
    discussion: DiscussionService
    renderer: Renderer
    drafts: DraftService

    def page(self, name: str, revision: str | None, section_label: str | None = None) -> PageView | MissingPage:
        """A page rendered from Markdown (with a ``section_label`` link after each heading for
        someone who may edit it), or what to say when there is no such page."""
        try:
            if revision:
                page = self.history.page_at(name, revision)
                info, blob = self.history.revision_info(revision), None
            else:
                page, found = self.pages.get(name)
                info, blob = None, found
        except NotFound as missing:
            return self._missing(name, revision, missing.message)
        html = self.pages.render(page, blob, self.renderer, section_label)
        previous, following = self.pages.neighbours(page)
        return PageView(
            page,
            html,
            info,
            None if revision else self.history.revision_info(page.revision),
            [] if revision else self.pages.backlinks(page),
            previous,
            following,
        )

    def source(self, name: str, revision: str | None) -> tuple[Page, Change | None]:
        """A page now, or as it was at ``revision`` with that change's author, date and message."""
        if revision:
            return self.history.page_at(name, revision), self.history.revision_info(revision)
        return self.pages.get(name)[0], None

    def principles(self) -> list[tuple[Page, str]]:
        """Every principle in its order with its HTML (the page holding them all)."""
        shown = []
        for summary in self.pages.list_pages():
            if summary.number is not None:
                page, blob = self.pages.get(summary.path)
                shown.append((page, self.pages.render(page, blob, self.renderer)))
        return shown

    def _missing(self, name: str, revision: str | None, message: str) -> MissingPage:
        moved = self.history.renamed_to(name) if not revision and is_page_name(name) else None
        wanted = name.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ") if is_page_name(name) else ""
        similar = [r for r in self.search.search(wanted, 5) if r.kind == "page"] if wanted and not moved else []
        return MissingPage(moved, wanted, similar, message)

    def proposal(self, number: int) -> ProposalPage:
        """A proposal as its page shows it."""
        proposal = self.proposals.get(number)
        changes = self.proposals.changes(proposal)
        previews = {
            change.path: self.renderer.render_text(pagefile.parse(change.text, change.path).body)
            for change in changes
            if change.text is not None
        }
        description = proposal.record.description
        return ProposalPage(
            proposal,
            changes,
            self.proposals.revisions(proposal),
            previews,
            self.discussion.supporters(number),
            self.discussion.comments(proposal_target(number)),
            self.renderer.render_text(description) if description else "",
        )

    def proposal_listing(self, status: str | None) -> tuple[list[Proposal], dict[int, int]]:
        """Proposals (of ``status``, or all), with how many people support each."""
        proposals = self.proposals.listing(status)
        return proposals, self.discussion.support_counts([p.id for p in proposals])

    def comment_on_proposal(self, number: int, user: User, body: str, *, parent: int | None = None) -> int:
        """Add a comment (a reply to ``parent``) to an existing proposal's discussion
        (``NotFound`` when there is none); the comment's id."""
        self.proposals.get(number)
        return self.discussion.add(proposal_target(number), user, body, parent=parent)

    def comment_on_page(self, name: str, user: User, body: str, *, parent: int | None = None) -> tuple[Page, int]:
        """Add a comment (a reply to ``parent``) to an existing page's discussion; the page,
        to go back to, and the comment's id."""
        page = self.pages.get(name)[0]
        return page, self.discussion.add(page_target(page.path), user, body, parent=parent)

    def page_and_draft(self, user: User, name: str) -> tuple[Page, Draft | None]:
        """A page as it is now, with the person's unsaved draft of it (for the edit form)."""
        page = self.pages.get(name)[0]
        return page, self.drafts.get(user, page.path)
