"""The one committer: every commit the wiki writes goes through here (gollum-lib's ``committer.rb``).

A writer describes a commit as a ``Plan``: the ref to move and what it must point at now, the
parents, the files to change on top of a base (or a tree written already, such as a merge),
who and why, and a ``Note`` saying what kind of change it is.  ``commit`` then does the same
steps for all of them: build the tree, write the commit, move the ref by compare-and-swap
(which publishes to the shared remote first when there is one), bring the page index along when
the served branch moved, and report the change on the ``ChangeStream``.  A refused swap writes
no ref and reports nothing: the caller decides whether to plan again (a page save does, on the
new head) or to give up (a proposal that moved meanwhile).

Page saves go through ``save`` instead, which commits the saves that queue while the writer
works together (group commit): the first waiter to get the writer slot takes every queued save
and, on the head, runs each one's planner in turn on the commit the one before it wrote, so the
commits form a chain in the order the saves came, each with its own author, message and
outcome (saved, merged, a conflict raised to its caller alone).  The chain's objects are synced
once, the branch moves once (one compare-and-swap, one push to a replica's remote), the index
takes the chain in one transaction, and only then does each save hear it went through and each
change get reported.  A refused swap moves nothing and the whole batch is planned again on
the new head.  Other writers (proposals, versions) hold ``writer()`` around a
read-check-``commit`` themselves.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from wiki.errors import DiskFull
from wiki.models import Author, CommitRecord, FileChange
from wiki.store.changes import Change, ChangeStream, Note, Origin
from wiki.store.git.repository import GitRepository, clean_message, identity
from wiki.store.pageindex import PageIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Plan:
    """One commit to write: files (None deletes) applied to ``base`` (a commit) or ``tree``
    (a tree written already; ``base`` is then ignored), with ``parents``, moving ``ref`` from
    ``old`` (None: the ref must not exist yet).  A rename names its target in ``rename_to``.
    ``committer`` is who wrote the commit when that is not its author: someone who took over
    another person's suggestion (git keeps both, so the suggester stays the author)."""

    ref: str
    old: str | None
    parents: tuple[str, ...]
    author: Author
    message: str
    note: Note | None
    files: Mapping[str, bytes | None] = field(default_factory=dict)
    base: str | None = None
    tree: str | None = None
    rename_to: str | None = None
    committer: Author | None = None

    @classmethod
    def on_top(
        cls,
        ref: str,
        old: str | None,
        files: Mapping[str, bytes | None],
        *,
        author: Author,
        message: str,
        note: Note | None,
        rename_to: str | None = None,
    ) -> Plan:
        """The usual plan: ``files`` changed on ``old``, the one parent, moving ``ref`` from it."""
        parents = (old,) if old else ()
        return cls(ref, old, parents, author, message, note, files, base=old, rename_to=rename_to)

    def renamed_from(self) -> str | None:
        """The file a rename removes, if this plan is a rename."""
        if self.rename_to is None:
            return None
        return next(path for path, data in self.files.items() if data is None)


@dataclass(frozen=True, slots=True)
class Committed:
    """A commit that was written and that ``ref`` now points at, and the change it reported."""

    revision: str
    date: int
    change: Change | None


#: What a save hands ``Committer.save``: given the head to build on, its plan (on that head,
#: on the served branch), or None when it has nothing to change; it may raise its refusal.
Planner = Callable[[str | None], "Plan | None"]

#: The most saves one batch takes; the rest wait for the next (a bound on a save's wait).
_BATCH = 32


@dataclass(eq=False)
class _Save:
    """One save in the queue, and how it ended once ``done``: written, nothing to write, or
    refused with ``error``.  Set by whichever thread committed the batch it was in."""

    planner: Planner
    done: bool = False
    outcome: Committed | None = None
    error: Exception | None = None


