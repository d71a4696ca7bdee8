"""The rows the history queries of ``pageindex`` return, and the SQL that reads them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The columns of a ``HistoryRow``, in its order.
HISTORY_COLUMNS = (
    "SELECT c.seq, m.revision, c.path, c.old_path, c.status, m.author, m.date, m.message,"
    " c.blob, c.size, c.old_size, m.email"
)
HISTORY = HISTORY_COLUMNS + " FROM changes c JOIN commits m ON m.seq = c.seq"
# Only deletions, newest first, read through their own index: without it every change was
# read (0.6 s for 50,000 commits).
DELETED = (
    HISTORY_COLUMNS  # noqa: S608 (constants only)
    + " FROM changes c INDEXED BY changes_deleted JOIN commits m ON m.seq = c.seq"
    " WHERE c.status = 'D' AND c.path NOT IN (SELECT path FROM pages)"
    " AND c.seq = (SELECT MAX(seq) FROM changes WHERE path = c.path)"
    " AND NOT EXISTS (SELECT 1 FROM changes r WHERE r.old_path = c.path AND r.seq >= c.seq)"
    " ORDER BY c.seq DESC"
)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One change to one page, with its commit."""

    seq: int
    revision: str
    path: str
    old_path: str | None
    status: str
    author: str
    date: int
    message: str
    blob: str | None
    size: int | None
    old_size: int | None
    email: str


@dataclass(frozen=True, slots=True)
class CommitRow:
    """One commit of recent changes, with the pages it touched."""

    seq: int
    revision: str
    author: str
    date: int
    message: str
    paths: tuple[str, ...]
    email: str


def commit_row(row: tuple[Any, ...], paths: tuple[str, ...]) -> CommitRow:
    """A ``CommitRow`` from a row of the recent-changes query and the pages it touched."""
    return CommitRow(int(row[0]), str(row[1]), str(row[2]), int(row[3]), str(row[4]), paths, str(row[5]))
