"""Blame carried forward: who last changed each line of a page, kept in the index file.

``git blame`` of a page with 5,000 revisions walks the whole history each time (1.2 s on
50,000 commits).  Here a page's blame at each of its revisions is derived from the one before:
a line the commit kept (paired by git's own diff, ``wiki/store/git/linediffs.py``) keeps its
origin, every other line is the commit's.  A merge passes on what it kept from either
parent, as ``git blame`` does: the whole blame of the first parent holding the same file,
else the lines its first parent kept, then those its second parent kept (an accepted
proposal's lines are its own commits').  The side of a merge is walked back to the branch.

Rows are keyed by commit and page name: the blame of a file in a commit never changes, so a
row is a fact, written by whoever derives it first (``INSERT OR IGNORE``) and kept through
rebuilds.  The page index carries each commit it takes in from a page's stored blame
(``taken_in``); a page without one (a rebuilt index) is carried lazily from its last stored
revision, or from its first (``carried``): for a short history a fraction of ``git blame``,
which walks every commit of the branch; pages with long histories are derived in the
background after a rebuild (``warm_in_background``), so their first ask finds them ready.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wiki.models import FileChange
from wiki.names import page_file
from wiki.store.git.linediffs import CommitDiff, kept_lines
from wiki.store.gitslots import BLAME
from wiki.store.historyrows import HistoryRow

if TYPE_CHECKING:
    from wiki.store.git.repository import GitRepository
    from wiki.store.indexfile import IndexFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS blame_origins (
    id INTEGER PRIMARY KEY,
    revision TEXT NOT NULL UNIQUE,
    author TEXT NOT NULL,
    email TEXT NOT NULL,
    date INTEGER NOT NULL
);
-- A page's blame at a commit that changed it: runs of (origin id, line count).
CREATE TABLE IF NOT EXISTS blame (
    revision TEXT NOT NULL,
    path TEXT NOT NULL,
    runs BLOB NOT NULL,
    PRIMARY KEY (revision, path)
) WITHOUT ROWID;
"""
TABLES = ("blame", "blame_origins")
#: Pages changed this often are derived in the background after a rebuild (``warm_in_background``);
#: a shorter history is carried when first asked in less than a fifth of ``git blame``'s time
#: (about 0.7 ms a revision against git's walk of the whole branch).
WARM_AT = 1000
_NO_BLOB = "0" * 40
_CHUNK = 256
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Origin:
    """The commit a line came from, named as ``git blame`` names it (author time)."""

    revision: str
    author: str
    email: str
    date: int


@dataclass(frozen=True, slots=True)
class _State:
    """A page's file in one commit: its blob and each line's origin id."""

    blob: str
    lines: tuple[int, ...]


def _packed(lines: Sequence[int]) -> bytes:
    runs = array("q")
    for origin in lines:
        if runs and runs[-2] == origin:
            runs[-1] += 1
        else:
            runs.extend((origin, 1))
    return runs.tobytes()


def _unpacked(data: bytes) -> tuple[int, ...]:
    runs = array("q")
    runs.frombytes(data)
    lines: list[int] = []
    for at in range(0, len(runs), 2):
        lines += [runs[at]] * runs[at + 1]
    return tuple(lines)


