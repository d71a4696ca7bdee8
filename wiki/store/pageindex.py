"""The index derived from git: pages as they are now, and the history of every page.

Listing pages, "which commit last changed this page", a page's history and
recent changes must not ask git about history on every request (that is what
makes git wikis slow on large histories), so this SQLite file holds them:

- ``pages``: each page now, with its title, number, blob and last change;
- ``commits``: every commit on the served branch's first-parent line, numbered
  in order (``seq``), with author, date and message;
- ``changes``: each page a commit added, modified, deleted or renamed.

The reads are here; keeping the file in step with the branch (catching up, the writer's own
commits, telling listeners what each step changed) is ``wiki.store.pageindex_build``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wiki import pagefile
from wiki.models import FileChange, PageSummary
from wiki.store.blameindex import BlameIndex, Origin
from wiki.store.changes import ChangeStream
from wiki.store.git.repository import GitRepository
from wiki.store.historyrows import DELETED, HISTORY, CommitRow, HistoryRow, commit_row
from wiki.store.indexfile import IndexFile
from wiki.store.pageindex_build import PageIndexBuild, Touched, fold
from wiki.store.searchtexts import MadeAhead

__all__ = ["PageIndex", "fold"]

_ORDER = "ORDER BY number IS NULL, number, title COLLATE NOCASE, path"
_MAX_RENAMES = 100


class PageIndex(PageIndexBuild):
    """The pages and history of one repository, kept in step with its branch
    (``PageIndexBuild``).

    Writes happen only under the repository's writer lock; reads never wait.
    """

    def __init__(self, file: IndexFile, repo: GitRepository, changes: ChangeStream) -> None:
        """Index ``repo`` in ``file``; commits it takes in from elsewhere are reported on ``changes``."""
        self.file = file
        self.repo = repo
        self.changes = changes
        self.blamed = BlameIndex(file, repo)
        self.ahead = MadeAhead()
        self._listeners: list[Touched] = []

    def make_ahead(self, name: str, text: str) -> None:
        """Make what search will hold of page ``name`` saved as ``text``, in the caller's thread,
        before the save queues for the writer (``MadeAhead``)."""
        parsed = pagefile.parse(text, name)
        self.ahead.make(parsed.title, parsed.body)

    def changed_since(self, revision: str | None) -> tuple[str | None, frozenset[str] | None]:
        """The commit the index reflects, and the pages changed by the commits it took in after
        ``revision`` (renames both names), by whichever process sharing this file took them in;
        None for the pages when that cannot be told (``revision`` unknown, or gone in a rebuild)."""
        head = self.indexed_head
        if revision == head:
            return head, frozenset()
        db = self.file.db()
        row = (
            None
            if revision is None
            else db.execute("SELECT seq FROM commits WHERE revision = ?", (revision,)).fetchone()
        )
        if row is None:
            return head, None
        names: set[str] = set()
        for path, old_path in db.execute("SELECT path, old_path FROM changes WHERE seq > ?", (row[0],)):
            names.add(path)
            if old_path:
                names.add(old_path)
        return head, frozenset(names)

    # -- pages now ------------------------------------------------------------------------

    def pages(self) -> list[PageSummary]:
        """Every page, principles first in their order, then the rest by title."""
        rows = self.file.db().execute(f"SELECT path, title, number, revision FROM pages {_ORDER}")  # noqa: S608
        return [PageSummary(path, title, number, revision) for path, title, number, revision in rows]

    def principles(self) -> list[PageSummary]:
        """The numbered pages in their order (a few, however many other pages there are)."""
        rows = self.file.db().execute(
            "SELECT path, title, number, revision FROM pages WHERE number IS NOT NULL ORDER BY number, path"
        )
        return [PageSummary(path, title, number, revision) for path, title, number, revision in rows]

    def get(self, name: str) -> tuple[PageSummary, str] | None:
        """The summary and blob id of one page, or None."""
        row = (
            self.file.db()
            .execute("SELECT path, title, number, revision, blob FROM pages WHERE path = ?", (name,))
            .fetchone()
        )
        if row is None:
            return None
        return PageSummary(row[0], row[1], row[2], row[3]), row[4]

    def titles(self, names: Iterable[str]) -> dict[str, str]:
        """The title of each of ``names`` that is a page now (one query, for a list of changes)."""
        wanted = sorted(set(names))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):  # below SQLite's limit on parameters
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self.file.db().execute(f"SELECT path, title FROM pages WHERE path IN ({marks})", chunk)  # noqa: S608
            found.update((str(path), str(title)) for path, title in rows)
        return found

    # -- history --------------------------------------------------------------------------

    def seq_of(self, revision: str) -> int | None:
        """The position of a commit on the served branch, or None when it is not on it."""
        row = self.file.db().execute("SELECT seq FROM commits WHERE revision = ?", (revision,)).fetchone()
        return None if row is None else int(row[0])

    def _segments(self, name: str) -> list[tuple[str, int, int]]:
        """The names a page had, newest first, each with the range of commits it had it."""
        segments = []
        path, upper = name, 1 << 62
        for _ in range(_MAX_RENAMES):
            row = (
                self.file.db()
                .execute(
                    # The planner would walk every change of the page by its primary key: 5,000
                    # rows for a deep page on each read of an old version.
                    "SELECT seq, old_path FROM changes INDEXED BY changes_renames"
                    " WHERE path = ? AND status = 'R' AND seq <= ?"
                    " ORDER BY seq DESC LIMIT 1",
                    (path, upper),
                )
                .fetchone()
            )
            if row is None:
                break
            segments.append((path, int(row[0]), upper))
            path, upper = str(row[1]), int(row[0]) - 1
        segments.append((path, 0, upper))
        return segments

    def history(
        self, name: str, limit: int, before: int | None = None, after: int | None = None, author: str | None = None
    ) -> list[HistoryRow]:
        """Changes to a page, newest first, following it across renames; only ``author``'s when given.

        ``before``/``after`` are ``seq`` bounds (exclusive) for paging; with ``after``
        the rows returned are the ``limit`` oldest after it (still newest first).  The
        author is matched here, before the limit, so a page of results is never emptied
        by a filter applied after paging.
        """
        rows: list[HistoryRow] = []
        newest_first = after is None
        segments = self._segments(name) if newest_first else list(reversed(self._segments(name)))
        query = (
            HISTORY
            + " WHERE c.path = ? AND c.seq BETWEEN ? AND ?"
            + (" AND m.author = ?" if author else "")
            + " ORDER BY c.seq "
            + ("DESC LIMIT ?" if newest_first else "ASC LIMIT ?")
        )
        by = (author,) if author else ()
        for path, lowest, highest in segments:
            high = min(highest, before - 1) if before is not None else highest
            low = max(lowest, after + 1) if after is not None else lowest
            if low > high:
                continue
            found = self.file.db().execute(query, (path, low, high, *by, limit - len(rows)))
            rows += [HistoryRow(*row) for row in found]
            if len(rows) >= limit:
                break
        return rows if newest_first else list(reversed(rows))

    def path_at(self, name: str, seq: int) -> str:
        """The name the page now called ``name`` had at commit ``seq``."""
        for path, low, high in self._segments(name):
            if low <= seq <= high:
                return path
        return name

    def renamed_to(self, name: str) -> str | None:
        """Where a page that no longer exists under ``name`` went by renames, if anywhere."""
        path = name
        for _ in range(_MAX_RENAMES):
            row = (
                self.file.db()
                .execute(
                    "SELECT path, seq FROM changes WHERE old_path = ? AND status = 'R' ORDER BY seq DESC LIMIT 1",
                    (path,),
                )
                .fetchone()
            )
            if row is None:
                break
            path = str(row[0])
            if self.get(path) is not None:
                return path
        return None

    def recent(
        self, limit: int, before: int | None = None, author: str | None = None, after: int | None = None
    ) -> list[CommitRow]:
        """Commits newest first, optionally by one author, with the pages each touched."""
        clauses: list[str] = []
        values: list[object] = []
        if before is not None:
            clauses.append("seq < ?")
            values.append(before)
        if after is not None:
            clauses.append("seq > ?")
            values.append(after)
        if author:
            clauses.append("author = ?")
            values.append(author)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        order = "ASC" if after is not None else "DESC"
        found = (
            self.file.db()
            .execute(
                f"SELECT seq, revision, author, date, message, email FROM commits {where}"  # noqa: S608
                f" ORDER BY seq {order} LIMIT ?",
                (*values, limit),
            )
            .fetchall()
        )
        if after is not None:
            found.reverse()
        return [commit_row(row, self._paths_of(int(row[0]))) for row in found]

    def commits_by(self, emails: Iterable[str], limit: int, before: int | None = None) -> list[CommitRow]:
        """Commits carrying any of ``emails``, newest first, ``limit`` of them below ``before``:
        one bounded read of ``commits_email`` per address, so 10,000 edits cost what 50 do."""
        found: list[Any] = []
        for email in emails:
            found += (
                self.file.db()
                .execute(
                    "SELECT seq, revision, author, date, message, email FROM commits"
                    " WHERE email = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                    (email, before if before is not None else 2**62, limit),
                )
                .fetchall()
            )
        newest = sorted(found, key=lambda row: -int(row[0]))[:limit]
        return [commit_row(row, self._paths_of(int(row[0]))) for row in newest]

    def _paths_of(self, seq: int) -> tuple[str, ...]:
        rows = self.file.db().execute("SELECT path FROM changes WHERE seq = ? ORDER BY path", (seq,))
        return tuple(str(row[0]) for row in rows)

    def blob_written(self, revision: str, name: str) -> str | None:
        """The blob ``revision`` wrote for page ``name`` when that commit changed it (as the
        history shows it), else None; saves reading the commit's trees from git."""
        row = (
            self.file.db()
            .execute(
                "SELECT ch.blob FROM changes ch JOIN commits c ON c.seq = ch.seq"
                " WHERE c.revision = ? AND ch.path = ? AND ch.status != 'D'",
                (revision, name),
            )
            .fetchone()
        )
        return None if row is None or row[0] is None else str(row[0])

    def commit(self, revision: str) -> tuple[CommitRow, list[FileChange]] | None:
        """One commit with every page it touched, or None when it is not on the branch."""
        row = (
            self.file.db()
            .execute("SELECT seq, revision, author, date, message, email FROM commits WHERE revision = ?", (revision,))
            .fetchone()
        )
        if row is None:
            return None
        changes = self.file.db().execute(
            "SELECT status, path, old_path, blob, size, old_size FROM changes WHERE seq = ? ORDER BY path",
            (row[0],),
        )
        files = [FileChange(s, p, o, b, None, size, old) for s, p, o, b, size, old in changes]
        return commit_row(row, tuple(f.path for f in files)), files

    def paths_changed_since(self, seq: int) -> list[str]:
        """Every page name a change after commit ``seq`` touched (old names of renames too)."""
        rows = self.file.db().execute(
            "SELECT path FROM changes WHERE seq > ? UNION SELECT old_path FROM changes"
            " WHERE seq > ? AND old_path IS NOT NULL",
            (seq, seq),
        )
        return sorted(str(row[0]) for row in rows)

    def previous_blob(self, name: str, seq: int) -> str | None:
        """The page's blob just before commit ``seq`` (following renames), or None."""
        rows = self.history(name, 1, before=seq)
        return rows[0].blob if rows else None

    def blame(self, name: str, seq: int) -> tuple[Origin, ...] | None:
        """Each line's origin of page ``name`` as of commit ``seq``: stored as the commits
        were taken in, else carried forward from the last revision stored (None: no such page)."""
        newest = self.history(name, 1, before=seq + 1)
        if not newest or newest[0].status == "D" or newest[0].blob is None:
            return None
        stored = self.blamed.stored(newest[0].revision, newest[0].path)
        if stored is not None:
            return stored
        return self.blamed.carried(list(reversed(self.history(name, 1 << 31, before=seq + 1))))

    def warm_blame(self) -> None:
        """Derive the blame of pages with long histories in the background (after a rebuild)."""
        self.blamed.warm_in_background(lambda name: list(reversed(self.history(name, 1 << 31))))

    def deleted_pages(self) -> list[HistoryRow]:
        """Pages whose last change deleted them and that do not exist now, newest first."""
        found = self.file.db().execute(DELETED)
        return [HistoryRow(*row) for row in found]
