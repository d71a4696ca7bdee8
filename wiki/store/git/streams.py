"""Whole histories and many blobs read from git as streams, not all at once.

A rebuild of the page index reads every commit of the branch (200,000 in a large wiki, 50 MB
of ``git log --raw``) and the text of every page.  Read whole, the log's output and its parsed
commits were held twice over (VmHWM 425 MB at 10,000 pages); read one blob at a time, each
page cost a round trip.  Here the log is parsed as it arrives, a few thousand commits at a
time with their blob sizes, and blobs come from one ``git cat-file --batch`` fed from a thread
while they are read.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from typing import IO

from wiki.errors import N_, StoreUnavailable
from wiki.models import CommitRecord, FileChange
from wiki.names import check_revision
from wiki.store.git import parsers

#: Commits parsed before their blob sizes are asked for and they are handed on.
CHUNK = 4096
_READ = 1 << 20


def commits(log: list[str], sizes: list[str]) -> Iterator[CommitRecord]:
    """The commits ``log`` (a ``git log --raw -z --format=LOG_FORMAT`` command) prints, each
    with the sizes of its blobs from ``sizes`` (a ``git cat-file --batch-check`` command),
    parsed while git still writes.  ``StoreUnavailable`` when git fails (after the commits
    read so far: a caller writes them in one transaction, which then does not commit)."""
    with subprocess.Popen(log, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as process:
        assert process.stdout is not None
        yield from _parsed(process.stdout, sizes)
    if process.returncode != 0:
        raise StoreUnavailable(N_("git log failed."))


@contextmanager
def spooled_commits(log: list[str], sizes: list[str]) -> Iterator[Callable[[], Iterator[CommitRecord]]]:
    """``commits``, with git started at once and writing into a temporary file: what the caller
    does inside runs beside git, on the other core.  The function yielded waits for git, then
    parses what it wrote; ``StoreUnavailable`` (before any commit) when git failed.  A rebuild
    indexes the head pages meanwhile, which at 10,000 pages takes about as long as ``git log``
    of 200,000 commits (8 s); the file holds the log (50 MB there) instead of memory."""
    with tempfile.TemporaryFile(prefix="wiki-log-") as spool:
        process = subprocess.Popen(log, stdout=spool, stderr=subprocess.DEVNULL)

        def written() -> Iterator[CommitRecord]:
            if process.wait() != 0:
                raise StoreUnavailable(N_("git log failed."))
            spool.seek(0)
            yield from _parsed(spool, sizes)

        try:
            yield written
        finally:
            process.kill()
            process.wait()


def _parsed(output: IO[bytes], sizes: list[str]) -> Iterator[CommitRecord]:
    """The commits of a log's ``output``, a few thousand at a time with their blob sizes."""
    pending = b""
    batch: list[CommitRecord] = []
    while chunk := output.read(_READ):
        records = (pending + chunk).split(parsers.LOG_MARK)
        pending = records.pop()
        batch.extend(parsers.parse_log_record(record) for record in records if record.strip())
        if len(batch) >= CHUNK:
            yield from _sized(batch, sizes)
            batch = []
    if pending.strip():
        batch.append(parsers.parse_log_record(pending))
    yield from _sized(batch, sizes)


def _sized(batch: list[CommitRecord], sizes: list[str]) -> Iterator[CommitRecord]:
    """``batch`` with each change's sizes (made anew, not ``dataclasses.replace``d: for 200,000
    commits that took a second)."""
    blobs = {blob for commit in batch for change in commit.changes for blob in (change.blob, change.old_blob) if blob}
    known = blob_sizes(sizes, blobs)
    for commit in batch:
        changes = tuple(
            FileChange(
                change.status,
                change.path,
                change.old_path,
                change.blob,
                change.old_blob,
                known.get(change.blob) if change.blob else None,
                known.get(change.old_blob) if change.old_blob else None,
            )
            for change in commit.changes
        )
        yield CommitRecord(commit.revision, commit.author, commit.email, commit.date, commit.message, changes)


def blob_sizes(command: list[str], blobs: Iterable[str]) -> dict[str, int]:
    """The size of each blob, asked of one ``git cat-file --batch-check`` (``command``)."""
    wanted = "".join(check_revision(blob) + "\n" for blob in blobs)
    if not wanted:
        return {}
    result = subprocess.run(command, input=wanted.encode(), capture_output=True, check=False)
    return parsers.parse_sizes(result.stdout)


def blobs(command: list[str], wanted: list[str]) -> Generator[tuple[str, bytes | None], None, None]:
    """Each of ``wanted`` with its content (None: no such blob), in order, from one
    ``git cat-file --batch`` (``command``) that a thread feeds while they are read."""
    if not wanted:
        return
    names = [check_revision(blob) for blob in wanted]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        feeder = threading.Thread(target=_feed, args=(process.stdin, names), name="cat-file feed", daemon=True)
        feeder.start()
        try:
            for name in names:
                yield name, _one(process.stdout)
        finally:
            process.kill()
            feeder.join()


def _feed(stdin: IO[bytes], names: list[str]) -> None:
    """Write the ids straight to the pipe (not through its buffer, which a close after an
    early stop would try to flush into a git that is gone), then end git's input."""
    rest = memoryview("".join(name + "\n" for name in names).encode("ascii"))
    try:
        while rest:
            rest = rest[os.write(stdin.fileno(), rest) :]
        stdin.close()
    except (OSError, ValueError):  # the reader stopped early and killed git
        pass


def _one(stdout: IO[bytes]) -> bytes | None:
    """One answer of ``git cat-file --batch``: ``<id> blob <size>\\n<content>\\n`` or ``<id> missing``."""
    header = stdout.readline().split()
    if len(header) != 3 or header[1] != b"blob":
        if not header:
            raise StoreUnavailable(N_("git cat-file failed."))
        return None
    size = int(header[2])
    data = stdout.read(size + 1)
    if len(data) != size + 1:
        raise StoreUnavailable(N_("git cat-file failed."))
    return data[:size]
