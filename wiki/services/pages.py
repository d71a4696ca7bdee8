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

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from wiki import pagefile
from wiki.errors import N_, BadInput, DiskFull, EditConflict, NameTaken, NotFound, TooLarge
from wiki.models import Author, Page, PageSummary, SaveResult, User
from wiki.names import check_page_name, check_revision, page_file, page_name_or_not_found
from wiki.services import pagepaths
from wiki.services.gittexts import GitTexts
from wiki.services.permissions import Action, require
from wiki.services.render import Renderer, SectionLinks
from wiki.store.changes import ChangeKind, Note
from wiki.store.committer import Committer, Plan
from wiki.store.git.merge import merge_texts
from wiki.store.linkindex import LinkIndex
from wiki.store.pageindex import PageIndex

log = logging.getLogger(__name__)

# A principle is a page or two; 64 KB is twenty times the longest bundled one, and keeps the
# first view of the worst Markdown the limit allows (about 12 us a byte) within the 1 s budget.
MAX_PAGE_BYTES = 64_000
MAX_MESSAGE_LENGTH = 500


def _summary(message: str, default: str) -> str:
    """An edit summary on one line, at most ``MAX_MESSAGE_LENGTH`` characters, or ``default``."""
    return " ".join(message.split())[:MAX_MESSAGE_LENGTH] or default


def _with_reason(message: str, reason: str) -> str:
    """The commit message ``message`` followed by the person's optional reason, on one line."""
    reason = " ".join(reason.split())
    return _summary(f"{message}: {reason}" if reason else message, message)


@dataclass(frozen=True, slots=True)
class EditRequest:
    """What a person sends to save a page: with a ``title``, the body typed in the form (of
    section ``section`` alone when set), the page's other front matter kept as it was at
    ``base``; without one (scripts), ``body`` is the whole file text."""

    name: str
    body: str
    base: str | None
    message: str
    author: Author
    title: str | None = None
    section: int | None = None


@dataclass(frozen=True, slots=True)
class Conflicted:
    """An edit that was not saved because it overlaps a change saved since its base (or the
    page was deleted since, or exists while no base was sent): what the conflict screen shows."""

    reason: str
    current_revision: str | None
    current_text: str | None
    mine: str  # the person's whole body, a section put in its place


@dataclass(frozen=True, slots=True)
class _Prepared:
    """An edit checked and read once at its base: the file text to save and the body it holds."""

    name: str
    base: str | None
    base_blob: str | None
    body: str
    text: str


@dataclass(frozen=True, slots=True)
class _Resolution:
    """What a save on one head comes to: the text to commit (None: nothing changes)."""

    text: str | None
    merged: bool
    created: bool


