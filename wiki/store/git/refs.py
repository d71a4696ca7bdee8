"""The refs the wiki reads and moves: which names it accepts, and reading them from git's
files (loose or packed) without starting a process."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from wiki.errors import N_, NotFound, StoreUnavailable

BRANCH = re.compile(r"refs/heads/[A-Za-z0-9][A-Za-z0-9._/-]{0,200}")
# The refs the wiki itself reads and moves: branches, proposal records, tags.
REF = re.compile(r"refs/(heads|meta|tags)(/[A-Za-z0-9][A-Za-z0-9._-]{0,100}){1,4}")
# Where a replica keeps, never served, its own side of a ref that went two ways.
ASIDE = re.compile(r"refs/replica/diverged(/[A-Za-z0-9][A-Za-z0-9._-]{0,100}){1,5}")
# What ``refs()`` lists: one of the wiki's namespaces or a part of it, or what a replica saw.
PREFIX = re.compile(r"refs/(heads|meta|tags|replica/remote)(/[A-Za-z0-9][A-Za-z0-9._-]{0,100}){0,6}/?")


def check_ref(name: str) -> str:
    """``name`` when it is one of the wiki's refs; ``NotFound`` otherwise (a value from a
    request never reaches git unchecked)."""
    if not REF.fullmatch(name):
        raise NotFound(N_("No such revision."))
    return name


def served_branch(git_dir: Path) -> str:
    """The branch HEAD points to; ``StoreUnavailable`` when HEAD is detached or odd."""
    head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    if not head.startswith("ref: "):
        raise StoreUnavailable(N_("HEAD is detached: the wiki serves the branch HEAD points to."))
    ref = head[5:].strip()
    if not BRANCH.fullmatch(ref):
        raise StoreUnavailable(N_("HEAD points to '{ref}', which is not a branch the wiki serves.", ref=ref))
    return ref


#: Nanoseconds a loose ref file must have stood unchanged before what it says is kept by its
#: inode, time and size: two moves within one tick of the file system's coarse clock could
#: leave a file with the inode, time and size of the one before it (git's "racy" rule, which
#: its index follows for the same reason).  Younger, it is read again.
SETTLED_NS = 100_000_000


class RefFiles:
    """Reads refs the way git stores them: a loose file first, else ``packed-refs``."""

    def __init__(self, common_dir: Path) -> None:
        """Read refs of the repository whose shared folder is ``common_dir``."""
        self._common_dir = common_dir
        self._root = str(common_dir)
        self._packed: tuple[tuple[int, int, int] | None, dict[str, str]] = (None, {})
        self._loose: dict[str, tuple[tuple[int, int, int], str]] = {}

    def get(self, name: str) -> str | None:
        """The object a ref points to (loose or packed), or None; ``name`` must be one of ours.

        Every view asks for the served branch, so a loose file that has settled is read once
        and then known by a ``stat`` (git replaces a ref's file, never writes into it): open,
        read and close cost a view about 5 % more."""
        check_ref(name)
        path = os.path.join(self._root, name)
        try:
            stat = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            self._loose.pop(name, None)
            return self._packed_refs().get(name)
        version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        known = self._loose.get(name)
        if known is not None and known[0] == version:
            return known[1]
        try:
            with open(path, encoding="ascii") as file:
                value = file.read().strip()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            value = ""
        if not value:
            return self._packed_refs().get(name)
        if time.time_ns() - stat.st_mtime_ns > SETTLED_NS:
            self._loose[name] = (version, value)
        else:
            self._loose.pop(name, None)
        return value

    def _packed_refs(self) -> dict[str, str]:
        """The refs in ``packed-refs``, parsed again only when git replaced the file (it always
        writes a new one and renames it over the old), so a packed branch costs a stat()."""
        path = self._common_dir / "packed-refs"
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
