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

import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from wiki import pagefile
from wiki.models import CommitRecord
from wiki.names import page_name_of_file
from wiki.pagefile import PageFile
from wiki.store import textindex
from wiki.store.blameindex import BlameIndex
from wiki.store.changes import ChangeStream, arrival, page_changes
from wiki.store.git.repository import GitRepository
from wiki.store.indexfile import IndexFile
from wiki.store.searchtexts import IN_CHILD, MadeAhead, SearchTexts

#: Pages written in one step from which their texts are read in one stream of git.
STREAMED = 32
#: Commits a rebuild writes in one statement.
ROWS = 2048

#: A page the rebuild took into search from the head's tree: its blob, title and number.
Indexed = tuple[str, str, int | None]

#: Told what one step of the index changed: the pages touched (renames both names), or None
#: for everything.
Touched = Callable[[frozenset[str] | None], None]


def fold(name: str) -> str:
    """The form two page names share when they differ only by case."""
    return unicodedata.normalize("NFC", name.casefold())


def _unindex(connection: sqlite3.Connection, name: str) -> None:
    """Take a page out of search and the link graph."""
    textindex.remove(connection, "page", name)
    textindex.remove_links(connection, name)


class PageIndexBuild:
    """What writes the page index, tells of each step, and says where it stands (its head,
    its set of pages); ``PageIndex`` is one of these.  Writes happen only under the
    repository's writer lock."""

    file: IndexFile
    repo: GitRepository
    changes: ChangeStream
    blamed: BlameIndex
    ahead: MadeAhead
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
            self._rebuild(head)
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

    def _rebuild(self, head: str) -> None:
        """Everything anew from git.  The head's pages are read while git writes the log
        beside them (at 10,000 pages and 200,000 commits each takes about 8 s, on a core of its
        own), then the commits are recorded, streamed (never all held), while a child process
        makes what search holds of the pages (``searchtexts``)."""
        self._clear()
        with self.repo.log_beside(head) as history:
            files = self.repo.list_files(head).items()
            pages = {name: blob for path, blob in files if (name := page_name_of_file(path))}
            with self.file.transaction() as connection, SearchTexts(len(pages) >= IN_CHILD) as texts:
                indexed = {}
                for (name, blob), data in zip(pages.items(), self._texts(list(pages.values())), strict=True):
                    parsed = pagefile.parse(data.decode("utf-8", "replace"), name)
                    texts.add(parsed.title, parsed.body)
                    textindex.put_links(connection, name, parsed.body)
                    indexed[name] = (blob, parsed.title, parsed.number)  # not the text: 50 MB at 10,000 pages
                final = self._record(history(), carry_blame=False)  # while the child makes the texts
                for name, text in zip(indexed, texts.results(), strict=True):
                    textindex.put_text(connection, "page", name, text)
                self._settle(final, indexed)
                self.file.set_meta("head", head)
        self._tell(frozenset(final))

    def _apply(self, commits: Iterable[CommitRecord], head: str) -> None:
        """Record ``commits`` (oldest first), carrying their pages' blame one commit each, and
        set the pages to their end state."""
        with self.file.transaction():
            final = self._record(commits, carry_blame=True)
            self._settle(final, {})
            self.file.set_meta("head", head)
        self._tell(frozenset(final))

    def _record(self, commits: Iterable[CommitRecord], carry_blame: bool) -> dict[str, tuple[str, str] | None]:
        """Write the rows of ``commits`` (oldest first), many in one statement, and return each
        page's end state: its blob and the commit that left it, or None when gone.  Carrying
        blame reads the rows before each commit, so then they are written commit by commit."""
        connection = self.file.db()
        seq = int(connection.execute("SELECT coalesce(max(seq), 0) FROM commits").fetchone()[0])
        final: dict[str, tuple[str, str] | None] = {}
        commit_rows: list[tuple[Any, ...]] = []
        change_rows: list[tuple[Any, ...]] = []
        for commit in commits:
            seq += 1
            commit_rows.append((seq, commit.revision, commit.author, commit.email, commit.date, commit.message))
            changes = page_changes(commit.changes)
            for change in changes:
                change_rows.append(
                    (seq, change.path, change.old_path, change.status, change.blob, change.size, change.old_size)
                )
                if change.old_path:
                    final[change.old_path] = None
                final[change.path] = None if change.blob is None else (change.blob, commit.revision)
            if carry_blame or len(commit_rows) >= ROWS:
                self._write_rows(commit_rows, change_rows)
            if carry_blame:
                self.blamed.taken_in(seq, commit.revision, changes)
        self._write_rows(commit_rows, change_rows)
        return final

    def _write_rows(self, commit_rows: list[tuple[Any, ...]], change_rows: list[tuple[Any, ...]]) -> None:
        connection = self.file.db()
        connection.executemany(
            "INSERT INTO commits (seq, revision, author, email, date, message) VALUES (?, ?, ?, ?, ?, ?)", commit_rows
        )
        connection.executemany(
            "INSERT OR REPLACE INTO changes (seq, path, old_path, status, blob, size, old_size)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            change_rows,
        )
        commit_rows.clear()
        change_rows.clear()

    def _settle(self, final: dict[str, tuple[str, str] | None], indexed: dict[str, Indexed]) -> None:
        """Set the pages table (and search and links) to ``final``: pages gone are dropped, the
        others written, their texts read from git unless ``indexed`` already took them in at
        that blob.  Any page ``indexed`` holds that ``final`` does not keep is taken out again."""
        connection = self.file.db()
        pageset_changed = False
        for name, state in final.items():
            if state is None:
                gone = connection.execute("DELETE FROM pages WHERE path = ?", (name,)).rowcount
                _unindex(connection, name)
                pageset_changed = pageset_changed or gone > 0
        kept = {name: state for name, state in final.items() if state is not None}
        unread = []
        for name, (blob, revision) in kept.items():
            known = indexed.get(name)
            if known is not None and known[0] == blob:
                pageset_changed = self._page_row(name, blob, revision, known[1], known[2]) or pageset_changed
            else:
                unread.append((name, blob, revision))
        for (name, blob, revision), data in zip(unread, self._texts([blob for _n, blob, _r in unread]), strict=True):
            parsed = self._index_text(name, data)
            pageset_changed = self._page_row(name, blob, revision, parsed.title, parsed.number) or pageset_changed
        for name in indexed.keys() - kept.keys():
            _unindex(connection, name)
        if pageset_changed:
            self._bump_pageset()

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

    def _index_text(self, name: str, data: bytes) -> PageFile:
        """Write one page's search entry and links from its text; returns the text parsed."""
        parsed = pagefile.parse(data.decode("utf-8", "replace"), name)
        connection = self.file.db()
        textindex.put_text(connection, "page", name, self.ahead.take(parsed.title, parsed.body))
        textindex.put_links(connection, name, parsed.body)
        return parsed

    def _page_row(self, name: str, blob: str, revision: str, title: str, number: int | None) -> bool:
        """Write one page's row; True when its name or title is new."""
        connection = self.file.db()
        before = connection.execute("SELECT title FROM pages WHERE path = ?", (name,)).fetchone()
        values = (name, fold(name), title, textindex.fold(title), number, blob, revision)
        connection.execute(
            "INSERT OR REPLACE INTO pages (path, fold, title, title_fold, number, blob, revision)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            values,
        )
        return before is None or before[0] != title
