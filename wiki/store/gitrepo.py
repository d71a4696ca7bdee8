"""The only module that speaks to git.

Reads go through a small pool of persistent ``git cat-file --batch`` readers
(GitPython's ``GitCmdObjectDB``), so a page view starts no process.  Writes
build objects in-process (gitdb), sync them to disk, and move the branch with
one ``git update-ref <ref> <new> <old>``: a compare-and-swap that git refuses
when someone else moved the branch in between.  One writer at a time per
repository (a thread lock plus ``flock``, which the kernel releases when a
process dies); readers never take that lock.

Every value handed to a git command is either produced here (object ids,
temporary file names) or checked by ``wiki.names`` first, and paths always
follow ``--`` with ``--literal-pathspecs`` on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import hashlib
import io
import logging
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from git import Repo
from git.db import GitCmdObjectDB
from git.objects.fun import tree_entries_from_data, tree_to_stream
from gitdb import IStream
from gitdb.db import LooseObjectDB
from gitdb.exc import BadName, BadObject

from wiki.errors import N_, DiskFull, NotFound, PathClash, StoreUnavailable, WorkTreeDirty, is_disk_full
from wiki.models import Author, CommitRecord, FileChange
from wiki.names import check_revision
from wiki.numbers import is_whole_number
from wiki.store import loopguard
from wiki.store.gitslots import BLAME, MAINTENANCE

log = logging.getLogger(__name__)

TREE_MODE = 0o040000
BLOB_MODE = 0o100644
_BRANCH = re.compile(r"refs/heads/[A-Za-z0-9][A-Za-z0-9._/-]{0,200}")
# The refs the wiki itself reads and moves: branches, proposal records, tags.
_REF = re.compile(r"refs/(heads|meta|tags)(/[A-Za-z0-9][A-Za-z0-9._-]{0,100}){1,4}")
_READERS = 4
_TREES_KEPT = 16
_DELTA_CACHE = "16m"
_LOCK_GRACE_SECONDS = 1.0
_STOP_SECONDS = 10.0
_MAINTAIN_EVERY = 500
# Longest chain of deltas git may store for one object in the wiki's packs (git's default: 50).
# Reading an old version unpacks its whole chain: on a page with 5,000 revisions a random one
# took 0.63 ms to read from chains of 50 and 0.31 ms from chains of 10, for 6 % more disk.
PACK_DEPTH = 10
# Set in the repository's configuration once all of its packs keep to PACK_DEPTH.
PACK_DEPTH_KEY = "wiki.packdepth"
_CRUD = re.compile(r"[<>\n\r\0]")
# A record separator no commit message of the wiki's contains (it strips control characters).
_LOG_MARK = b"\x01\x02\x03"
_LOG_FORMAT = "%x01%x02%x03%H%x00%an%x00%ae%x00%ct%x00%B%x00"
# git's errors in English whatever the server's locale, so a full disk is recognised.
_C_LOCALE = {**os.environ, "LC_ALL": "C"}
_NO_ROOM = (os.strerror(errno.ENOSPC).encode(), os.strerror(errno.EDQUOT).encode())


@dataclass(frozen=True, slots=True)
class BlameLine:
    """One line of a file with the commit that last changed it."""

    revision: str
    author: str
    date: int
    text: str
    email: str = ""


@dataclass(frozen=True, slots=True)
class TagRecord:
    """An annotated tag: its name, the commit it names, who made it, when, and its message."""

    name: str
    target: str
    tagger: str
    date: int
    message: str


class GitRepository:
    """One git repository (bare, or with a work tree) and the branch HEAD points to."""

    def __init__(self, path: Path) -> None:
        """Open an existing repository; raise ``StoreUnavailable`` when it is not one."""
        try:
            probe = Repo(path)
        except Exception as error:
            raise StoreUnavailable(N_("{path} is not a git repository.", path=path)) from error
        try:
            self.git_dir = Path(probe.git_dir)
            self.common_dir = Path(probe.common_dir)
            self.work_tree = None if probe.bare else Path(str(probe.working_tree_dir))
        finally:
            probe.close()
        self.branch = self._read_head_ref()
        # Each reader with the generation of packs it was started on (see ``_renew_readers``).
        self._readers: queue.LifoQueue[tuple[Repo, int]] = queue.LifoQueue()
        self._reader_count = 0
        self._generation = 0
        self._reader_lock = threading.Lock()
        self._loose = LooseObjectDB(str(self.common_dir / "objects"))
        self._trees: OrderedDict[str, tuple[tuple[bytes, int, str], ...]] = OrderedDict()
        self._trees_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._flock_fd = os.open(self.common_dir / "wiki-writer.flock", os.O_RDWR | os.O_CREAT, 0o644)
        self._unsynced: list[str] = []
        # Called as publisher(ref, new, old) before a local ref moves (see ``move_ref``).
        self.publisher: Callable[[str, str, str | None], bool] | None = None
        self._moves = 0
        self._packed: tuple[tuple[int, int, int] | None, dict[str, str]] = (None, {})
        self._maintaining = threading.Lock()
        self._maintenance: subprocess.Popen[bytes] | None = None
        self._maintenance_lock = threading.Lock()
        self._closing = False

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

    def _read_head_ref(self) -> str:
        head = (self.git_dir / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            raise StoreUnavailable(N_("HEAD is detached: the wiki serves the branch HEAD points to."))
        ref = head[5:].strip()
        if not _BRANCH.fullmatch(ref):
            raise StoreUnavailable(N_("HEAD points to '{ref}', which is not a branch the wiki serves.", ref=ref))
        return ref

    def close(self) -> None:
        """Stop the reader processes and any maintenance, and release the writer lock file
        (idempotent).  git removes its temporary files and locks when stopped."""
        with self._maintenance_lock:
            self._closing = True
            maintenance = self._maintenance
            if maintenance is not None:
                # The whole group: gc runs repack and pack-objects as children, which would go on.
                _signal_group(maintenance, signal.SIGTERM)
        if maintenance is not None:
            try:
                maintenance.wait(timeout=_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(maintenance, signal.SIGKILL)
                maintenance.wait()
        while True:
            try:
                self._readers.get_nowait()[0].close()
            except queue.Empty:
                break
        if self._flock_fd >= 0:
            os.close(self._flock_fd)
            self._flock_fd = -1

    # -- reading --------------------------------------------------------------------------

    def head(self) -> str | None:
        """The commit the served branch points to, read from the ref files without spawning git."""
        return self.ref(self.branch)

    def ref(self, name: str) -> str | None:
        """The object a ref points to (loose or packed), or None; ``name`` must be one of ours."""
        if not _REF.fullmatch(name):
            raise NotFound(N_("No such revision."))
        try:
            value = (self.common_dir / name).read_text(encoding="ascii").strip()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            value = ""
        if value:
            return value
        return self._packed_refs().get(name)

    def _packed_refs(self) -> dict[str, str]:
        """The refs in ``packed-refs``, parsed again only when git replaced the file (it always
        writes a new one and renames it over the old), so a packed branch costs a stat()."""
        path = self.common_dir / "packed-refs"
        try:
            stat = path.stat()
        except FileNotFoundError:
            return {}
        version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if self._packed[0] != version:
            refs = {}
            for line in path.read_text(encoding="utf-8").splitlines():
                if line[:1] not in ("#", "^"):
                    sha, _, ref = line.partition(" ")
                    refs[ref] = sha
            self._packed = (version, refs)
        return self._packed[1]

    def refs(self, prefix: str) -> dict[str, str]:
        """Every ref under ``prefix`` (such as ``refs/heads/proposals/``) with its object."""
        if not _REF.fullmatch(prefix.rstrip("/")):
            raise NotFound(N_("No such revision."))
        out = self._run("for-each-ref", "--format=%(refname) %(objectname)", "--", prefix)
        found = {}
        for line in out.decode().splitlines():
            name, _, sha = line.partition(" ")
            found[name] = sha
        return found

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
        return self._read_object(check_revision(blob), b"blob")

    def _tree_of(self, commit: str) -> str:
        data = self._read_object(check_revision(commit), b"commit")
        return data[5:45].decode("ascii")

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

    def changed_paths(self, old: str, new: str) -> list[str]:
        """The files that differ between two commits or trees (no rename detection)."""
        out = self._run(
            "diff-tree", "-r", "-z", "--no-renames", "--name-only", check_revision(old), check_revision(new)
        )
        return [_decode(path) for path in out.split(b"\0") if path]

    def list_files(self, commit: str) -> dict[str, str]:
        """Every file in ``commit``'s tree with its blob id."""
        out = self._run("ls-tree", "-r", "-z", "--full-tree", check_revision(commit))
        files = {}
        for record in out.split(b"\0"):
            if record:
                meta, path = record.split(b"\t", 1)
                _mode, kind, blob = meta.decode().split(" ")
                if kind == "blob":
                    files[_decode(path)] = blob
        return files

    def log(self, newest: str, stop_at: str | None = None) -> Iterator[CommitRecord]:
        """Commits on the first-parent line from ``stop_at`` (excluded) to ``newest``, oldest
        first, each with its changed files (renames detected) and their sizes.
        """
        revisions = [check_revision(newest)]
        if stop_at is not None:
            revisions.append("^" + check_revision(stop_at))
        command = self._command(
            "log",
            "--reverse",
            "--first-parent",
            "-m",
            "--root",
            "--raw",
            "-M",
            "--no-abbrev",
            "-z",
            f"--format={_LOG_FORMAT}",
            *revisions,
            "--",
        )
        result = subprocess.run(command, capture_output=True, check=False)
        if result.returncode != 0:
            raise StoreUnavailable(N_("git log failed."))
        parsed = [_parse_log_record(record) for record in result.stdout.split(_LOG_MARK) if record.strip()]
        blobs = {blob for commit in parsed for change in commit.changes for blob in (change.blob, change.old_blob)}
        sizes = self.blob_sizes(blob for blob in blobs if blob)
        for commit in parsed:
            yield dataclasses.replace(
                commit,
                changes=tuple(
                    dataclasses.replace(
                        change,
                        size=sizes.get(change.blob) if change.blob else None,
                        old_size=sizes.get(change.old_blob) if change.old_blob else None,
                    )
                    for change in commit.changes
                ),
            )

    def blob_sizes(self, blobs: Iterable[str]) -> dict[str, int]:
        """The size of each blob, asked of one ``git cat-file --batch-check``."""
        wanted = "".join(check_revision(blob) + "\n" for blob in blobs)
        if not wanted:
            return {}
        result = subprocess.run(
            self._command("cat-file", "--batch-check=%(objectname) %(objectsize)"),
            input=wanted.encode(),
            capture_output=True,
            check=False,
        )
        sizes = {}
        for line in result.stdout.decode().splitlines():
            name, _, size = line.partition(" ")
            if is_whole_number(size):
                sizes[name] = int(size)
        return sizes

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is reachable from ``descendant``."""
        command = self._command("merge-base", "--is-ancestor", check_revision(ancestor), check_revision(descendant))
        result = subprocess.run(command, capture_output=True, check=False)
        return result.returncode == 0

    def blame(self, commit: str, path: str) -> list[BlameLine]:
        """Who last changed each line of ``path`` as of ``commit``, from ``git blame --porcelain``
        (in one of the few blame slots: ``Busy`` when none comes in time)."""
        with BLAME.held():
            out = self._run("blame", "--porcelain", check_revision(commit), "--", path)
        lines: list[BlameLine] = []
        known: dict[str, tuple[str, int, str]] = {}
        sha, author, when, email = "", "", 0, ""
        for raw in out.split(b"\n"):
            if raw.startswith(b"\t"):
                known.setdefault(sha, (author, when, email))
                who, at, address = known[sha]
                lines.append(BlameLine(sha, who, at, _decode(raw[1:]), address))
            elif raw.startswith(b"author "):
                author = _decode(raw[7:])
            elif raw.startswith(b"author-mail "):
                email = _decode(raw[12:]).strip("<>")
            elif raw.startswith(b"author-time "):
                when = int(raw[12:])
            elif len(raw) > 40 and raw[40:41] == b" " and all(c in b"0123456789abcdef" for c in raw[:40]):
                sha = raw[:40].decode()
                author, when, email = known.get(sha, ("", 0, ""))
        return lines

    def tags(self, prefix: str) -> list[TagRecord]:
        """Annotated tags under ``refs/tags/`` whose names start with ``prefix``, newest first."""
        out = self._run(
            "for-each-ref",
            "--sort=-creatordate",
            "--format=%(refname:strip=2)%00%(*objectname)%00%(taggername)%00%(taggerdate:unix)%00%(contents)%01",
            "refs/tags/",
        )
        tags = []
        for record in out.split(b"\x01"):
            fields = record.strip(b"\n").split(b"\0")
            if len(fields) == 5 and fields[0].startswith(prefix.encode()) and fields[1]:
                name, target, tagger, date, message = (_decode(field) for field in fields)
                tags.append(TagRecord(name, target, tagger, int(date or 0), message.strip()))
        return tags

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

    def _store(self, kind: bytes, data: bytes) -> str:
        try:
            stream = self._loose.store(IStream(kind, len(data), io.BytesIO(data)))
        except FileNotFoundError:
            # The object was in a pack already (an undo brings an old text back), and a
            # ``git gc`` running beside us removed the new loose copy as it was written.
            return hashlib.sha1(b"%s %d\0" % (kind, len(data)) + data, usedforsecurity=False).hexdigest()
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
        return sha

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
        folders = set()
        for sha in self._unsynced:
            path = objects / sha[:2] / sha[2:]
            with contextlib.suppress(FileNotFoundError):
                _fsync(path)
                folders.add(path.parent)
        for folder in folders:
            with contextlib.suppress(FileNotFoundError):  # emptied and removed by the same gc
                _fsync(folder)
        if folders:
            _fsync(objects)

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
        buffer = io.BytesIO()
        tree_to_stream(ordered, buffer.write)
        return self._store(b"tree", buffer.getvalue())

    def write_commit(self, tree: str, parents: list[str], author: Author, message: str, when: int) -> str:
        """Write a commit object at Unix time ``when``; the author is the committer too (the
        person who saved).  Names and messages are cleaned as ``identity`` and ``clean_message`` say."""
        who = identity(author)
        stamp = f"{when} +0000"
        lines = [f"tree {tree}"] + [f"parent {check_revision(parent)}" for parent in parents]
        lines += [f"author {who.name} <{who.email}> {stamp}", f"committer {who.name} <{who.email}> {stamp}"]
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
        expected = check_revision(old) if old else "0" * 40
        # git gc locks refs for a moment (packing them, expiring reflogs); wait for it rather
        # than fail the save after git's default 100 ms.
        update = [
            *("-c", "core.filesRefLockTimeout=2000", "update-ref", "-m", "wiki", "--end-of-options"),
            *(name, check_revision(new), expected),
        ]
        result = subprocess.run(self._command(*update, fsync=True), capture_output=True, check=False, env=_C_LOCALE)
        if result.returncode == 0:
            self._moves += 1
            if self._moves % _MAINTAIN_EVERY == 0:
                self.maintain_in_background()
            return True
        if self.ref(name) != old:
            return False
        if _says_disk_full(result.stderr):
            raise DiskFull
        message = result.stderr.decode(errors="replace").strip()
        raise StoreUnavailable(N_("git could not move {ref}: {reason}", ref=name, reason=message))

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

    def parents(self, commit: str) -> list[str]:
        """The parents of a commit, first parent first."""
        data = self._read_object(check_revision(commit), b"commit").decode("utf-8", "replace")
        header = data.split("\n\n", 1)[0]
        return [line[7:47] for line in header.splitlines() if line.startswith("parent ")]

    def check_work_tree_clean(self, paths: list[str]) -> None:
        """Raise ``WorkTreeDirty`` when the work tree has local changes to any of ``paths``."""
        if self.work_tree is None or not paths:
            return
        out = self._run("status", "--porcelain", "-z", "--untracked-files=all", "--", *paths)
        if out.strip(b"\0"):
            raise WorkTreeDirty(
                N_(
                    "The repository's work tree has unsaved local changes to this page. "
                    "They were left alone and your edit was not saved; commit or discard them first."
                )
            )

    def _update_work_tree(self, old: str, new: str) -> None:
        """Bring the work tree along, as ``receive.denyCurrentBranch=updateInstead`` does."""
        try:
            self._run("read-tree", "-u", "-m", old, new)
        except StoreUnavailable:
            log.warning("branch moved to %s but the work tree could not follow", new)

    def maintain_in_background(self) -> None:
        """Start ``maintain()`` in a thread unless one is running (at start-up, then every
        ``_MAINTAIN_EVERY`` ref moves): saves write loose objects that nothing else packs."""
        if self._maintaining.acquire(blocking=False):
            threading.Thread(target=self._maintain_then_release, name="git-maintenance", daemon=True).start()

    def _maintain_then_release(self) -> None:
        try:
            self.maintain()
        finally:
            self._maintaining.release()

    def maintain(self) -> None:
        """Keep git's storage fast to read: pack loose objects when git finds it is time
        (``gc --auto``) with delta chains of at most ``PACK_DEPTH``, and bring the
        commit-graph with changed-path Bloom filters up to date, which keeps git's own walks
        (catching up the index, ancestry checks, blame) fast on long histories.

        A repository whose packs were made elsewhere (an import, a clone, git's own ``gc``)
        is repacked whole once, in the background: 10 s for 50,000 commits.  Safe next to
        writers and readers, as ``git gc`` is: git only prunes unreachable objects weeks old."""
        # The commit-graph is written below, with Bloom filters, which gc's own leaves out.
        depth = ("-c", f"pack.depth={PACK_DEPTH}", "-c", "pack.threads=1", "-c", "gc.writeCommitGraph=false")
        first = self._config(PACK_DEPTH_KEY) != str(PACK_DEPTH)
        started = time.monotonic()
        gc = ("gc", "--quiet") if first else ("-c", "gc.autoDetach=false", "gc", "--auto", "--quiet")
        if not self._maintenance_step(*depth, *gc):
            return
        self._renew_readers()
        graph = self._maintenance_step("commit-graph", "write", "--reachable", "--changed-paths", "--split")
        if first and graph and self._maintenance_step("config", PACK_DEPTH_KEY, str(PACK_DEPTH)):
            log.info("repacked with delta chains of at most %d in %.1f s", PACK_DEPTH, time.monotonic() - started)

    def _config(self, key: str) -> str | None:
        result = self.git("config", "--get", key)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def _maintenance_step(self, *args: str) -> bool:
        """Run one git maintenance command that ``close()`` can stop; True when it succeeded.
        One at a time in the process, whatever the repository (``MAINTENANCE``)."""
        with MAINTENANCE.held():
            with self._maintenance_lock:
                if self._closing:
                    return False
                process = subprocess.Popen(
                    self._command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
                )
                self._maintenance = process
            _, errors = process.communicate()
        with self._maintenance_lock:
            self._maintenance = None
        if process.returncode != 0 and not self._closing:
            log.warning("git %s failed: %s", " ".join(args), errors.decode(errors="replace").strip())
        return process.returncode == 0

    def recover_stale_locks(self) -> list[Path]:
        """Remove ref locks left by a killed process; returns the ones removed.

        Safe because it runs holding the writer lock (so no wiki writer is live), and a
        lock a live git process holds disappears within milliseconds: only a lock that
        outlives a grace period is removed.
        """
        candidates = [
            self.common_dir / (self.branch + ".lock"),
            self.common_dir / "packed-refs.lock",
        ]
        with self.writer():
            present = [path for path in candidates if path.exists()]
            deadline = time.monotonic() + _LOCK_GRACE_SECONDS
            while present and time.monotonic() < deadline:
                time.sleep(0.05)
                present = [path for path in present if path.exists()]
            for path in present:
                log.warning("removing stale lock %s left by a crashed writer", path)
                path.unlink(missing_ok=True)
            for leftover in (self.common_dir / "objects").glob("obj*"):
                leftover.unlink(missing_ok=True)  # gitdb's temporary object files
        return present

    # -- merging --------------------------------------------------------------------------

    @staticmethod
    def merge_texts(base: str, ours: str, theirs: str) -> str | None:
        """Three-way merge of texts with ``git merge-file``; None when they conflict."""
        loopguard.check()
        with tempfile.TemporaryDirectory(prefix="wiki-merge-") as folder:
            names = []
            for label, text in (("ours", ours), ("base", base), ("theirs", theirs)):
                path = Path(folder) / label
                path.write_text(text, encoding="utf-8")
                names.append(str(path))
            result = subprocess.run(["git", "merge-file", "-p", "--", *names], capture_output=True, check=False)
        if result.returncode == 0:
            return result.stdout.decode("utf-8")
        if result.returncode > 0:
            return None
        raise StoreUnavailable(N_("git merge-file failed."))

    # -- plumbing -------------------------------------------------------------------------

    def _command(self, *command: str, fsync: bool = False) -> list[str]:
        """A git command line for this repository, with paths taken literally."""
        loopguard.check()
        args = ["git", f"--git-dir={self.git_dir}"]
        if self.work_tree is not None:
            args.append(f"--work-tree={self.work_tree}")
        args += ["--literal-pathspecs", "--no-optional-locks", "-c", "core.quotePath=false"]
        if fsync:
            args += ["-c", "core.fsync=reference,loose-object", "-c", "core.fsyncMethod=fsync"]
        return [*args, *command]

    def git(self, *args: str, timeout: float | None = None, fsync: bool = False) -> subprocess.CompletedProcess[bytes]:
        """Run a git command on this repository for a sibling store module (the replica);
        never raises for git's exit status, but ``subprocess.TimeoutExpired`` on a timeout."""
        environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        environment.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
        command = self._command(*args, fsync=fsync)
        return subprocess.run(command, capture_output=True, check=False, timeout=timeout, env=environment)

    def _run(self, *args: str) -> bytes:
        result = subprocess.run(self._command(*args), capture_output=True, check=False, env=_C_LOCALE)
        if result.returncode != 0:
            if _says_disk_full(result.stderr):
                raise DiskFull
            raise StoreUnavailable(
                N_("git {command} failed: {reason}", command=args[0], reason=result.stderr.decode(errors="replace"))
            )
        return result.stdout


def _says_disk_full(stderr: bytes) -> bool:
    """True when git failed for want of room (its messages end in the C library's text)."""
    return any(reason in stderr for reason in _NO_ROOM)


def identity(author: Author) -> Author:
    """The name and address as git stores them: without the characters git's format forbids."""
    return Author(_CRUD.sub("", author.name).strip() or "anonymous", _CRUD.sub("", author.email).strip())


def clean_message(message: str) -> str:
    """A commit message without control characters other than newlines and tabs."""
    return "".join(c for c in message if c in "\n\t" or (ord(c) >= 32 and c != "\x7f")).strip()


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _parse_log_record(record: bytes) -> CommitRecord:
    """One commit of ``git log --raw -z`` in ``_LOG_FORMAT``."""
    fields = record.split(b"\0")
    revision, author, email, date, message = (_decode(field) for field in fields[:5])
    rest = [field for field in fields[5:] if field.strip(b"\n")]
    changes = []
    position = 0
    while position < len(rest):
        meta = rest[position].lstrip(b"\n").decode("ascii").split(" ")
        old_blob, new_blob, status = meta[2], meta[3], meta[4][0]
        if status in "RC":
            old_path, path = _decode(rest[position + 1]), _decode(rest[position + 2])
            position += 3
        else:
            old_path, path = None, _decode(rest[position + 1])
            position += 2
        changes.append(
            FileChange(
                status=status,
                path=path,
                old_path=old_path,
                blob=None if status == "D" else new_blob,
                old_blob=None if status == "A" else old_blob,
            )
        )
    return CommitRecord(revision, author, email, int(date), message.strip(), tuple(changes))


def _signal_group(process: subprocess.Popen[bytes], number: int) -> None:
    """Signal the process group a maintenance command leads (nothing when all of it ended)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, number)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