class Committer:
    """Writes the wiki's commits (see the module docstring); one per repository."""

    def __init__(self, repo: GitRepository, index: PageIndex, changes: ChangeStream) -> None:
        self.repo = repo
        self.index = index
        self.changes = changes
        self._queue: list[_Save] = []
        self._queue_lock = threading.Lock()
        self._chains = 0
        self._chained = 0

    @property
    def waiting(self) -> int:
        """How many saves wait for the next batch now."""
        with self._queue_lock:
            return len(self._queue)

    @property
    def chains(self) -> tuple[int, int]:
        """How many chains of saves moved the branch so far, and how many commits they held."""
        return self._chains, self._chained

    def save(self, planner: Planner) -> Committed | None:
        """Commit what ``planner`` plans on the served branch's head, with the saves queued
        beside it (see the module docstring); None when it planned nothing.  Returns once the
        branch holds the commit, synced; raises what the planner raised.  Do not hold ``writer()``."""
        mine = _Save(planner)
        with self._queue_lock:
            self._queue.append(mine)
        while not mine.done:
            with self.repo.writer():
                if not mine.done:  # no batch took it while this thread waited for the slot
                    try:
                        self._commit_queued(mine)
                    except BaseException:  # interrupted: this save is not made later behind its caller's back
                        with self._queue_lock:
                            self._queue[:] = [save for save in self._queue if save is not mine]
                        raise
        if mine.error is not None:
            raise mine.error
        return mine.outcome

    def _commit_queued(self, mine: _Save) -> None:
        """Commit the saves queued now as one chain, planned again whenever the swap is refused.
        Interrupted, the others' saves not done go back to the queue, where their threads find
        them; ``mine`` (this thread's, whose caller hears the interruption) does not."""
        with self._queue_lock:
            batch, self._queue[:] = self._queue[:_BATCH], self._queue[_BATCH:]
        try:
            self._commit_batch(batch)
        finally:
            with self._queue_lock:
                self._queue[:0] = [save for save in batch if not save.done and save is not mine]

    def _commit_batch(self, batch: list[_Save]) -> None:
        while batch:
            try:
                chained = self._chain(batch)
            except Exception as error:  # the chain could not be written or moved: each save hears why
                chained = [(save, None, None) for save in batch]
                for save in batch:
                    save.error = error
            if chained is None:
                continue  # refused: the branch moved meanwhile; every save plans again on it
            for save, plan, committed in chained:
                if plan is not None and committed is not None:
                    change = self._report(plan, committed.revision, committed.date)
                    save.outcome = Committed(committed.revision, committed.date, change)
                save.done = True
            taken = {id(save) for save, _plan, _committed in chained}
            batch = [save for save in batch if id(save) not in taken]

    def _chain(self, batch: list[_Save]) -> list[tuple[_Save, Plan | None, Committed | None]] | None:
        """Plan and write the saves of ``batch`` one on the other, then move the branch once;
        None when the swap was refused.  Returns the saves taken (those after one the index
        could not record wait for the next chain), each with its plan and commit."""
        self.index.catch_up()
        head = tip = self.repo.head()
        taken: list[tuple[_Save, Plan | None, Committed | None]] = []
        with self.index.file.held() as held:
            for save in batch:
                save.error = None
                try:
                    with self.index.file.transaction():  # a savepoint: a refused save leaves nothing
                        plan = save.planner(tip)
                        if plan is None:
                            taken.append((save, None, None))
                            continue
                        if plan.ref != self.repo.branch or plan.old != tip or plan.tree is not None:
                            raise ValueError("a save plans one commit on the head of the served branch")
                        committed = self._write(plan)
                except Exception as error:  # this save's own refusal (a conflict, a name taken)
                    save.error = error
                    taken.append((save, None, None))
                    continue
                taken.append((save, plan, committed))
                tip = committed.revision
                if not self._bring_index_along(plan, committed.revision, committed.date):
                    break
            if tip != head:
                assert tip is not None
                if not self.repo.move_branch(tip, head):
                    return None
                self._chains += 1
                self._chained += sum(1 for _save, _plan, written in taken if written is not None)
                for _save, _plan, written in taken:
                    if written is not None:
                        self.changes.claim(written.revision)
                try:
                    held.commit()
                except DiskFull:  # the commits are safe in git; the index catches up once there is room
                    log.warning("saved %s, but the page index could not record it: the disk is full", tip)
            else:
                held.commit()
        return taken

    @contextmanager
    def writer(self) -> Iterator[None]:
        """Hold the repository's single writer slot for a read-check-commit."""
        with self.repo.writer():
            yield

    def commit(self, plan: Plan) -> Committed | None:
        """Write ``plan``'s commit and move its ref; None when the ref no longer points at
        ``plan.old`` (nothing moved, nothing reported).  Hold ``writer()``."""
        on_branch = plan.ref == self.repo.branch
        written = self._write(plan)
        revision, when = written.revision, written.date
        if on_branch:
            moved = self.repo.move_branch(revision, plan.old)
        else:
            moved = self.repo.move_ref(plan.ref, revision, plan.old)
        if not moved:
            return None
        if on_branch:
            self.changes.claim(revision)
            self._bring_index_along(plan, revision, when)
        change = self._report(plan, revision, when)
        return Committed(revision, when, change)

    def _write(self, plan: Plan) -> Committed:
        """Write ``plan``'s tree and commit (no ref moves yet)."""
        if plan.ref == self.repo.branch and plan.tree is None:
            self.repo.check_work_tree_clean(list(plan.files))
        if plan.tree is not None:
            tree = self.repo.build_tree(None, plan.files, base_tree=plan.tree) if plan.files else plan.tree
        else:
            tree = self.repo.build_tree(plan.base, plan.files)
        when = int(time.time())
        revision = self.repo.write_commit(
            tree, list(plan.parents), plan.author, plan.message, when, committer=plan.committer
        )
        return Committed(revision, when, None)

    def delete(self, ref: str, old: str) -> bool:
        """Delete ``ref`` (never the served branch) while it points at ``old``; False when it
        moved or is gone.  Nothing is reported: what the deletion means is recorded by the
        writer in a commit of its own.  Hold ``writer()``."""
        return self.repo.delete_ref(ref, old)

    def tag(self, name: str, target: str, author: Author, message: str, note: Note) -> Committed | None:
        """Write the annotated tag ``refs/tags/<name>`` for ``target``; None when it exists.
        Hold ``writer()``."""
        when = int(time.time())
        if not self.repo.create_tag(name, target, author, message, when):
            return None
        plan = Plan(f"refs/tags/{name}", None, (), author, message, note)
        return Committed(target, when, self._report(plan, target, when))

    def _report(self, plan: Plan, revision: str, when: int) -> Change | None:
        """Publish the change ``plan`` made (none without a note) and return it."""
        note = plan.note
        if note is None:
            return None
        who = identity(plan.committer or plan.author)  # who acted: the taker of a suggestion, not its author
        change = Change(
            kind=note.kind,
            actor=who.name,
            actor_email=who.email,
            pages=note.pages,
            proposal=note.proposal,
            version=note.version,
            revision=note.revision or revision,
            ref=plan.ref,
            date=when,
            message=clean_message(plan.message),
            origin=Origin.WIKI,
        )
        self.changes.publish(change)
        return change

    def _bring_index_along(self, plan: Plan, revision: str, when: int) -> bool:
        """Record the new commit in the page index: from the plan's files without asking git
        (True), or by catching up for a commit whose tree was written elsewhere (a merge) or
        that has no parent; False then, and when the disk is full."""
        try:
            if plan.tree is not None or len(plan.parents) != 1:
                self.index.catch_up()
                return False
            head = plan.parents[0]
            changes = (self._file_change(head, path, data, plan) for path, data in plan.files.items())
            kept = tuple(change for change in changes if change is not None)
            who = identity(plan.author)
            record = CommitRecord(revision, who.name, who.email, when, clean_message(plan.message), kept)
            self.index.record_commit(head, record)  # in a batch, a savepoint: a full disk undoes this one alone
        except DiskFull:  # the commit is safe in git; the index catches up once there is room
            log.warning("saved %s, but the page index could not record it: the disk is full", revision)
            return False
        return True

    def _file_change(self, head: str, path: str, data: bytes | None, plan: Plan) -> FileChange | None:
        renamed_from = plan.renamed_from()
        if path == renamed_from:
            return None  # recorded with the new name as one rename
        old_path = renamed_from if plan.rename_to == path else None
        old_blob = self.repo.blob_at(head, old_path or path)
        old_size = len(self.repo.read_blob(old_blob)) if old_blob else None
        if data is None:
            return FileChange("D", path, None, None, old_blob, None, old_size)
        status = "R" if old_path else ("M" if old_blob else "A")
        return FileChange(status, path, old_path, blob_id(data), old_blob, len(data), old_size)


def blob_id(data: bytes) -> str:
    """The id git gives a blob holding ``data``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
