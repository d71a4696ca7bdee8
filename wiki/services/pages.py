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
from dataclasses import dataclass

from wiki import pagefile
from wiki.errors import N_, BadInput, EditConflict, NameTaken, NotFound
from wiki.models import Author, SaveResult, User
from wiki.names import check_page_name, check_revision, page_file, page_name_or_not_found
from wiki.services.page_base import PageBase, summary, with_reason
from wiki.services.permissions import Action, require
from wiki.store.changes import ChangeKind, Note
from wiki.store.committer import Plan
from wiki.store.git.merge import merge_texts

log = logging.getLogger(__name__)


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


class PageService(PageBase):
    """The changes people make to pages: edits (merged three ways), restores, undos, renames,
    deletions and bringing pages back."""

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
            message = summary(edit.message, default)
            return self._plan(head, {file: resolved.text.encode("utf-8")}, edit.author, message, Note(kind, (name,)))

        self.index.make_ahead(name, prepared.text)  # here, not in the writer every save waits for
        revision = self._transaction(plan)
        if revision is None:
            found = self.index.get(name)
            assert found is not None
            return SaveResult(found[0].revision, resolved.merged, False, False)
        return SaveResult(revision, resolved.merged, resolved.created, True)

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
            message = with_reason(self.texts.restore(name, revision), reason)
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
            row, blob = self._existing(name)
            current = self.text_of_blob(blob)
            merged = merge_texts(after, current, before)
            if merged is None:
                raise EditConflict(
                    N_("Later changes overlap this one, so it cannot be taken out by itself."),
                    row.revision,
                    current,
                )
            if merged == current:
                return None
            message = with_reason(self.texts.undo(name, revision), reason)
            return self._plan(head, {file: merged.encode("utf-8")}, author, message, Note(ChangeKind.UNDO, (name,)))

        return self._outcome(name, self._transaction(plan))

    def rename(self, name: str, new_name: str, author: Author, message: str = "") -> SaveResult:
        """Move a page to a new name, keeping its history (git sees a rename)."""
        name = page_name_or_not_found(name)
        target = check_page_name(new_name)
        if target == name:
            raise BadInput(N_("The new name is the same as the old one."))

        def plan(head: str | None) -> Plan | None:
            _summary, blob = self._existing(name)
            if self.index.get(target) is not None:
                raise NameTaken(N_("A page with this name exists already."))
            self.check_room(head, target, moving_from=name)
            data = self.repo.read_blob(blob)
            changes: dict[str, bytes | None] = {page_file(name): None, page_file(target): data}
            note = Note(ChangeKind.RENAME, (name, target))
            line = summary(message, self.texts.rename(name, target))
            return self._plan(head, changes, author, line, note, rename_to=page_file(target))

        return self._outcome(target, self._transaction(plan))

    def delete(self, name: str, author: Author, message: str = "") -> SaveResult:
        """Delete a page (a commit); it stays in the history and can be brought back."""
        name = page_name_or_not_found(name)

        def plan(head: str | None) -> Plan | None:
            self._existing(name)
            line = summary(message, self.texts.delete(name))
            return self._plan(head, {page_file(name): None}, author, line, Note(ChangeKind.DELETE, (name,)))

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
            message = with_reason(self.texts.undelete(name), reason)
            return self._plan(head, {page_file(name): data}, author, message, Note(ChangeKind.UNDELETE, (name,)))

        return self._outcome(name, self._transaction(plan))

    def _resolve(self, head: str | None, name: str, text: str, base: str | None, base_blob: str | None) -> _Resolution:
        """What saving ``text`` (read at ``base``, where the page was ``base_blob``) on ``head`` comes to."""
        found = self.index.get(name)
        if found is None:
            if base_blob is not None:
                raise EditConflict(N_("The page was deleted after you started editing."), None, None)
            self.check_room(head, name)
            return _Resolution(text, False, True)
        row, current_blob = found
        current = self.text_of_blob(current_blob)
        if base is None:
            raise EditConflict(
                N_("The page exists: send the revision your text is based on."),
                row.revision,
                current,
            )
        if base_blob == current_blob:
            return _Resolution(None if text == current else text, False, False)
        base_text = self.text_of_blob(base_blob) if base_blob else ""
        merged = merge_texts(base_text, current, text)
        if merged is None:
            raise EditConflict(
                N_("Someone changed the same part of this page while you were editing."),
                row.revision,
                current,
            )
        return _Resolution(None if merged == current else merged, True, False)


def check_title(title: str) -> None:
    """``BadInput`` unless a page title typed in a form holds a word (no store work: it may
    run anywhere)."""
    if not " ".join(title.split()):
        raise BadInput(N_("A page needs a title."))
