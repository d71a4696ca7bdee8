"""Pages of one repository: reading them through the page index, and the one way every page
change is written (a plan for the committer, redone on a new head when someone moved it).

``pages.PageService`` builds the changes people make (edits, restores, renames, ...) on this.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from wiki import pagefile
from wiki.errors import N_, BadInput, DiskFull, NotFound, TooLarge
from wiki.models import Author, Page, PageSummary, SaveResult
from wiki.names import check_revision, page_file, page_name_or_not_found
from wiki.services import pagepaths
from wiki.services.bounded import Bounded
from wiki.services.gittexts import GitTexts
from wiki.services.render import ParagraphLinks, Renderer, SectionLinks
from wiki.store.changes import Note
from wiki.store.committer import Committer, Plan
from wiki.store.linkindex import LinkIndex
from wiki.store.pageindex import PageIndex

log = logging.getLogger(__name__)

# A principle is a page or two; 64 KB is twenty times the longest bundled one, and keeps the
# first view of the worst Markdown the limit allows (about 12 us a byte) within the 1 s budget.
MAX_PAGE_BYTES = 64_000
MAX_MESSAGE_LENGTH = 500


def summary(message: str, default: str) -> str:
    """An edit summary on one line, at most ``MAX_MESSAGE_LENGTH`` characters, or ``default``."""
    return " ".join(message.split())[:MAX_MESSAGE_LENGTH] or default


def with_reason(message: str, reason: str) -> str:
    """The commit message ``message`` followed by the person's optional reason, on one line."""
    reason = " ".join(reason.split())
    return summary(f"{message}: {reason}" if reason else message, message)


