"""Reading a repository through git commands: refs, changed files, history, blame, tags.

Every value handed to a git command is either produced here (object ids) or checked by
``wiki.names`` or ``refs`` first, and paths always follow ``--`` with
``--literal-pathspecs`` on.  Output is read by the pure functions of ``parsers``.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO

from git import Repo

from wiki.errors import N_, DiskFull, NotFound, StoreUnavailable, WorkTreeDirty
from wiki.models import CommitRecord
from wiki.names import check_revision
from wiki.store import loopguard
from wiki.store.git import parsers, streams
from wiki.store.git.linediffs import CommitDiff, LineDiffs
from wiki.store.git.objects import ObjectStore
from wiki.store.git.parsers import BlameLine, TagRecord
from wiki.store.git.refs import PREFIX, RefFiles, served_branch
from wiki.store.gitslots import BLAME

# git's errors in English whatever the server's locale, so a full disk is recognised.
C_LOCALE = {**os.environ, "LC_ALL": "C"}
_NO_ROOM = (os.strerror(errno.ENOSPC).encode(), os.strerror(errno.EDQUOT).encode())


def says_disk_full(stderr: bytes) -> bool:
    """True when git failed for want of room (its messages end in the C library's text)."""
    return any(reason in stderr for reason in _NO_ROOM)


class GitReader(ObjectStore):
    """One git repository (bare, or with a work tree) and the branch HEAD points to, read."""

    def __init__(self, path: Path) -> None:
        """Open an existing repository; raise ``StoreUnavailable`` when it is not one."""
        try:
            probe = Repo(path)
        except Exception as error:
            raise StoreUnavailable(N_("{path} is not a git repository.", path=path)) from error
        try:
            super().__init__(Path(probe.git_dir))
            self.common_dir = Path(probe.common_dir)
            self.work_tree = None if probe.bare else Path(str(probe.working_tree_dir))
        finally:
            probe.close()
        self.branch = served_branch(self.git_dir)
        self._ref_files = RefFiles(self.common_dir)
        self._line_diffs = LineDiffs(self._command)

    def close(self) -> None:
        """Stop the reader processes and the diff process (idempotent)."""
        self._line_diffs.close()
        super().close()

    def head(self) -> str | None:
        """The commit the served branch points to, read from the ref files without spawning git."""
        return self.ref(self.branch)

    def ref(self, name: str) -> str | None:
        """The object a ref points to (loose or packed), or None; ``name`` must be one of ours."""
        return self._ref_files.get(name)

    def refs(self, prefix: str) -> dict[str, str]:
        """Every ref under ``prefix`` (such as ``refs/heads/proposals/``, or a replica's
        ``refs/replica/remote/``) with its object."""
        if not PREFIX.fullmatch(prefix):
            raise NotFound(N_("No such revision."))
        return parsers.parse_refs(self._run("for-each-ref", "--format=%(refname) %(objectname)", "--", prefix))

    def changed_paths(self, old: str, new: str) -> list[str]:
        """The files that differ between two commits or trees (no rename detection)."""
        out = self._run(
            "diff-tree", "-r", "-z", "--no-renames", "--name-only", check_revision(old), check_revision(new)
        )
        return [parsers.decode(path) for path in out.split(b"\0") if path]

    def list_files(self, commit: str) -> dict[str, str]:
        """Every file in ``commit``'s tree with its blob id."""
        return parsers.parse_tree_listing(self._run("ls-tree", "-r", "-z", "--full-tree", check_revision(commit)))

    def log(self, newest: str, stop_at: str | None = None) -> Iterator[CommitRecord]:
        """Commits on the first-parent line from ``stop_at`` (excluded) to ``newest``, oldest
        first, each with its changed files (renames detected) and their sizes.
        """
        return streams.commits(self._log_command(newest, stop_at), self._sizes_command())

    def log_beside(self, newest: str) -> AbstractContextManager[Callable[[], Iterator[CommitRecord]]]:
        """The whole ``log`` up to ``newest``, with git started now to run beside what the
        caller does inside; calling what it gives waits for git and yields the commits."""
        return streams.spooled_commits(self._log_command(newest, None), self._sizes_command())

    def _sizes_command(self) -> list[str]:
        return self._command("cat-file", "--batch-check=%(objectname) %(objectsize)")

    def _log_command(self, newest: str, stop_at: str | None) -> list[str]:
        revisions = [check_revision(newest)]
        if stop_at is not None:
            revisions.append("^" + check_revision(stop_at))
        return self._command(
            "log",
            "--reverse",
            "--first-parent",
            "-m",
            "--root",
            "--raw",
            "-M",
            "--no-abbrev",
            "-z",
            f"--format={parsers.LOG_FORMAT}",
            *revisions,
            "--",
        )

    def blob_sizes(self, blobs: Iterable[str]) -> dict[str, int]:
        """The size of each blob, asked of one ``git cat-file --batch-check``."""
        return streams.blob_sizes(self._sizes_command(), blobs)

    def read_blobs(self, blobs: list[str]) -> Generator[tuple[str, bytes | None], None, None]:
        """Each blob with its content (None: no such blob), in order, from one ``git cat-file
        --batch``: many at once without a round trip each (a rebuild reads every page)."""
        return streams.blobs(self._command("cat-file", "--batch"), blobs)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is reachable from ``descendant``."""
        command = self._command("merge-base", "--is-ancestor", check_revision(ancestor), check_revision(descendant))
        result = subprocess.run(command, capture_output=True, check=False)
        return result.returncode == 0

    def commits_between(self, left_out: str, wanted: str) -> list[str]:
        """The commits reachable from ``wanted`` and not from ``left_out`` (``git rev-list
        left_out..wanted``): for a merge, its second parent's own commits."""
        out = self._run("rev-list", check_revision(wanted), "^" + check_revision(left_out), "--")
        return out.decode("ascii").split()

    def merge_base(self, one: str, other: str) -> str | None:
        """The best common ancestor of two commits (where a branch started from the other), or None."""
        command = self._command("merge-base", check_revision(one), check_revision(other))
        result = subprocess.run(command, capture_output=True, check=False)
        return result.stdout.decode().strip() or None if result.returncode == 0 else None

    def count_between(self, old: str | None, new: str) -> int:
        """How many commits ``new`` has that ``old`` lacks (all of its history when ``old`` is
        None): how far behind something that reflects ``old`` is."""
        span = check_revision(new) if old is None else f"{check_revision(old)}..{check_revision(new)}"
        return int(self._run("rev-list", "--count", span, "--").strip() or b"0")

    def blame(self, commit: str, path: str) -> list[BlameLine]:
        """Who last changed each line of ``path`` as of ``commit``, from ``git blame --porcelain``
        (in one of the few blame slots: ``Busy`` when none comes in time)."""
        with BLAME.held():
            out = self._run("blame", "--porcelain", check_revision(commit), "--", path)
        return parsers.parse_blame(out)

    def diffs(self, commits: Iterable[str]) -> list[CommitDiff]:
        """Each commit's parents, author and line hunks against each parent, from the one
        long-lived ``git diff-tree --stdin`` (no process started per call)."""
        return self._line_diffs.of(commits)

    def tags(self, prefix: str) -> list[TagRecord]:
        """Annotated tags under ``refs/tags/`` whose names start with ``prefix``, newest first."""
        out = self._run("for-each-ref", "--sort=-creatordate", f"--format={parsers.TAG_FORMAT}", "refs/tags/")
        return parsers.parse_tags(out, prefix)

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

    def _run(self, *args: str, fsync: bool = False, given: bytes | None = None, into: BinaryIO | None = None) -> bytes:
        """git's output (``StoreUnavailable`` when it fails); ``given`` goes to its input, and
        with ``into`` its output goes to that file instead (the returned output is then empty)."""
        output = subprocess.PIPE if into is None else into
        command = self._command(*args, fsync=fsync)
        result = subprocess.run(command, input=given, stdout=output, stderr=subprocess.PIPE, check=False, env=C_LOCALE)
        if result.returncode != 0:
            if says_disk_full(result.stderr):
                raise DiskFull
            raise StoreUnavailable(
                N_("git {command} failed: {reason}", command=args[0], reason=result.stderr.decode(errors="replace"))
            )
        return result.stdout
