"""Reading and editing pages: the three-way save that never loses an edit.

A save names the revision the text was read at (its base).  Holding the
repository's writer slot, the service compares the page now with the page at
the base: unchanged means the text is written as is; changed means the two
edits are merged three-way; only a real overlap is reported as a conflict,
carrying the current text so the person can combine both.  The branch moves by
compare-and-swap, and a refused swap (someone outside the wiki moved it) is
redone on the new head, never dropped.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from wiki import pagefile
from wiki.errors import N_, BadInput, EditConflict, NameTaken, NotFound, TooLarge
from wiki.models import Author, Page, PageSummary, SaveResult
from wiki.names import check_page_name, check_revision, page_file
from wiki.store.gitrepo import GitRepository
from wiki.store.pageindex import PageIndex

MAX_PAGE_BYTES = 1_000_000
MAX_MESSAGE_LENGTH = 500


@dataclass(frozen=True, slots=True)
class EditRequest:
    """What a person sends to save a page."""

    name: str
    text: str
    base_revision: str | None
    message: str
    author: Author


class PageService:
    """Pages of one repository, read through the page index and written through git."""

    def __init__(self, repo: GitRepository, index: PageIndex) -> None:
        self.repo = repo
        self.index = index
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._texts_lock = Lock()

    # -- reading --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Catch the index up when the branch moved from outside the wiki.

        Never waits: when a writer is busy, it updates the index itself.
        """
        if self.repo.head() != self.index.indexed_head:
            with self.repo.writer(blocking=False) as acquired:
                if acquired:
                    self.index.catch_up()

    def list_pages(self) -> list[PageSummary]:
        """Every page, principles first in their order."""
        self.refresh()
        return self.index.pages()

    def text_of_blob(self, blob: str) -> str:
        """The text of a blob, cached (a blob never changes)."""
        with self._texts_lock:
            cached = self._texts.get(blob)
        if cached is not None:
            return cached
        text = self.repo.read_blob(blob).decode("utf-8", "replace")
        with self._texts_lock:
            self._texts[blob] = text
            if len(self._texts) > 2048:
                self._texts.popitem(last=False)
        return text

    def get(self, name: str, revision: str | None = None) -> tuple[Page, str]:
        """A page now, or as it was at ``revision``, with its blob id.

        Invalid names and revisions raise the same ``NotFound`` as unknown ones.
        """
        try:
            name = check_page_name(name)
        except BadInput:
            raise NotFound(N_("No such page.")) from None
        if revision is None:
            self.refresh()
            found = self.index.get(name)
            if found is None:
                raise NotFound(N_("No such page."))
            summary, blob = found
            page_revision = summary.revision
        else:
            page_revision = check_revision(revision)
            at = self.repo.blob_at(page_revision, page_file(name))
            if at is None:
                raise NotFound(N_("No such page."))
            blob = at
        text = self.text_of_blob(blob)
        parsed = pagefile.parse(text, name)
        return Page(name, parsed.title, parsed.number, text, parsed.body, page_revision), blob

    def find_case_variant(self, name: str) -> str | None:
        """An existing page whose name differs from ``name`` only by case."""
        return self.index.same_but_for_case(name)

    # -- writing --------------------------------------------------------------------------

    def text_from_form(self, name: str, base: str | None, title: str, body: str) -> str:
        """The file text for a title and body typed in a form, keeping the page's other
        front matter (such as a principle's number) as it was at ``base``."""
        title = " ".join(title.split())
        if not title:
            raise BadInput(N_("A page needs a title."))
        previous = None
        if base:
            try:
                page, _ = self.get(name, base)
            except NotFound:
                pass
            else:
                previous = pagefile.parse(page.text, page.path)
        return pagefile.compose(previous, title, body)

    def base_text(self, name: str, base: str | None) -> str:
        """The page's text at ``base`` (empty when it did not exist there): what an edit started from."""
        if not base:
            return ""
        try:
            return self.get(name, base)[0].text
        except NotFound:
            return ""

    def save(self, edit: EditRequest) -> SaveResult:
        """Save a page's whole file text; see the module docstring for the rules.

        Raises ``BadInput`` (name, front matter, empty), ``TooLarge``, ``NameTaken``
        (differs from a page only by case), ``EditConflict`` (overlap, page deleted
        since the base, or no base for an existing page), ``WorkTreeDirty``.
        """
        name = check_page_name(edit.name)
        text = pagefile.normalise_text(edit.text)
        if len(text.encode("utf-8")) > MAX_PAGE_BYTES:
            raise TooLarge(N_("A page may be at most 1 MB."))
        if not text.strip():
            raise BadInput(N_("A page cannot be empty."))
        pagefile.parse(text, name, strict=True)
        base = None
        if edit.base_revision:
            try:
                base = check_revision(edit.base_revision)
            except NotFound:
                raise BadInput(N_("The base revision is not a commit id.")) from None
            if not self.repo.commit_exists(base):
                raise BadInput(N_("The base revision does not exist."))
        message = " ".join(edit.message.split())[:MAX_MESSAGE_LENGTH]
        file = page_file(name)
        with self.repo.writer():
            while True:
                self.index.catch_up()
                head = self.repo.head()
                new_text, merged, created = self._resolve(name, file, text, base)
                if new_text is None:
                    found = self.index.get(name)
                    assert found is not None
                    return SaveResult(found[0].revision, merged, False, False)
                self.repo.check_work_tree_clean([file])
                tree = self.repo.build_tree(head, {file: new_text.encode("utf-8")})
                summary = message or ("Create " if created else "Edit ") + name
                commit = self.repo.write_commit(tree, [head] if head else [], edit.author, summary)
                if self.repo.move_branch(commit, head):
                    if head is None:
                        self.index.catch_up()
                    else:
                        self.index.record_commit(head, commit, name, _blob_id(new_text))
                    return SaveResult(commit, merged, created, True)

    def _resolve(self, name: str, file: str, text: str, base: str | None) -> tuple[str | None, bool, bool]:
        """The text to commit (None: nothing changes), whether it merged, whether it creates."""
        found = self.index.get(name)
        if found is None:
            if base is not None and self.repo.blob_at(base, file) is not None:
                raise EditConflict(N_("The page was deleted after you started editing."), None, None)
            other = self.index.same_but_for_case(name)
            if other is not None:
                raise NameTaken(N_("A page with this name exists, differing only in capitals."))
            return text, False, True
        summary, current_blob = found
        current = self.text_of_blob(current_blob)
        if base is None:
            raise EditConflict(
                N_("The page exists: send the revision your text is based on."),
                summary.revision,
                current,
            )
        base_blob = self.repo.blob_at(base, file)
        if base_blob == current_blob:
            return (None if text == current else text), False, False
        base_text = self.text_of_blob(base_blob) if base_blob else ""
        merged = self.repo.merge_texts(base_text, current, text)
        if merged is None:
            raise EditConflict(
                N_("Someone changed the same part of this page while you were editing."),
                summary.revision,
                current,
            )
        return (None if merged == current else merged), True, False


def _blob_id(text: str) -> str:
    """The id git gives a blob holding ``text``."""
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