class PageBase:
    """Pages of one repository, read through the page index and written through the committer."""

    def __init__(self, committer: Committer, links: LinkIndex, texts: GitTexts, text_budget: int) -> None:
        self.committer = committer
        self.repo = committer.repo
        self.index: PageIndex = committer.index
        self.links = links
        self.texts = texts
        self._texts: Bounded[str, str] = Bounded(text_budget)

    # -- reading --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Catch the index up when the branch moved from outside the wiki.

        Never waits: when a writer is busy, it updates the index itself.  On a full disk the
        index stays as it was (one transaction, never half-updated) and catches up later.
        """
        if self.repo.head() != self.index.indexed_head:
            with self.repo.writer(blocking=False) as acquired:
                if acquired:
                    try:
                        self.index.catch_up()
                    except DiskFull:  # readers keep the pages as they were; saves say why they fail
                        log.warning("the page index cannot catch up: the disk is full")

    def head_if_current(self) -> str | None:
        """The commit the index reflects when it is the branch head (a ref file and one SQLite
        row); None when the index must catch up first."""
        head = self.repo.head()
        return head if head is not None and head == self.index.indexed_head else None

    def current_head(self) -> str:
        """The commit the index (and so every page shown) reflects, caught up first."""
        self.refresh()
        return self.index.indexed_head or ""

    def list_pages(self) -> list[PageSummary]:
        """Every page, principles first in their order."""
        self.refresh()
        return self.index.pages()

    def neighbours(self, page: Page) -> tuple[PageSummary | None, PageSummary | None]:
        """The principles just before and after ``page`` by number (None at either end, and
        both None for a page that is no principle), so a reader can walk through them."""
        if page.number is None:
            return None, None
        principles = self.index.principles()
        before = [other for other in principles if other.number is not None and other.number < page.number]
        after = [other for other in principles if other.number is not None and other.number > page.number]
        return (before[-1] if before else None), (after[0] if after else None)

    def text_of_blob(self, blob: str) -> str:
        """The text of a blob, cached by the memory it takes (a blob never changes)."""
        cached = self._texts.get(blob)
        if cached is not None:
            return cached
        text = self.repo.read_blob(blob).decode("utf-8", "replace")
        self._texts.put(blob, text, sys.getsizeof(text))
        return text

    def summary_of(self, name: str) -> PageSummary:
        """A page's row of the index (its name, title, number and last revision) without its
        text: a page's history, blame and feed show only its title, and reading the blob of
        one of thousands of pages is a trip to git that would make them grow with the wiki."""
        return self._indexed(name)[0]

    def _indexed(self, name: str) -> tuple[PageSummary, str]:
        """A page's index row and its blob id now; unknown and invalid names are one NotFound."""
        name = page_name_or_not_found(name)
        self.refresh()
        found = self.index.get(name)
        if found is None:
            raise NotFound(N_("No such page."))
        return found

    def get(self, name: str, revision: str | None = None) -> tuple[Page, str]:
        """A page now, or as it was at ``revision``, with its blob id.

        Invalid names and revisions raise the same ``NotFound`` as unknown ones.
        """
        if revision is None:
            summary, blob = self._indexed(name)
            name, page_revision = summary.path, summary.revision
        else:
            name = page_name_or_not_found(name)
            page_revision = check_revision(revision)
            at = self.index.blob_written(page_revision, name) or self.repo.blob_at(page_revision, page_file(name))
            if at is None:
                raise NotFound(N_("No such page."))
            blob = at
        text = self.text_of_blob(blob)
        parsed = pagefile.parse(text, name)
        return Page(name, parsed.title, parsed.number, text, parsed.body, page_revision), blob

    def render(
        self,
        page: Page,
        blob: str | None,
        renderer: Renderer,
        section_label: str | None = None,
        paragraph_links: ParagraphLinks | None = None,
    ) -> str:
        """A page's HTML, wiki links resolved; cached by blob and by the set of page names.
        With ``section_label`` (for someone who may edit it) each heading has an edit link;
        with ``paragraph_links`` each block a "why is this here?" link."""
        key = f"{blob}:{self.index.pageset}" if blob else None
        links = SectionLinks(page.path, section_label) if section_label is not None else None
        return renderer.render(page.body, key, self.links.resolve, links, paragraph_links)

    def backlinks(self, page: Page) -> list[PageSummary]:
        """The pages that link to ``page``."""
        found = []
        for name in self.links.backlinks(page.path, page.title):
            row = self.index.get(name)
            if row is not None:
                found.append(row[0])
        return found

    def broken_links(self) -> list[tuple[str, str]]:
        """(source page, target) of every link to a page that does not exist."""
        self.refresh()
        return self.links.broken_links()

    def check_room(self, commit: str | None, name: str, *, moving_from: str | None = None) -> None:
        """``PathClash`` or ``NameTaken`` unless a page ``name`` fits in ``commit`` (see
        ``pagepaths.check_room``): the one check for every way a page comes to be."""
        pagepaths.check_room(self.repo, commit, name, moving_from=moving_from)

    # -- writing --------------------------------------------------------------------------

    def _plan(
        self,
        head: str | None,
        files: dict[str, bytes | None],
        author: Author,
        message: str,
        note: Note,
        *,
        rename_to: str | None = None,
    ) -> Plan:
        """A commit of ``files`` on the served branch at ``head``."""
        return Plan.on_top(
            self.repo.branch, head, files, author=author, message=message, note=note, rename_to=rename_to
        )

    def _transaction(self, plan: Callable[[str | None], Plan | None]) -> str | None:
        """Commit what ``plan`` returns on the current head, in the committer's next batch.

        ``plan`` runs in the writer slot (perhaps in another save's thread) on the head it is
        given: the branch's, or the commit of the save just before it in the batch.  When
        the branch moved underneath (someone outside the wiki committed), the plan runs again
        on the new head: a refused compare-and-swap never loses an edit.  Returns the new
        commit, or None when the plan had nothing to change.
        """
        committed = self.committer.save(plan)
        return None if committed is None else committed.revision

    def checked_text(self, name: str, text: str) -> str:
        """``text`` normalised, or ``BadInput``/``TooLarge`` when it cannot be a page."""
        text = pagefile.normalise_text(text)
        if len(text.encode("utf-8")) > MAX_PAGE_BYTES:
            raise TooLarge(N_("A page may be at most 64 KB."))
        if not text.strip():
            raise BadInput(N_("A page cannot be empty."))
        pagefile.parse(text, name, strict=True)
        return text

    # -- putting things back, moving and deleting ---------------------------------------

    def _existing(self, name: str) -> tuple[PageSummary, str]:
        found = self.index.get(name)
        if found is None:
            raise NotFound(N_("No such page."))
        return found

    def _text_at(self, name: str, revision: str) -> str | None:
        """The page's text at ``revision``, following renames; None when it did not exist then."""
        seq = self.index.seq_of(check_revision(revision))
        if seq is None:
            raise NotFound(N_("No such revision."))
        blob = self.repo.blob_at(revision, page_file(self.index.path_at(name, seq)))
        return None if blob is None else self.text_of_blob(blob)

    def _outcome(self, name: str, revision: str | None) -> SaveResult:
        if revision is not None:
            return SaveResult(revision, False, False, True)
        return SaveResult(self._existing(name)[0].revision, False, False, False)
