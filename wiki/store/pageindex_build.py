"""Keeping the page index in step with git: the half of ``PageIndex`` that writes.

The index records the commit it reflects.  The writer adds its own commits in the same
step as each branch move; anything that finds the branch elsewhere (a push
from outside, a missing or damaged file) catches it up or rebuilds it from git.
Catching up reports each commit it takes in on the change stream, unless the
committer claimed it (wrote and reported it itself); a rebuild reports nothing,
as it cannot tell new commits from the past.

What each step changed is also told to whoever ``listen``s, once its transaction is committed
(so a reader asking afterwards sees it): the names of the pages it touched, or None after
a rebuild starts (everything may differ).  Pages kept for readers are dropped by it.

Apart from the reads of ``wiki.store.pageindex`` so that each side reads on its own; mixed into
``PageIndex`` rather than held by it, so the index stays one object callers know by one name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from wiki import pagefile
from wiki.models import CommitRecord
from wiki.store import textindex
from wiki.store.blameindex import BlameIndex
from wiki.store.changes import ChangeStream, arrival, page_changes
from wiki.store.git.repository import GitRepository
from wiki.store.indexfile import IndexFile

#: Pages written in one step from which their texts are read in one stream of git.
STREAMED = 32

#: Told what one step of the index changed: the pages touched (renames both names), or None
#: for everything.
Touched = Callable[[frozenset[str] | None], None]


def fold(name: str) -> str:
    """The form two page names share when they differ only by case."""
    return unicodedata.normalize("NFC", name.casefold())


class PageIndexBuild:
    """What writes the page index, tells of each step, and says where it stands (its head,
    its set of pages); ``PageIndex`` is one of these.  Writes happen only under the
    repository's writer lock."""

    file: IndexFile
    repo: GitRepository
    changes: ChangeStream
    blamed: BlameIndex
    _listeners: list[Touched]

    def listen(self, listener: Touched) -> Callable[[], None]:
        """Tell ``listener`` what every later step changed (see the module docstring), in the
        writer's thread: it must be quick.  Returns what stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _tell(self, touched: frozenset[str] | None) -> None:
        for listener in list(self._listeners):
            listener(touched)

    @property
    def indexed_head(self) -> str | None:
        """The commit this index reflects."""
        return self.file.meta("head")

    def catch_up(self) -> None:
        """Bring the index to the branch head: apply new commits, or rebuild when needed.

        Call while holding the repository's writer lock.
        """
        head = self.repo.head()
        indexed = self.indexed_head
        if head == indexed:
            return
        if head is None:
            self._clear()
            return
        if indexed is None or not self.repo.commit_exists(indexed) or not self.repo.is_ancestor(indexed, head):
            self._clear()
            self._apply(self.repo.log(head, None), head, carry_blame=False)  # streamed: never all held
            return
        commits = list(self.repo.log(head, indexed))
        self._apply(commits, head)
        for commit in commits:
            self._report(commit)

    def _report(self, commit: CommitRecord) -> None:
        """Tell the change stream about a commit taken in from elsewhere (not the wiki's own)."""
        if not self.changes.claimed(commit.revision):
            self.changes.publish(arrival(commit, self.repo.branch))

    def record_commit(self, old: str | None, commit: CommitRecord) -> None:
        """The writer's fast path: its own commit on top of ``old``, recorded without asking git."""
        if self.indexed_head != old:
            self.catch_up()
            return
        self._apply([commit], commit.revision)

    def _clear(self) -> None:
        with self.file.transaction() as connection:
            for table in ("pages", "commits", "changes"):
                connection.execute(f"DELETE FROM {table}")  # noqa: S608 (constant names)
            textindex.clear(connection, "page")
            connection.execute("DELETE FROM meta WHERE key = 'head'")
            self._bump_pageset()
        self._tell(None)

    def _apply(self, commits: Iterable[CommitRecord], head: str, carry_blame: bool = True) -> None:
        """Record ``commits`` (oldest first) and set the pages table to their end state,
        carrying their pages' blame one commit each (not in a rebuild: it waits to be asked for).
        Many pages' texts are read in one stream of git (a rebuild reads every page)."""
        final: dict[str, tuple[str, str] | None] = {}
        with self.file.transaction() as connection:
            for commit in commits:
                cursor = connection.execute(
                    "INSERT INTO commits (revision, author, email, date, message) VALUES (?, ?, ?, ?, ?)",
                    (commit.revision, commit.author, commit.email, commit.date, commit.message),
                )
                seq = cursor.lastrowid
                assert seq is not None
                changes = page_changes(commit.changes)
                for change in changes:
                    connection.execute(
                        "INSERT OR REPLACE INTO changes (seq, path, old_path, status, blob, size, old_size)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (seq, change.path, change.old_path, change.status, change.blob, change.size, change.old_size),
                    )
                    if change.old_path:
                        final[change.old_path] = None
                    final[change.path] = None if change.blob is None else (change.blob, commit.revision)
                if carry_blame:
                    self.blamed.taken_in(seq, commit.revision, changes)
            pageset_changed = False
            for name, state in final.items():
                if state is None:
                    gone = connection.execute("DELETE FROM pages WHERE path = ?", (name,)).rowcount
                    textindex.remove(connection, "page", name)
                    textindex.remove_links(connection, name)
                    pageset_changed = pageset_changed or gone > 0
            kept = [(name, state) for name, state in final.items() if state is not None]
            for (name, (blob, revision)), data in zip(
                kept, self._texts([blob for _name, (blob, _r) in kept]), strict=True
            ):
                pageset_changed = self._upsert(name, blob, revision, data) or pageset_changed
            if pageset_changed:
                self._bump_pageset()
            self.file.set_meta("head", head)
        self._tell(frozenset(final))

    def _bump_pageset(self) -> None:
        self.file.set_meta("pageset", str(int(self.file.meta("pageset") or "0") + 1))

    @property
    def pageset(self) -> str:
        """Changes whenever a page is added, removed or retitled (what wiki links resolve to)."""
        return self.file.meta("pageset") or "0"

    def _texts(self, blobs: list[str]) -> Iterator[bytes]:
        """The content of each blob, in order: a few one by one (a save's), many in one stream."""
        if len(blobs) < STREAMED:
            yield from (self.repo.read_blob(blob) for blob in blobs)
            return
        for blob, data in self.repo.read_blobs(blobs):
            yield self.repo.read_blob(blob) if data is None else data  # (None: says NotFound)

    def _upsert(self, name: str, blob: str, revision: str, data: bytes) -> bool:
        """Write one page's row, search entry and links; True when its name or title is new."""
        text = data.decode("utf-8", "replace")
        parsed = pagefile.parse(text, name)
        connection = self.file.db()
        before = connection.execute("SELECT title FROM pages WHERE path = ?", (name,)).fetchone()
        values: tuple[Any, ...] = (name, fold(name), parsed.title, textindex.fold(parsed.title), parsed.number,
                                   blob, revision)  # fmt: skip
        connection.execute(
            "INSERT OR REPLACE INTO pages (path, fold, title, title_fold, number, blob, revision)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            values,
        )
        textindex.put(connection, "page", name, parsed.title, parsed.body)
        textindex.put_links(connection, name, parsed.body)
        return before is None or before[0] != parsed.title
