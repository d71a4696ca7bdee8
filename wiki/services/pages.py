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
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from wiki import pagefile
from wiki.errors import N_, BadInput, DiskFull, EditConflict, NameTaken, NotFound, TooLarge
from wiki.models import Author, CommitRecord, FileChange, Page, PageSummary, SaveResult, User
from wiki.names import check_page_name, check_revision, page_file, page_name_or_not_found
from wiki.services import pagepaths
from wiki.services.gittexts import GitTexts
from wiki.services.permissions import Action, require
from wiki.services.render import Renderer, SectionLinks
from wiki.store.gitrepo import GitRepository, clean_message, identity
from wiki.store.pageindex import PageIndex

log = logging.getLogger(__name__)

# A principle is a page or two; 64 KB is twenty times the longest bundled one, and keeps the
# first view of the worst Markdown the limit allows (about 12 us a byte) within the 1 s budget.
MAX_PAGE_BYTES = 64_000
MAX_MESSAGE_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Plan:
    """What one commit will change: files (None deletes), who and why; a rename names its target."""

    changes: dict[str, bytes | None]
    author: Author
    message: str
    rename_to: str | None = None

    def files(self) -> dict[str, bytes | None]:
        """The files to write, by repository path."""
        return self.changes

    def renamed_from(self) -> str | None:
        """The file a rename removes, if this plan is a rename."""
        if self.rename_to is None:
            return None
        return next(path for path, data in self.changes.items() if data is None)


def _summary(message: str, default: str) -> str:
    """An edit summary on one line, at most ``MAX_MESSAGE_LENGTH`` characters, or ``default``."""
    return " ".join(message.split())[:MAX_MESSAGE_LENGTH] or default


