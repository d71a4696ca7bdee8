"""What a page of the site shows, read in one trip to the thread pool.

A route makes one awaited call and renders what comes back: every git read, SQL query and
Markdown render a page needs happens here, off the event loop.  Each use case returns a
frozen record of exactly what its page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from wiki import pagefile
from wiki.errors import N_, BadInput, NotFound
from wiki.models import Page, PageSummary, User
from wiki.names import is_page_name
from wiki.services.anchors import Anchor, paragraph_anchor
from wiki.services.discussion import Comment, DiscussionService, page_target, proposal_target
from wiki.services.drafts import Draft, DraftService
from wiki.services.history import Change, HistoryService
from wiki.services.pages import PageService
from wiki.services.passages import Annotated, Labels, Passage, annotate, place, plain_texts
from wiki.services.proposal_content import ProposalContents
from wiki.services.proposal_diffs import PathDiff, ProposalRevision
from wiki.services.proposal_records import Proposal
from wiki.services.proposals import ProposalService
from wiki.services.render import ParagraphLinks, Renderer
from wiki.services.search import SearchResult, SearchService
from wiki.services.suggestions import Suggestion, SuggestionService
from wiki.store.discussion import SupportRow


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
    """A proposal with its diffs, revisions, rendered texts (passages highlighted, by path),
    supporters and discussion, and where each comment's passage is now."""

    proposal: Proposal
    changes: list[PathDiff]
    revisions: list[ProposalRevision]
    texts: dict[str, Annotated]
    supporters: list[SupportRow]
    comments: list[Comment]
    description_html: str
    suggestions: list[Suggestion]
    #: The version of main the proposal started from (its changes are shown against it), and
    #: whether main moved on since.
    started_from: str | None
    main_moved: bool
    passages: dict[int, Passage]
    passage: Anchor | None


@dataclass(frozen=True, slots=True)
class DiscussionPage:
    """A page's discussion: the page's text now with the passages highlighted, the comments,
    where each comment's passage is now, and the paragraph picked to comment on (no script)."""

    page: Page
    text: Annotated
    comments: list[Comment]
    passages: dict[int, Passage]
    passage: Anchor | None


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
    suggestions: SuggestionService
    contents: ProposalContents

    def page(
        self,
        name: str,
        revision: str | None,
        section_label: str | None = None,
        why_words: tuple[str, str] | None = None,
    ) -> PageView | MissingPage:
        """A page rendered from Markdown (with a ``section_label`` link after each heading for
        someone who may edit it, and with ``why_words``, the label and the words for screen
        readers, a "why is this here?" link on each block), or what to say when there is no
        such page.  The links are plain markup, cached with the HTML: nothing is blamed here."""
        try:
            if revision:
                page = self.history.page_at(name, revision)
                info, blob = self.history.revision_info(revision), None
            else:
                page, found = self.pages.get(name)
                info, blob = None, found
        except NotFound as missing:
            return self._missing(name, revision, missing.message)
        links = None
        if why_words is not None:
            links = ParagraphLinks(name if revision else page.path, revision, *why_words)
        html = self.pages.render(page, blob, self.renderer, section_label, links)
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

    def proposal(self, number: int, labels: Labels, pick: tuple[str, int] | None = None) -> ProposalPage:
        """A proposal as its page shows it; ``pick`` (path, paragraph) is a paragraph picked
        to comment on, given back as its anchor."""
        proposal = self.proposals.get(number)
        content = self.contents.of(proposal)
        started, rendered, plains = content.started_from, content.rendered, content.plains
        comments = self.discussion.comments(proposal_target(number))
        passages = place(plains, comments)
        head = proposal.head_revision
        texts = {
            path: annotate(
                path, head, html, passages=passages, labels=labels, link=f"/proposals/{number}?path={quote(path)}&"
            )
            for path, html in rendered.items()
        }
        picked = None
        if pick is not None and pick[0] in plains:
            picked = paragraph_anchor(plains[pick[0]], pick[1], head, pick[0])
        return ProposalPage(
            proposal,
            content.changes,
            content.revisions,
            texts,
            self.discussion.supporters(number),
            comments,
            content.description_html,
            self.suggestions.listing(number),
            started,
            started is not None and started != self.pages.repo.head(),
            passages,
            picked,
        )

    def proposal_passages(self, proposal: Proposal, comments: list[Comment]) -> dict[int, Passage]:
        """Where the passages of a proposal's comments are in its texts now (for the API)."""
        if not any(comment.anchor for comment in comments):
            return {}  # nothing to find: no text rendered
        texts = self.proposals.proposed_texts(proposal)
        rendered = {
            path: self.renderer.render_text(pagefile.parse(text, path).body)
            for path, text in texts.items()
            if text is not None
        }
        return place(plain_texts(rendered), comments)

    def page_passages(self, name: str) -> tuple[Page, list[Comment], dict[int, Passage]]:
        """A page's comments and where their passages are in its text now (for an API)."""
        page, blob = self.pages.get(name)
        comments = self.discussion.comments(page_target(page.path))
        if not any(comment.anchor for comment in comments):
            return page, comments, {}  # nothing to find: no text rendered
        plains = plain_texts({page.path: self.pages.render(page, blob, self.renderer)})
        return page, comments, place(plains, comments)

    def page_discussion(self, name: str, labels: Labels, paragraph: int | None = None) -> DiscussionPage:
        """A page's discussion beside its text now; ``paragraph`` picked to comment on, given
        back as its anchor."""
        page, blob = self.pages.get(name)
        html = self.pages.render(page, blob, self.renderer)
        plains = plain_texts({page.path: html})
        comments = self.discussion.comments(page_target(page.path))
        passages = place(plains, comments)
        text = annotate(
            page.path, page.revision, html, passages=passages, labels=labels, link=f"/discuss/{quote(page.path)}?"
        )
        picked = None if paragraph is None else paragraph_anchor(plains[page.path], paragraph, page.revision, page.path)
        return DiscussionPage(page, text, comments, passages, picked)

    def comment_on_proposal(
        self, number: int, user: User, body: str, *, parent: int | None = None, anchor: Anchor | None = None
    ) -> int:
        """Add a comment (a reply to ``parent``) to an existing proposal's discussion
        (``NotFound`` when there is none), on a passage of one of its texts when ``anchor``
        is given; the comment's id."""
        proposal = self.proposals.get(number)
        if anchor is not None and anchor.path not in proposal.record.paths:
            raise BadInput(N_("The passage is not from this text."))
        return self.discussion.add(proposal_target(number), user, body, parent=parent, anchor=anchor)

    def comment_on_page(
        self, name: str, user: User, body: str, *, parent: int | None = None, anchor: Anchor | None = None
    ) -> tuple[Page, int]:
        """Add a comment (a reply to ``parent``) to an existing page's discussion, on a passage
        of its text when ``anchor`` is given; the page, to go back to, and the comment's id."""
        page = self.pages.get(name)[0]
        if anchor is not None and anchor.path != page.path:
            raise BadInput(N_("The passage is not from this text."))
        return page, self.discussion.add(page_target(page.path), user, body, parent=parent, anchor=anchor)

    def page_and_draft(self, user: User, name: str) -> tuple[Page, Draft | None]:
        """A page as it is now, with the person's unsaved draft of it (for the edit form)."""
        page = self.pages.get(name)[0]
        return page, self.drafts.get(user, page.path)
