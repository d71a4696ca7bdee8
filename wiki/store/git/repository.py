"""Writing to a repository: objects built in-process, one writer at a time, refs moved by
compare-and-swap (and published first, for a replica).

Writes build objects in-process (gitdb), sync them to disk, and move the branch through
one long-lived ``git update-ref --stdin`` (``refupdates``): a compare-and-swap that git
refuses when someone else moved the branch in between.  One writer at a time per
repository (a thread lock plus ``flock``, which the kernel releases when a
process dies); readers never take that lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import logging
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from git.objects.fun import _validate_tree_entry_name
from gitdb import IStream
from gitdb.db import LooseObjectDB

from wiki.errors import N_, DiskFull, NotFound, PathClash, StoreUnavailable, is_disk_full
from wiki.models import Author
from wiki.names import check_revision
from wiki.store.git import syncing
from wiki.store.git.exchange import ExchangingRepository
from wiki.store.git.maintenance import remove_stale_locks
from wiki.store.git.objects import BLOB_MODE, TREE_MODE
from wiki.store.git.reading import C_LOCALE as _C_LOCALE
from wiki.store.git.reading import says_disk_full as _says_disk_full
from wiki.store.git.refs import REF as _REF
from wiki.store.git.refupdates import RefMove, RefUpdater

log = logging.getLogger(__name__)

_MAINTAIN_EVERY = 500
_CRUD = re.compile(r"[<>\n\r\0]")


class GitRepository(ExchangingRepository):
    """One git repository (bare, or with a work tree) and the branch HEAD points to: read,
    maintained, and written."""

    def __init__(self, path: Path) -> None:
        """Open an existing repository; raise ``StoreUnavailable`` when it is not one."""
        super().__init__(path)
        self._loose = LooseObjectDB(str(self.common_dir / "objects"))
        self._thread_lock = threading.Lock()
        self._flock_fd = os.open(self.common_dir / "wiki-writer.flock", os.O_RDWR | os.O_CREAT, 0o644)
        self._unsynced: list[str] = []
        # Called as publisher(ref, new, old) before a local ref moves (None as new: deleted).
        self.publisher: Callable[[str, str | None, str | None], bool] | None = None
        self._moves = 0
        self._updater = RefUpdater(self._update_ref_command, _C_LOCALE)

    # -- set-up ---------------------------------------------------------------------------

    @classmethod
    def init_bare(cls, path: Path) -> GitRepository:
        """Create an empty bare repository whose HEAD is ``main``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "init", "--quiet", "--bare", "--initial-branch=main", "--", str(path)],
            check=True,
            capture_output=True,
        )
        return cls(path)

    @classmethod
    def from_bundle(cls, source: Path, path: Path, branch: str) -> None:
        """Make a new bare repository at ``path`` holding every ref of the bundle ``source``,
        with HEAD on ``branch``; checked with ``git fsck`` before it is left there."""
        repo = cls.init_bare(path)
        try:
            repo._run("bundle", "verify", "--quiet", str(source))
            repo._run("fetch", "--quiet", "--no-write-fetch-head", str(source), "+refs/*:refs/*")
            repo._run("symbolic-ref", "HEAD", branch)
            repo._run("fsck", "--full", "--no-progress", "--no-dangling")
        finally:
            repo.close()

    @classmethod
    def create_bare(cls, path: Path, files: Mapping[str, bytes], author: Author, message: str) -> GitRepository:
        """Create a bare repository on ``main`` holding ``files`` in one commit."""
        repo = cls.init_bare(path)
        repo.seed(files, author, message)
        return repo

    def seed(self, files: Mapping[str, bytes], author: Author, message: str) -> None:
        """Give a repository without commits its first one; nothing when it has one (also
        when another replica seeded it first)."""
        with self.writer():
            while self.head() is None:
                tree = self.build_tree(None, dict(files))
                commit = self.write_commit(tree, [], author, message, int(time.time()))
                self.move_branch(commit, None)

    def close(self) -> None:
        """Stop the reader processes and any maintenance, and release the writer lock file
        (idempotent).  git removes its temporary files and locks when stopped."""
        super().close()
        self._updater.close()
        if self._flock_fd >= 0:
            os.close(self._flock_fd)
            self._flock_fd = -1

    def recover_stale_locks(self) -> list[Path]:
        """Remove ref locks left by a killed process; returns the ones removed.

        Safe because it runs holding the writer lock (so no wiki writer is live), and a
        lock a live git process holds disappears within milliseconds: only a lock that
        outlives a grace period is removed.
        """
        with self.writer():
            return remove_stale_locks(self.common_dir, self.branch)

    # -- writing --------------------------------------------------------------------------

    @contextmanager
    def writer(self, *, blocking: bool = True) -> Iterator[bool]:
        """Hold the repository's single writer slot; yields False when not blocking and busy."""
        if not self._thread_lock.acquire(blocking=blocking):
            yield False
            return
        try:
            try:
                fcntl.flock(self._flock_fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(self._flock_fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def _store(
        self, kind: bytes, data: bytes, entries: tuple[tuple[bytes, int, str], ...] = (), *, again: bool = True
    ) -> str:
        """Write one loose object (``entries``: a tree's, parsed) and keep it for the next save."""
        try:
            stream = self._loose.store(IStream(kind, len(data), io.BytesIO(data)))
        except FileNotFoundError:
            sha = hashlib.sha1(b"%s %d\0" % (kind, len(data)) + data, usedforsecurity=False).hexdigest()
            # Either the object was in a pack already (an undo brings an old text back) and a
            # ``git gc`` beside us removed the new loose copy as it was written, or that gc
            # removed the object's empty folder between gitdb making it and moving the object
            # in: then the object is nowhere, and is written again.
            if again and not self._holds(sha, kind):
                return self._store(kind, data, entries, again=False)
            return sha
        except OSError as error:
            if not is_disk_full(error):
                raise
            # gitdb leaves its temporary file behind when the object's folder cannot be made;
            # we hold the writer lock, so no other writer's temporary file is there.
            for leftover in (self.common_dir / "objects").glob("obj*"):
                leftover.unlink(missing_ok=True)
            self._unsynced.clear()
            raise DiskFull from error
        sha = stream.hexsha.decode() if isinstance(stream.hexsha, bytes) else str(stream.hexsha)
        self._unsynced.append(sha)
        self._keep_written(sha, kind, data, entries)
        return sha

    def _holds(self, sha: str, kind: bytes) -> bool:
        try:
            self._read_object(sha, kind)
        except NotFound:
            return False
        return True

    def _sync_objects(self) -> None:
        """fsync every object written since the last branch move, and their folders; a full
        disk (which may surface only here) is ``DiskFull``, and the branch does not move."""
        try:
            self._fsync_unsynced()
        except OSError as error:
            if is_disk_full(error):
                raise DiskFull from error
            raise
        finally:
            self._unsynced.clear()

    def _fsync_unsynced(self) -> None:
        """A loose object that is gone was packed by a concurrent ``git gc`` (which removes
        loose copies only of packed objects, and unreachable ones only when weeks old); git
        syncs its packs itself."""
        objects = self.common_dir / "objects"
        files = [objects / sha[:2] / sha[2:] for sha in dict.fromkeys(self._unsynced)]  # each once
        synced = syncing.fsync_together(files)
        syncing.fsync_together(list(dict.fromkeys(path.parent for path in synced)))  # a folder gone: emptied by that gc
        if synced:
            syncing.fsync(objects)

    def build_tree(
        self, base_commit: str | None, changes: Mapping[str, bytes | None], *, base_tree: str | None = None
    ) -> str:
        """Write the tree of ``base_commit`` (or ``base_tree``) with ``changes`` applied
        (None deletes a file).  Only the folders along changed paths get new trees.

        A file never silently becomes a folder nor a folder a file: writing ``a/b`` where
        ``a`` is a file, or ``a`` where ``a`` is a folder, would drop what was there (a page
        named ``victim.md/child`` once made the page ``victim.md`` vanish).  The plan must say
        so itself, by deleting the file ``a`` or every file under the folder ``a``; otherwise
        ``PathClash`` and nothing is written that a ref points to.
        """
        root = self._tree_of(base_commit) if base_commit else base_tree
        nested: dict[str, object] = {}
        for path, data in changes.items():
            node = nested
            *folders, leaf = path.split("/")
            for folder in folders:
                node = node.setdefault(folder + "/", {})  # type: ignore[assignment]
            node[leaf] = data
        return self._write_tree(root, nested, "") or self._store(b"tree", b"")

    def _write_tree(self, tree: str | None, changes: dict[str, object], prefix: str) -> str | None:
        """Apply ``changes`` (files by name, folders by name and ``/``) to ``tree``: deletions
        first, then folders, then files, so a plan that deletes what it replaces may replace it."""
        entries = {name: (binsha, mode) for binsha, mode, name in (self._tree_entries(tree) if tree else [])}
        for name, change in changes.items():
            if change is None:
                entries.pop(name, None)
        for key, change in changes.items():
            if not key.endswith("/"):
                continue
            name = key[:-1]
            assert isinstance(change, dict)
            current = entries.get(name)
            if current is not None and current[1] != TREE_MODE:
                raise PathClash(N_("'{path}' is a file; it cannot become a folder.", path=prefix + name))
            written = self._write_tree(current[0].hex() if current else None, change, f"{prefix}{name}/")
            if written is None:
                entries.pop(name, None)
            else:
                entries[name] = (bytes.fromhex(written), TREE_MODE)
        for name, change in changes.items():
            if name.endswith("/") or change is None:
                continue
            assert isinstance(change, bytes)
            current = entries.get(name)
            if current is not None and current[1] == TREE_MODE:
                raise PathClash(N_("'{path}' is a folder; it cannot become a file.", path=prefix + name))
            entries[name] = (bytes.fromhex(self._store(b"blob", change)), BLOB_MODE)
        if not entries:
            return None
        ordered = sorted(
            ((binsha, mode, name) for name, (binsha, mode) in entries.items()),
            key=lambda entry: entry[2].encode() + (b"/" if entry[1] == TREE_MODE else b""),
        )
        for key in changes:  # the names this write brings in; the others are in git already
            name = key.removesuffix("/")
            if name in entries:
                _validate_tree_entry_name(name, entries[name][1])
        return self._store(b"tree", _tree_data(ordered), tuple(ordered))

    def write_commit(
        self, tree: str, parents: list[str], author: Author, message: str, when: int, *, committer: Author | None = None
    ) -> str:
        """Write a commit object at Unix time ``when``; the author is the committer too (the
        person who saved) unless ``committer`` names someone else (who took over another's
        change).  Names and messages are cleaned as ``identity`` and ``clean_message`` say."""
        who = identity(author)
        by = identity(committer) if committer is not None else who
        stamp = f"{when} +0000"
        lines = [f"tree {tree}"] + [f"parent {check_revision(parent)}" for parent in parents]
        lines += [f"author {who.name} <{who.email}> {stamp}", f"committer {by.name} <{by.email}> {stamp}"]
        text = "\n".join(lines) + "\n\n" + clean_message(message) + "\n"
        return self._store(b"commit", text.encode("utf-8"))

    def create_tag(self, name: str, target: str, author: Author, message: str, when: int) -> bool:
        """Write an annotated tag ``refs/tags/<name>`` for ``target``; False when it exists already.

        ``name`` must have been checked by the caller (``wiki.names``).  Hold ``writer()``.
        """
        who = identity(author)
        text = (
            f"object {check_revision(target)}\ntype commit\ntag {name}\n"
            f"tagger {who.name} <{who.email}> {when} +0000\n\n{clean_message(message)}\n"
        )
        tag = self._store(b"tag", text.encode("utf-8"))
        return self.move_ref(f"refs/tags/{name}", tag, None)

    def move_branch(self, new: str, old: str | None, *, publish: bool = True) -> bool:
        """Compare-and-swap the served branch from ``old`` to ``new``; False when it moved.

        Objects are synced first, and git syncs the ref itself (``core.fsync``), so a
        moved branch survives a crash.  Must be called while holding ``writer()``.
        """
        moved = self.move_ref(self.branch, new, old, publish=publish)
        if moved and self.work_tree is not None and old is not None:
            self._update_work_tree(old, new)
        return moved

    def move_ref(self, name: str, new: str, old: str | None, *, publish: bool = True) -> bool:
        """Compare-and-swap any of the wiki's refs; None as ``old`` means "must not exist yet".

        With a ``publisher`` (a replica's shared remote), the remote is moved first and the
        local ref only once it accepted, so nothing is acknowledged that is not published;
        a refusal there returns False like a refusal here.  ``publish=False`` moves only
        the local ref (to follow the remote).
        """
        if not _REF.fullmatch(name):
            raise NotFound(N_("No such revision."))
        self._sync_objects()
        if publish and self.publisher is not None and not self.publisher(name, new, old):
            return False
        refused = self._updater.apply([RefMove(name, new, old)])
        if refused is None:
            self._moves += 1
            if self._moves % _MAINTAIN_EVERY == 0:
                self.maintain_in_background()
            return True
        if self.ref(name) != old:
            return False
        if _says_disk_full(refused.stderr):
            raise DiskFull
        message = refused.stderr.decode(errors="replace").strip()
        raise StoreUnavailable(N_("git could not move {ref}: {reason}", ref=name, reason=message))

    def _update_ref_command(self) -> list[str]:
        """``git update-ref --stdin`` for the ref updater: refs synced (``core.fsync``), and a
        ref that ``git gc`` locks for a moment (packing refs, expiring reflogs) waited for
        rather than the save failed after git's default 100 ms."""
        return self._command("-c", "core.filesRefLockTimeout=2000", "update-ref", "--stdin", "-m", "wiki", fsync=True)

    def delete_ref(self, name: str, old: str) -> bool:
        """Delete one of the wiki's refs while it still points at ``old`` (compare-and-swap,
        published first like ``move_ref``); False when it moved or is gone.  Hold ``writer()``."""
        if not _REF.fullmatch(name) or name == self.branch:
            raise NotFound(N_("No such revision."))
        if self.publisher is not None and not self.publisher(name, None, old):
            return False
        return self.forget_ref(name, old)

    def forget_ref(self, name: str, old: str) -> bool:
        """Delete ``name`` here only (a replica following a remote that deleted it)."""
        if not _REF.fullmatch(name) or name == self.branch:
            raise NotFound(N_("No such revision."))
        return self._updater.apply([RefMove(name, None, old)]) is None

    def merge_tree(self, ours: str, theirs: str) -> str | None:
        """The tree of merging two commits without a checkout, or None when they conflict."""
        command = self._command(
            "merge-tree", "--write-tree", "--no-messages", check_revision(ours), check_revision(theirs)
        )
        result = subprocess.run(command, capture_output=True, check=False)
        if result.returncode == 0:
            return result.stdout.decode().split("\n", 1)[0].strip()
        if result.returncode == 1:
            return None
        raise StoreUnavailable(N_("git merge-tree failed."))

    def _update_work_tree(self, old: str, new: str) -> None:
        """Bring the work tree along, as ``receive.denyCurrentBranch=updateInstead`` does."""
        try:
            self._run("read-tree", "-u", "-m", old, new)
        except StoreUnavailable:
            log.warning("branch moved to %s but the work tree could not follow", new)


def identity(author: Author) -> Author:
    """The name and address as git stores them: without the characters git's format forbids."""
    return Author(_CRUD.sub("", author.name).strip() or "anonymous", _CRUD.sub("", author.email).strip())


def clean_message(message: str) -> str:
    """A commit message without control characters other than newlines and tabs."""
    return "".join(c for c in message if c in "\n\t" or (ord(c) >= 32 and c != "\x7f")).strip()


def _tree_data(entries: list[tuple[bytes, int, str]]) -> bytes:
    """A tree object's bytes, as GitPython's ``tree_to_stream`` writes them, without checking
    again every name of a folder that did not change (a tenth of a save's time in a folder of
    100 pages): ``_write_tree`` checks the names it brings in."""
    return b"".join(b"%o %s\0%s" % (mode, name.encode("utf-8"), binsha) for binsha, mode, name in entries)
