"""Reading git objects without starting a process per read.

Reads go through a small pool of persistent ``git cat-file --batch`` readers
(GitPython's ``GitCmdObjectDB``), so a page view starts no process; the trees read last
are kept parsed, since a tree never changes.  What the writer just wrote (trees, the tree
of each commit, blobs) is kept the same way, so the next save builds on the tree it wrote
without reading it back.
"""

from __future__ import annotations

import queue
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from git import Repo
from git.db import GitCmdObjectDB
from git.objects.fun import tree_entries_from_data
from gitdb.exc import BadName, BadObject

from wiki.errors import N_, NotFound
from wiki.names import check_revision
from wiki.store import loopguard
from wiki.store.git.parsers import parse_message, parse_parents

TREE_MODE = 0o040000
BLOB_MODE = 0o100644
_READERS = 4
_TREES_KEPT = 16
_COMMITS_KEPT = 256
_BLOB_BYTES_KEPT = 4 << 20
_DELTA_CACHE = "16m"


class ObjectStore:
    """The objects of one repository, read through a few persistent cat-file readers."""

    def __init__(self, git_dir: Path) -> None:
        """Read the objects of the repository at ``git_dir``; readers start on first use."""
        self.git_dir = git_dir
        # Each reader with the generation of packs it was started on (see ``_renew_readers``).
        self._readers: queue.LifoQueue[tuple[Repo, int]] = queue.LifoQueue()
        self._reader_count = 0
        self._generation = 0
        self._reader_lock = threading.Lock()
        self._trees: OrderedDict[str, tuple[tuple[bytes, int, str], ...]] = OrderedDict()
        self._trees_lock = threading.Lock()
        self._commit_trees: OrderedDict[str, str] = OrderedDict()
        self._fresh_blobs: OrderedDict[str, bytes] = OrderedDict()
        self._fresh_bytes = 0

    def close(self) -> None:
        """Stop the reader processes (idempotent)."""
        while True:
            try:
                self._readers.get_nowait()[0].close()
            except queue.Empty:
                break

    @contextmanager
    def _reader(self) -> Iterator[Repo]:
        """Borrow one of a few persistent cat-file readers (GitPython is not thread-safe)."""
        try:
            repo, generation = self._readers.get_nowait()
        except queue.Empty:
            with self._reader_lock:
                create = self._reader_count < _READERS
                if create:
                    self._reader_count += 1
            repo, generation = (self._new_reader(), self._generation) if create else self._readers.get()
        if generation != self._generation:
            repo.close()
            repo, generation = self._new_reader(), self._generation
        try:
            yield repo
        finally:
            self._readers.put((repo, generation))

    def _renew_readers(self) -> None:
        """Have readers started before a repack replaced on their next use: git keeps reading
        the packs it opened, deleted or not (their long delta chains, their disk space)."""
        self._generation += 1

    def _new_reader(self) -> Repo:
        """A cat-file reader whose cache of unpacked delta bases is small: git's default (96 MB)
        per reader made four readers hold more memory than the whole wiki otherwise needs."""
        repo = Repo(self.git_dir, odbt=GitCmdObjectDB)
        repo.git.update_environment(
            GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="core.deltaBaseCacheLimit", GIT_CONFIG_VALUE_0=_DELTA_CACHE
        )
        return repo

    def _read_object(self, sha: str, expected: bytes) -> bytes:
        loopguard.check()
        with self._reader() as repo:
            try:
                stream = repo.odb.stream(bytes.fromhex(sha))
            except (ValueError, BadObject, BadName):
                raise NotFound(N_("No such revision.")) from None
            if stream.type != expected:
                raise NotFound(N_("No such revision."))
            return bytes(stream.read())

    def read_blob(self, blob: str) -> bytes:
        """The content of a blob; ``NotFound`` when there is no such blob."""
        with self._trees_lock:
            fresh = self._fresh_blobs.get(blob)
        if fresh is not None:
            return fresh
        return self._read_object(check_revision(blob), b"blob")

    def _tree_of(self, commit: str) -> str:
        with self._trees_lock:
            tree = self._commit_trees.get(commit)
        if tree is not None:
            return tree
        data = self._read_object(check_revision(commit), b"commit")
        return data[5:45].decode("ascii")

    def _keep_written(self, sha: str, kind: bytes, data: bytes, entries: tuple[tuple[bytes, int, str], ...]) -> None:
        """Remember an object the writer just wrote (a tree parsed, a commit's tree, a blob's
        bytes up to a few MB in all): the next save reads its parent's tree from here."""
        with self._trees_lock:
            if kind == b"tree":
                self._trees[sha] = entries
                if len(self._trees) > _TREES_KEPT:
                    self._trees.popitem(last=False)
            elif kind == b"commit":
                self._commit_trees[sha] = data[5:45].decode("ascii")
                if len(self._commit_trees) > _COMMITS_KEPT:
                    self._commit_trees.popitem(last=False)
            elif kind == b"blob" and sha not in self._fresh_blobs:
                self._fresh_blobs[sha] = data
                self._fresh_bytes += len(data)
                while self._fresh_bytes > _BLOB_BYTES_KEPT:
                    self._fresh_bytes -= len(self._fresh_blobs.popitem(last=False)[1])

    def _tree_entries(self, tree: str) -> tuple[tuple[bytes, int, str], ...]:
        """A tree's entries, kept for the few trees read last (a tree never changes): parsing a
        root of 2,000 pages takes 10 ms, and each save and name check reads the root."""
        with self._trees_lock:
            cached = self._trees.get(tree)
            if cached is not None:
                self._trees.move_to_end(tree)
                return cached
        entries = tuple(tree_entries_from_data(self._read_object(tree, b"tree")))
        with self._trees_lock:
            self._trees[tree] = entries
            if len(self._trees) > _TREES_KEPT:
                self._trees.popitem(last=False)
        return entries

    def commit_exists(self, commit: str) -> bool:
        """True when ``commit`` names a commit in this repository."""
        try:
            self._tree_of(commit)
        except NotFound:
            return False
        return True

    def blob_at(self, commit: str, path: str) -> str | None:
        """The blob id of ``path`` in ``commit``; None when the file is absent there.

        Raises ``NotFound`` when the commit itself does not exist.
        """
        sha = self._tree_of(commit)
        parts = path.split("/")
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            for binsha, mode, name in self._tree_entries(sha):
                if name == part and ((mode == TREE_MODE) != last):
                    sha = binsha.hex()
                    break
            else:
                return None
        return sha

    def folders_along(self, commit: str, path: str) -> list[dict[str, bool]]:
        """What a file at ``path`` would sit next to in ``commit``: the entries (name: whether
        it is a folder) of the root and of each folder on the way that exists as a folder."""
        levels = []
        sha: str | None = self._tree_of(commit)
        for part in path.split("/"):
            if sha is None:
                break
            entries = {name: (binsha.hex(), mode == TREE_MODE) for binsha, mode, name in self._tree_entries(sha)}
            levels.append({name: is_tree for name, (_sha, is_tree) in entries.items()})
            found = entries.get(part)
            sha = found[0] if found is not None and found[1] else None
        return levels

    def parents(self, commit: str) -> list[str]:
        """The parents of a commit, first parent first."""
        return parse_parents(self._read_object(check_revision(commit), b"commit"))

    def message(self, commit: str) -> str:
        """The message of a commit, read from its object (no process)."""
        return parse_message(self._read_object(check_revision(commit), b"commit"))
