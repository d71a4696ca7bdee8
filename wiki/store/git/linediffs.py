"""Which lines a commit kept from its parent, asked of one long-lived ``git diff-tree --stdin``.

Blame is carried forward one commit at a time (``wiki/store/blameindex.py``): a line the
commit left unchanged keeps its parent's origin, every other line is the commit's own.  That
is only the same answer as ``git blame`` when the lines are paired as git pairs them, so git
pairs them: the same diff machinery ``git blame`` uses (Myers, the indent heuristic, no
context, hence the same trimming of a common tail).  One process serves every request (a
request is a commit, diffed against each parent; a line git echoes marks its end), so a save
starts none.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from wiki.errors import N_, StoreUnavailable
from wiki.names import check_revision
from wiki.store.git.parsers import decode

_END = b"\x02"
_HEADER = b"\x01"
#: Requests written before their answers are read: their lines (~82 bytes each) must fit in
#: the pipe to git, or git, blocked on a full output pipe, would never read the rest.
_BATCH = 256
#: Line pairs between two blobs: each hunk's (old start, old count, new start, new count).
Hunk = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class CommitDiff:
    """One commit against each of its parents: its parents, who wrote it (as ``git blame``
    names the author: author name, address and author time) and the hunks of every file
    changed, by (old blob, new blob)."""

    revision: str
    parents: tuple[str, ...]
    author: str
    email: str
    date: int
    hunks: dict[tuple[str, str], tuple[Hunk, ...]]


def kept_lines(hunks: Sequence[Hunk], new_count: int) -> list[int | None]:
    """For each line of the new file (0-based), the old line it kept, or None for a line the
    change wrote."""
    kept: list[int | None] = []
    old = 0
    for old_start, old_count, new_start, new_count_of_hunk in hunks:
        # A hunk without old (new) lines starts after line N, a hunk with some at line N.
        old_at = old_start if old_count == 0 else old_start - 1
        new_at = new_start if new_count_of_hunk == 0 else new_start - 1
        while len(kept) < new_at:
            kept.append(old)
            old += 1
        kept.extend([None] * new_count_of_hunk)
        old = old_at + old_count
    while len(kept) < new_count:
        kept.append(old)
        old += 1
    return kept


class LineDiffs:
    """One ``git diff-tree --stdin`` process, started on first use, shared under a lock."""

    def __init__(self, command: Callable[..., list[str]]) -> None:
        self._command = command
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Stop the process (idempotent); the next request starts another."""
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        if self._process is not None:
            process, self._process = self._process, None
            if process.stdin is not None:
                process.stdin.close()
            process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            command = self._command(
                "diff-tree", "--stdin", "--always", "--root", "-m", "-M", "-p", "-U0", "--full-index", "--no-color",
                "--no-ext-diff", "--no-textconv", "--diff-algorithm=myers", "--indent-heuristic",
                "--format=%x01%H%x00%P%x00%an%x00%ae%x00%at",
            )  # fmt: skip
            self._process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        return self._process

    def of(self, commits: Iterable[str]) -> list[CommitDiff]:
        """Each commit's diff against each of its parents (against nothing for a root), in order."""
        wanted = [check_revision(commit) for commit in commits]
        found: list[CommitDiff] = []
        with self._lock:
            try:
                for start in range(0, len(wanted), _BATCH):
                    found += self._ask(wanted[start : start + _BATCH])
            except (OSError, ValueError) as error:
                self._stop()
                raise StoreUnavailable(N_("git diff-tree failed.")) from error
        return found

    def _ask(self, commits: list[str]) -> list[CommitDiff]:
        process = self._started()
        assert process.stdin is not None
        assert process.stdout is not None
        request = b"".join(commit.encode() + b"\n" + _END + b"\n" for commit in commits)
        process.stdin.write(request)
        process.stdin.flush()
        return [self._answer(process.stdout) for _commit in commits]

    @staticmethod
    def _answer(stdout: object) -> CommitDiff:
        read = stdout.readline  # type: ignore[attr-defined]
        header: list[bytes] = []
        hunks: dict[tuple[str, str], list[Hunk]] = {}
        blobs: tuple[str, str] | None = None
        while True:
            line: bytes = read()
            if not line:
                raise OSError("git diff-tree stopped")
            if line.startswith(_END) and line.rstrip(b"\n") == _END:
                break
            if line.startswith(_HEADER):
                header = line[1:].rstrip(b"\n").split(b"\0")
            elif line.startswith(b"diff --git "):
                blobs = None
            elif line.startswith(b"index ") and blobs is None:
                old, _, new = line[6:].split(b" ")[0].partition(b"..")
                blobs = (old.decode(), new.rstrip(b"\n").decode())
                hunks[blobs] = []
            elif line.startswith(b"@@ -") and blobs is not None:
                old_range, new_range = line[4:].split(b" @@")[0].split(b" +")
                hunks[blobs].append((*_range(old_range), *_range(new_range)))
        if len(header) != 5:
            raise OSError("git diff-tree answered without its header")
        revision, parents, author, email, date = (decode(field) for field in header)
        found_hunks = {key: tuple(found) for key, found in hunks.items()}
        return CommitDiff(revision, tuple(parents.split()), author, email, int(date), found_hunks)


def _range(text: bytes) -> tuple[int, int]:
    start, _, count = text.partition(b",")
    return int(start), int(count) if count else 1
