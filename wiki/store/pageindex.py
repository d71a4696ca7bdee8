"""The page index: each page's title, number, blob and last change, derived from git.

Listing pages or answering "which commit last changed this page" must not ask
git about history on every request (that is what makes git wikis slow on large
histories), so this SQLite table holds it.  It records the commit it reflects;
the writer updates it in the same step as each branch move, and anything that
finds the branch elsewhere (a push from outside, a missing or damaged file)
catches it up or rebuilds it from git.
"""

from __future__ import annotations

import sqlite3
import threading
import unicodedata
from pathlib import Path

from wiki import pagefile
from wiki.models import PageSummary
from wiki.names import page_name_of_file
from wiki.store.gitrepo import GitRepository

_SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pages (
    path TEXT PRIMARY KEY,
    fold TEXT NOT NULL,
    title TEXT NOT NULL,
    number INTEGER,
    blob TEXT NOT NULL,
    revision TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pages_fold ON pages (fold);
"""
_ORDER = "ORDER BY number IS NULL, number, title COLLATE NOCASE, path"


def fold(name: str) -> str:
    """The form two page names share when they differ only by case."""
    return unicodedata.normalize("NFC", name.casefold())


class PageIndex:
    """SQLite page index of one repository; one connection per thread (WAL mode)."""

    def __init__(self, path: Path, repo: GitRepository) -> None:
        self.path = path
        self.repo = repo
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        connection = self._db()
        if self._meta("schema") != _SCHEMA_VERSION:
            with connection:
                connection.execute("DELETE FROM pages")
                connection.execute("DELETE FROM meta")
                self._set_meta("schema", _SCHEMA_VERSION)

    def _db(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()

    def _meta(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._db().execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- reading --------------------------------------------------------------------------

    @property
    def indexed_head(self) -> str | None:
        """The commit this index reflects."""
        return self._meta("head")

    def pages(self) -> list[PageSummary]:
        """Every page, principles first in their order, then the rest by title."""
        rows = self._db().execute(f"SELECT path, title, number, revision FROM pages {_ORDER}")  # noqa: S608
        return [PageSummary(path, title, number, revision) for path, title, number, revision in rows]

    def get(self, name: str) -> tuple[PageSummary, str] | None:
        """The summary and blob id of one page, or None."""
        row = (
            self._db()
            .execute("SELECT path, title, number, revision, blob FROM pages WHERE path = ?", (name,))
            .fetchone()
        )
        if row is None:
            return None
        return PageSummary(row[0], row[1], row[2], row[3]), row[4]

    def same_but_for_case(self, name: str) -> str | None:
        """An existing page whose name equals ``name`` but for case, or None."""
        row = (
            self._db()
            .execute("SELECT path FROM pages WHERE fold = ? AND path != ?", (fold(name), name))
            .fetchone()
        )
        return None if row is None else str(row[0])

    # -- keeping in step with git ---------------------------------------------------------

    def catch_up(self) -> None:
        """Bring the index to the branch head: apply new commits, or rebuild when needed.

        Call while holding the repository's writer lock.
        """
        head = self.repo.head()
        indexed = self.indexed_head
        if head == indexed:
            return
        if head is None:
            self._replace_all({}, None)
        elif (
            indexed is None
            or not self.repo.commit_exists(indexed)
            or not self.repo.is_ancestor(indexed, head)
        ):
            self._rebuild(head)
        else:
            self.apply(indexed, head)

    def _rebuild(self, head: str) -> None:
        wanted = {}
        for file in self.repo.list_files(head):
            name = page_name_of_file(file.path)
            if name is not None:
                wanted[file.path] = (name, file.blob)
        revisions = self._last_changes(head, None, set(wanted))
        self._replace_all({name: (blob, revisions[path]) for path, (name, blob) in wanted.items()}, head)

    def _last_changes(self, head: str, stop_at: str | None, paths: set[str]) -> dict[str, str]:
        """For each path, the newest commit (from ``head`` back) that changed it."""
        found: dict[str, str] = {}
        missing = set(paths)
        for commit, changed in self.repo.walk_changes(head, stop_at):
            for path in changed:
                if path in missing:
                    found[path] = commit
                    missing.discard(path)
            if not missing:
                break
        for path in missing:  # only reachable through history rewritten oddly
            found[path] = head
        return found

    def apply(self, old: str, new: str) -> None:
        """Update the rows of the pages that changed between ``old`` and ``new``."""
        changes = [c for c in self.repo.changed_files(old, new) if page_name_of_file(c.path)]
        revisions = self._last_changes(new, old, {c.path for c in changes if c.blob})
        connection = self._db()
        with connection:
            for change in changes:
                name = page_name_of_file(change.path)
                assert name is not None
                if change.blob is None:
                    connection.execute("DELETE FROM pages WHERE path = ?", (name,))
                else:
                    self._upsert(name, change.blob, revisions[change.path])
            self._set_meta("head", new)

    def record_commit(self, old: str, new: str, name: str, blob: str | None) -> None:
        """The writer's fast path: one page changed in commit ``new`` on top of ``old``."""
        if self.indexed_head != old:
            self.catch_up()
            return
        connection = self._db()
        with connection:
            if blob is None:
                connection.execute("DELETE FROM pages WHERE path = ?", (name,))
            else:
                self._upsert(name, blob, new)
            self._set_meta("head", new)

    def _replace_all(self, rows: dict[str, tuple[str, str]], head: str | None) -> None:
        connection = self._db()
        with connection:
            connection.execute("DELETE FROM pages")
            for name, (blob, revision) in rows.items():
                self._upsert(name, blob, revision)
            if head is None:
                connection.execute("DELETE FROM meta WHERE key = 'head'")
            else:
                self._set_meta("head", head)

    def _upsert(self, name: str, blob: str, revision: str) -> None:
        text = self.repo.read_blob(blob).decode("utf-8", "replace")
        parsed = pagefile.parse(text, name)
        self._db().execute(
            "INSERT OR REPLACE INTO pages (path, fold, title, number, blob, revision)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (name, fold(name), parsed.title, parsed.number, blob, revision),
        )