class PageService:
    """Pages of one repository, read through the page index and written through git."""

    def __init__(self, committer: Committer, links: LinkIndex, texts: GitTexts | None = None) -> None:
        self.committer = committer
        self.repo = committer.repo
        self.index: PageIndex = committer.index
        self.links = links
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
        return renderer.render(page.body, key, self.links.resolve, links)

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

    def text_from_form(self, name: str, base: str | None, title: str, body: str) -> str:
        """The file text for a title and body typed in a form, keeping the page's other
        front matter (such as a principle's number) as it was at ``base``."""
        check_title(title)
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
        """Run ``plan`` on the current head and commit what it returns, holding the writer slot.

        When the branch moved underneath (someone outside the wiki committed), the plan
        runs again on the new head: a refused compare-and-swap never loses an edit.
        Returns the new commit, or None when the plan had nothing to change.
        """
        with self.committer.writer():
            while True:
                self.index.catch_up()
                planned = plan(self.repo.head())
                if planned is None:
                    return None
                committed = self.committer.commit(planned)
                if committed is not None:
                    return committed.revision

    def save_as(self, user: User, edit: EditRequest) -> SaveResult:
        """Save as ``user``, who needs ``EDIT`` for a page that exists and ``CREATE`` for a new
        one: decided here by the index, never by what the client sent (a base revision or not)."""
        exists = self.index.get(check_page_name(edit.name)) is not None
        require(user, Action.EDIT if exists else Action.CREATE)
        return self.save(edit)

    def save(self, edit: EditRequest) -> SaveResult:
        """Save a page; see the module docstring for the rules.

        Raises ``BadInput`` (name, title, section, front matter, empty), ``TooLarge``,
        ``NameTaken`` (differs from a page only by case), ``EditConflict`` (overlap, page
        deleted since the base, or no base for an existing page), ``WorkTreeDirty``.
        """
        return self._commit_edit(self._prepare(edit), edit)

    def edit(self, edit: EditRequest) -> SaveResult | Conflicted:
        """Save what a person typed in one trip: saved (perhaps merged), or the conflict to
        show them; the other refusals raise as ``save`` says."""
        prepared = self._prepare(edit)
        try:
            return self._commit_edit(prepared, edit)
        except EditConflict as conflict:
            return Conflicted(conflict.message, conflict.current_revision, conflict.current_body, prepared.body)

    def _prepare(self, edit: EditRequest) -> _Prepared:
        """The edit checked, its base read once: the text to save and the body it holds."""
        name = check_page_name(edit.name)
        base = None
        if edit.base:
            try:
                base = check_revision(edit.base)
            except NotFound:
                raise BadInput(N_("The base revision is not a commit id.")) from None
            if not self.repo.commit_exists(base):
                raise BadInput(N_("The base revision does not exist."))
        base_blob = (
            None if base is None else self.index.blob_written(base, name) or self.repo.blob_at(base, page_file(name))
        )
        if edit.title is None:
            return _Prepared(name, base, base_blob, edit.body, self.checked_text(name, edit.body))
        check_title(edit.title)
        previous = pagefile.parse(self.text_of_blob(base_blob), name) if base_blob else None
        body = edit.body
        if edit.section is not None:
            body = pagefile.replace_section(previous.body if previous else "", edit.section, body)
        return _Prepared(
            name, base, base_blob, body, self.checked_text(name, pagefile.compose(previous, edit.title, body))
        )

    def _commit_edit(self, prepared: _Prepared, edit: EditRequest) -> SaveResult:
        name, file = prepared.name, page_file(prepared.name)
        resolved = _Resolution(None, False, False)

        def plan(head: str | None) -> Plan | None:
            nonlocal resolved
            resolved = self._resolve(head, name, prepared.text, prepared.base, prepared.base_blob)
            if resolved.text is None:
                return None
            default = self.texts.create(name) if resolved.created else self.texts.edit(name)
            kind = ChangeKind.CREATE if resolved.created else ChangeKind.EDIT
            message = _summary(edit.message, default)
            return self._plan(head, {file: resolved.text.encode("utf-8")}, edit.author, message, Note(kind, (name,)))

        revision = self._transaction(plan)
        if revision is None:
            found = self.index.get(name)
            assert found is not None
            return SaveResult(found[0].revision, resolved.merged, False, False)
        return SaveResult(revision, resolved.merged, resolved.created, True)

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
            message = _with_reason(self.texts.restore(name, revision), reason)
            return self._plan(head, {file: data}, author, message, Note(ChangeKind.RESTORE, (name,)))

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
            merged = merge_texts(after, current, before)
            if merged is None:
                raise EditConflict(
                    N_("Later changes overlap this one, so it cannot be taken out by itself."),
                    summary.revision,
                    current,
                )
            if merged == current:
                return None
            message = _with_reason(self.texts.undo(name, revision), reason)
            return self._plan(head, {file: merged.encode("utf-8")}, author, message, Note(ChangeKind.UNDO, (name,)))

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
            note = Note(ChangeKind.RENAME, (name, target))
            summary = _summary(message, self.texts.rename(name, target))
            return self._plan(head, changes, author, summary, note, rename_to=page_file(target))

        return self._outcome(target, self._transaction(plan))

    def delete(self, name: str, author: Author, message: str = "") -> SaveResult:
        """Delete a page (a commit); it stays in the history and can be brought back."""
        name = page_name_or_not_found(name)

        def plan(head: str | None) -> Plan | None:
            self._existing(name)
            summary = _summary(message, self.texts.delete(name))
            return self._plan(head, {page_file(name): None}, author, summary, Note(ChangeKind.DELETE, (name,)))

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
            message = _with_reason(self.texts.undelete(name), reason)
            return self._plan(head, {page_file(name): data}, author, message, Note(ChangeKind.UNDELETE, (name,)))

        return self._outcome(name, self._transaction(plan))

    def _outcome(self, name: str, revision: str | None) -> SaveResult:
        if revision is not None:
            return SaveResult(revision, False, False, True)
        return SaveResult(self._existing(name)[0].revision, False, False, False)

    def _resolve(self, head: str | None, name: str, text: str, base: str | None, base_blob: str | None) -> _Resolution:
        """What saving ``text`` (read at ``base``, where the page was ``base_blob``) on ``head`` comes to."""
        found = self.index.get(name)
        if found is None:
            if base_blob is not None:
                raise EditConflict(N_("The page was deleted after you started editing."), None, None)
            self.check_room(head, name)
            return _Resolution(text, False, True)
        summary, current_blob = found
        current = self.text_of_blob(current_blob)
        if base is None:
            raise EditConflict(
                N_("The page exists: send the revision your text is based on."),
                summary.revision,
                current,
            )
        if base_blob == current_blob:
            return _Resolution(None if text == current else text, False, False)
        base_text = self.text_of_blob(base_blob) if base_blob else ""
        merged = merge_texts(base_text, current, text)
        if merged is None:
            raise EditConflict(
                N_("Someone changed the same part of this page while you were editing."),
                summary.revision,
                current,
            )
        return _Resolution(None if merged == current else merged, True, False)


def check_title(title: str) -> None:
    """``BadInput`` unless a page title typed in a form holds a word (no store work: it may
    run anywhere)."""
    if not " ".join(title.split()):
        raise BadInput(N_("A page needs a title."))