def _with_reason(message: str, reason: str) -> str:
    """The commit message ``message`` followed by the person's optional reason, on one line."""
    reason = " ".join(reason.split())
    return _summary(f"{message}: {reason}" if reason else message, message)


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

    def __init__(self, repo: GitRepository, index: PageIndex, texts: GitTexts | None = None) -> None:
        self.repo = repo
        self.index = index
        self.texts = texts or GitTexts()
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._texts_lock = Lock()

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
        row, cheap enough to ask on the event loop); None when the index must catch up first."""
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
        name = page_name_or_not_found(name)
        if revision is None:
            self.refresh()
            found = self.index.get(name)
            if found is None:
                raise NotFound(N_("No such page."))
            summary, blob = found
            page_revision = summary.revision
        else:
            page_revision = check_revision(revision)
            at = self.index.blob_written(page_revision, name) or self.repo.blob_at(page_revision, page_file(name))
            if at is None:
                raise NotFound(N_("No such page."))
            blob = at
        text = self.text_of_blob(blob)
        parsed = pagefile.parse(text, name)
        return Page(name, parsed.title, parsed.number, text, parsed.body, page_revision), blob

    def render(self, page: Page, blob: str | None, renderer: Renderer, section_label: str | None = None) -> str:
        """A page's HTML, wiki links resolved; cached by blob and by the set of page names.
        With ``section_label`` (for someone who may edit it) each heading has an edit link."""
        key = f"{blob}:{self.index.pageset}" if blob else None
        links = SectionLinks(page.path, section_label) if section_label is not None else None
        return renderer.render(page.body, key, self.index.resolve_link, links)

    def backlinks(self, page: Page) -> list[PageSummary]:
        """The pages that link to ``page``."""
        found = []
        for name in self.index.backlinks(page.path, page.title):
            row = self.index.get(name)
            if row is not None:
                found.append(row[0])
        return found

    def broken_links(self) -> list[tuple[str, str]]:
        """(source page, target) of every link to a page that does not exist."""
        self.refresh()
        return self.index.broken_links()

    def check_room(self, commit: str | None, name: str, *, moving_from: str | None = None) -> None:
        """``PathClash`` or ``NameTaken`` unless a page ``name`` fits in ``commit`` (see
        ``pagepaths.check_room``): the one check for every way a page comes to be."""
        pagepaths.check_room(self.repo, commit, name, moving_from=moving_from)

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

    def _transaction(self, plan: Callable[[str | None], Plan | None]) -> str | None:
        """Run ``plan`` on the current head and commit what it returns, holding the writer slot.

        When the branch moved underneath (someone outside the wiki committed), the plan
        runs again on the new head: a refused compare-and-swap never loses an edit.
        Returns the new commit, or None when the plan had nothing to change.
        """
        with self.repo.writer():
            while True:
                self.index.catch_up()
                head = self.repo.head()
                planned = plan(head)
                if planned is None:
                    return None
                files = planned.files()
                self.repo.check_work_tree_clean(list(files))
                tree = self.repo.build_tree(head, files)
                when = int(time.time())
                revision = self.repo.write_commit(tree, [head] if head else [], planned.author, planned.message, when)
                if self.repo.move_branch(revision, head):
                    who = identity(planned.author)
                    changes = tuple(self._file_change(head, path, data, planned) for path, data in files.items())
                    kept = tuple(change for change in changes if change is not None)
                    record = CommitRecord(revision, who.name, who.email, when, clean_message(planned.message), kept)
                    try:
                        self.index.record_commit(head, record)
                    except DiskFull:  # the commit is safe in git; the index catches up once there is room
                        log.warning("saved %s, but the page index could not record it: the disk is full", revision)
                    return revision

    def _file_change(self, head: str | None, path: str, data: bytes | None, plan: Plan) -> FileChange | None:
        renamed_from = plan.renamed_from()
        if path == renamed_from:
            return None  # recorded with the new name as one rename
        old_path = renamed_from if plan.rename_to == path else None
        old_blob = self.repo.blob_at(head, old_path or path) if head else None
        old_size = len(self.repo.read_blob(old_blob)) if old_blob else None
        if data is None:
            return FileChange("D", path, None, None, old_blob, None, old_size)
        status = "R" if old_path else ("M" if old_blob else "A")
        return FileChange(status, path, old_path, blob_id(data), old_blob, len(data), old_size)

    def save_as(self, user: User, edit: EditRequest) -> SaveResult:
        """Save as ``user``, who needs ``EDIT`` for a page that exists and ``CREATE`` for a new
        one: decided here by the index, never by what the client sent (a base revision or not)."""
        exists = self.index.get(check_page_name(edit.name)) is not None
        require(user, Action.EDIT if exists else Action.CREATE)
        return self.save(edit)

    def save(self, edit: EditRequest) -> SaveResult:
        """Save a page's whole file text; see the module docstring for the rules.

        Raises ``BadInput`` (name, front matter, empty), ``TooLarge``, ``NameTaken``
        (differs from a page only by case), ``EditConflict`` (overlap, page deleted
        since the base, or no base for an existing page), ``WorkTreeDirty``.
        """
        name = check_page_name(edit.name)
        text = self.checked_text(name, edit.text)
        base = None
        if edit.base_revision:
            try:
                base = check_revision(edit.base_revision)
            except NotFound:
                raise BadInput(N_("The base revision is not a commit id.")) from None
            if not self.repo.commit_exists(base):
                raise BadInput(N_("The base revision does not exist."))
        file = page_file(name)
        outcome = {"merged": False, "created": False}

        def plan(head: str | None) -> Plan | None:
            new_text, outcome["merged"], outcome["created"] = self._resolve(head, name, file, text, base)
            if new_text is None:
                return None
            default = self.texts.create(name) if outcome["created"] else self.texts.edit(name)
            return Plan({file: new_text.encode("utf-8")}, edit.author, _summary(edit.message, default))

        revision = self._transaction(plan)
        if revision is None:
            found = self.index.get(name)
            assert found is not None
            return SaveResult(found[0].revision, outcome["merged"], False, False)
        return SaveResult(revision, outcome["merged"], outcome["created"], True)

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

    def restore(self, name: str, revision: str, author: Author, reason: str = "") -> SaveResult:
        """Put a page back as it was at ``revision``: a new commit, nothing rewritten; the
        person's optional ``reason`` follows the message."""
        name = page_name_or_not_found(name)
        old = self._text_at(name, revision)
        if old is None:
            raise NotFound(N_("The page did not exist in that version."))
        data = old.encode("utf-8")
        file = page_file(name)

        def plan(head: str | None) -> Plan | None:
            found = self.index.get(name)
            if found is not None and self.text_of_blob(found[1]) == old:
                return None
            if found is None:
                self.check_room(head, name)
            return Plan({file: data}, author, _with_reason(self.texts.restore(name, revision), reason))

        return self._outcome(name, self._transaction(plan))

    def undo(self, name: str, revision: str, author: Author, reason: str = "") -> SaveResult:
        """Take out one earlier change to a page, keeping everything after it (three-way);
        the person's optional ``reason`` follows the message.

        ``EditConflict`` when later changes overlap it so it cannot be taken out cleanly.
        """
        name = page_name_or_not_found(name)
        seq = self.index.seq_of(check_revision(revision))
        if seq is None:
            raise NotFound(N_("No such revision."))
        after = self._text_at(name, revision)
        before_blob = self.index.previous_blob(name, seq)
        before = self.text_of_blob(before_blob) if before_blob else None
        if after is None or before is None:
            raise EditConflict(N_("This change created or deleted the page; restore a version instead."), None, None)
        file = page_file(name)

        def plan(head: str | None) -> Plan | None:
            summary, blob = self._existing(name)
            current = self.text_of_blob(blob)
            merged = self.repo.merge_texts(after, current, before)
            if merged is None:
                raise EditConflict(
                    N_("Later changes overlap this one, so it cannot be taken out by itself."),
                    summary.revision,
                    current,
                )
            if merged == current:
                return None
            return Plan({file: merged.encode("utf-8")}, author, _with_reason(self.texts.undo(name, revision), reason))

        return self._outcome(name, self._transaction(plan))

    def rename(self, name: str, new_name: str, author: Author, message: str = "") -> SaveResult:
        """Move a page to a new name, keeping its history (git sees a rename)."""
        name = page_name_or_not_found(name)
        target = check_page_name(new_name)
        if target == name:
            raise BadInput(N_("The new name is the same as the old one."))

        def plan(head: str | None) -> Plan | None:
            _summary_row, blob = self._existing(name)
            if self.index.get(target) is not None:
                raise NameTaken(N_("A page with this name exists already."))
            self.check_room(head, target, moving_from=name)
            data = self.repo.read_blob(blob)
            changes: dict[str, bytes | None] = {page_file(name): None, page_file(target): data}
            default = self.texts.rename(name, target)
            return Plan(changes, author, _summary(message, default), rename_to=page_file(target))

        return self._outcome(target, self._transaction(plan))

    def delete(self, name: str, author: Author, message: str = "") -> SaveResult:
        """Delete a page (a commit); it stays in the history and can be brought back."""
        name = page_name_or_not_found(name)

        def plan(head: str | None) -> Plan | None:
            self._existing(name)
            return Plan({page_file(name): None}, author, _summary(message, self.texts.delete(name)))

        revision = self._transaction(plan)
        assert revision is not None
        return SaveResult(revision, False, False, True)

    def undelete(self, name: str, author: Author, reason: str = "") -> SaveResult:
        """Bring back a deleted page as it was just before it was deleted (with an optional
        ``reason`` after the message)."""
        name = page_name_or_not_found(name)
        deleted = [row for row in self.index.deleted_pages() if row.path == name]
        if not deleted:
            raise NotFound(N_("No deleted page of this name."))
        before_blob = self.index.previous_blob(name, deleted[0].seq)
        if before_blob is None:
            raise NotFound(N_("No deleted page of this name."))
        data = self.repo.read_blob(before_blob)

        def plan(head: str | None) -> Plan | None:
            if self.index.get(name) is not None:
                raise NameTaken(N_("A page with this name exists already."))
            self.check_room(head, name)
            return Plan({page_file(name): data}, author, _with_reason(self.texts.undelete(name), reason))

        return self._outcome(name, self._transaction(plan))

    def _outcome(self, name: str, revision: str | None) -> SaveResult:
        if revision is not None:
            return SaveResult(revision, False, False, True)
        return SaveResult(self._existing(name)[0].revision, False, False, False)

    def _resolve(
        self, head: str | None, name: str, file: str, text: str, base: str | None
    ) -> tuple[str | None, bool, bool]:
        """The text to commit (None: nothing changes), whether it merged, whether it creates."""
        found = self.index.get(name)
        if found is None:
            if base is not None and self.repo.blob_at(base, file) is not None:
                raise EditConflict(N_("The page was deleted after you started editing."), None, None)
            self.check_room(head, name)
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


def blob_id(data: bytes) -> str:
    """The id git gives a blob holding ``data``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