def _line_count(data: bytes) -> int:
    """Lines as git counts them: a last line without a newline is a line too."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


class BlameIndex:
    """The carried blame of every page of one repository, in its index file."""

    def __init__(self, file: IndexFile, repo: GitRepository) -> None:
        self.file = file
        self.repo = repo
        self._warming: threading.Thread | None = None
        self._warming_lock = threading.Lock()
        self._stopping = threading.Event()

    # -- reading --------------------------------------------------------------------------

    def stored(self, revision: str, name: str) -> tuple[Origin, ...] | None:
        """Each line's origin of page ``name`` as commit ``revision`` (one that changed it)
        wrote it, or None when it was not derived yet."""
        state = self._stored(revision, name)
        return None if state is None else self._origins(state.lines)

    def _stored(self, revision: str, name: str, blob: str = "") -> _State | None:
        found = self.file.db().execute("SELECT runs FROM blame WHERE revision = ? AND path = ?", (revision, name))
        row = found.fetchone()
        return None if row is None else _State(blob, _unpacked(bytes(row[0])))

    def _origins(self, lines: tuple[int, ...]) -> tuple[Origin, ...]:
        wanted = sorted(set(lines))
        found: dict[int, Origin] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self.file.db().execute(
                f"SELECT id, revision, author, email, date FROM blame_origins WHERE id IN ({marks})",  # noqa: S608
                chunk,
            )
            found.update((int(row[0]), Origin(str(row[1]), str(row[2]), str(row[3]), int(row[4]))) for row in rows)
        return tuple(found[origin] for origin in lines)

    # -- carrying forward -----------------------------------------------------------------

    def carried(self, rows: Sequence[HistoryRow]) -> tuple[Origin, ...] | None:
        """The blame as of the newest of ``rows`` (a page's changes, oldest first, across
        renames), derived from the newest one stored; None when the page was deleted there."""
        if not rows or rows[-1].status == "D":
            return None
        start, state = 0, None
        for at in range(len(rows) - 1, -1, -1):
            blob = rows[at].blob
            state = self._stored(rows[at].revision, rows[at].path, blob) if blob else None
            if state is not None:
                start = at + 1
                break
        for at in range(start, len(rows), _CHUNK):  # short transactions: a save never waits long
            chunk = rows[at : at + _CHUNK]
            with BLAME.held():  # as many at once as there were git blames (``Busy`` beyond)
                diffs = self.repo.diffs(row.revision for row in chunk)
            with self.file.transaction():
                for row, diff in zip(chunk, diffs, strict=True):
                    if row.status == "D" or not row.blob:
                        state = None
                    else:
                        state = self._step(row.revision, row.path, row.blob, state, diff)
            if self._stopping.is_set():
                return None
        assert state is not None
        return self._origins(state.lines)

    # -- warming --------------------------------------------------------------------------

    def warm_in_background(self, changes_of: Callable[[str], list[HistoryRow]]) -> None:
        """Derive, in a thread, the blame of each page with a long history that has none yet
        (after a rebuild), longest first: the only pages whose first ask would otherwise wait
        about as long as ``git blame`` (a short history is carried when asked, in milliseconds).
        ``changes_of(name)`` gives a page's changes, oldest first."""
        with self._warming_lock:
            if self._warming is not None and self._warming.is_alive():
                return
            self._stopping.clear()
            self._warming = threading.Thread(target=self._warm, args=(changes_of,), name="blame-warming", daemon=True)
            self._warming.start()

    def _warm(self, changes_of: Callable[[str], list[HistoryRow]]) -> None:
        try:
            for name in self.long_histories():
                rows = changes_of(name)
                if self._stopping.is_set():
                    return
                if rows and rows[-1].blob and self._stored(rows[-1].revision, rows[-1].path) is None:
                    self.carried(rows)
        except Exception:  # derived data: the first ask derives it again
            log.exception("warming the blame of long histories stopped")

    def long_histories(self) -> list[str]:
        """The pages changed at least ``WARM_AT`` times, most changed first."""
        rows = self.file.db().execute(
            "SELECT p.path FROM pages p JOIN changes c ON c.path = p.path"
            " GROUP BY p.path HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC",
            (WARM_AT,),
        )
        return [str(row[0]) for row in rows]

    def warmed(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for the warming to end; True when none is running."""
        thread = self._warming
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    def stop_warming(self) -> None:
        """Stop the warming after its current chunk, and wait for it (before the file closes)."""
        self._stopping.set()
        self.warmed()

    def taken_in(self, seq: int, revision: str, changes: Sequence[FileChange]) -> None:
        """Carry the pages commit ``seq`` changed one step, in the caller's transaction: each
        whose blame before it is stored (or that it adds); the others wait to be asked for."""
        steps: list[tuple[str, str, _State | None]] = []
        for change in changes:
            if change.status == "D" or change.blob is None:
                continue
            before = self._before(change.old_path or change.path, seq)
            if before is None and change.status in "MR":
                continue  # its earlier blame was never derived: carried when first asked for
            steps.append((change.path, change.blob, before))
        if not steps:
            return
        diff = self.repo.diffs([revision])[0]
        for name, blob, before in steps:
            self._step(revision, name, blob, before, diff)

    def _before(self, name: str, seq: int) -> _State | None:
        """The stored blame of page ``name`` as the last commit before ``seq`` that changed
        it left it (None when deleted there, or not derived)."""
        row = (
            self.file.db()
            .execute(
                "SELECT m.revision, c.blob FROM changes c JOIN commits m ON m.seq = c.seq"
                " WHERE c.path = ? AND c.seq < ? ORDER BY c.seq DESC LIMIT 1",
                (name, seq),
            )
            .fetchone()
        )
        if row is None or row[1] is None:
            return None
        return self._stored(str(row[0]), name, str(row[1]))

    def _step(self, revision: str, name: str, blob: str, before: _State | None, diff: CommitDiff) -> _State:
        """Page ``name``'s blame (its file now ``blob``) after main-line commit ``revision``,
        from its first parent's (``before``, ``diff`` against it) and, for a merge, the other
        parents' (walked back)."""
        states = [before]
        if len(diff.parents) > 1:
            memo: dict[str, _State | None] = {}
            states += [self._side(parent, name, memo) for parent in diff.parents[1:]]
        state = self._combined(blob, diff, states)
        self.file.db().execute(
            "INSERT OR IGNORE INTO blame (revision, path, runs) VALUES (?, ?, ?)",
            (revision, name, _packed(state.lines)),
        )
        return state

    def _side(self, commit: str, name: str, memo: dict[str, _State | None]) -> _State | None:
        """The page's blame in a commit off the main line (a proposal's), walked back to it."""
        if commit in memo:
            return memo[commit]
        blob = self.repo.blob_at(commit, page_file(name))
        state: _State | None = None
        if blob is not None:
            seq = self.file.db().execute("SELECT seq FROM commits WHERE revision = ?", (commit,)).fetchone()
            if seq is not None:
                state = self._before(name, int(seq[0]) + 1)
                state = state if state is not None and state.blob == blob else None
            else:
                diff = self.repo.diffs([commit])[0]
                states = [self._side(parent, name, memo) for parent in diff.parents]
                state = self._combined(blob, diff, states or [None])
        memo[commit] = state
        return state

    def _combined(self, blob: str, diff: CommitDiff, states: Sequence[_State | None]) -> _State:
        """What ``git blame`` passes on to a commit's file ``blob`` from its parents' (``states``,
        first parent first; ``diff`` against each)."""
        for state in states:
            if state is not None and state.blob == blob:
                return _State(blob, state.lines)
        count = self._count(blob, states[0], diff)
        lines: list[int | None] = [None] * count
        seen: set[str] = set()
        for state in states:
            hunks = None if state is None or state.blob in seen else diff.hunks.get((state.blob, blob))
            if state is None or hunks is None:
                continue
            seen.add(state.blob)
            for new, old in enumerate(kept_lines(hunks, count)):
                if old is not None and lines[new] is None:
                    lines[new] = state.lines[old]
        own = self._origin_id(diff)
        return _State(blob, tuple(own if origin is None else origin for origin in lines))

    def _count(self, blob: str, first: _State | None, diff: CommitDiff) -> int:
        """The new file's line count, from the first parent's and the hunks when they tell."""
        if first is not None and (first.blob, blob) in diff.hunks:
            hunks = diff.hunks[(first.blob, blob)]
            return len(first.lines) + sum(new - old for _s, old, _t, new in hunks)
        if (_NO_BLOB, blob) in diff.hunks:
            return sum(new for _s, _old, _t, new in diff.hunks[(_NO_BLOB, blob)])
        return _line_count(self.repo.read_blob(blob))

    def _origin_id(self, diff: CommitDiff) -> int:
        connection: sqlite3.Connection = self.file.db()
        connection.execute(
            "INSERT OR IGNORE INTO blame_origins (revision, author, email, date) VALUES (?, ?, ?, ?)",
            (diff.revision, diff.author, diff.email, diff.date),
        )
        row = connection.execute("SELECT id FROM blame_origins WHERE revision = ?", (diff.revision,)).fetchone()
        return int(row[0])
