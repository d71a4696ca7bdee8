"""A repository and the world beyond it: fetching from and pushing to a shared remote (for a
replica), and the whole repository as one file and back (for backups).

Each is a named method with its own checks, so no other module has to compose git command
lines; git never prompts for a password (the wiki runs unattended) and a remote gets a
time limit.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wiki.errors import N_, NotFound
from wiki.names import check_revision
from wiki.store.git import parsers
from wiki.store.git.maintenance import MaintainedRepository
from wiki.store.git.refs import ASIDE


@dataclass(frozen=True, slots=True)
class RemoteAnswer:
    """What a remote said to a fetch or a push: ``done``; or ``refused`` (a push whose lease
    was stale, or whose ref moved while it was taken); or neither, and git's ``reason``."""

    done: bool
    refused: bool
    reason: str


class ExchangingRepository(MaintainedRepository):
    """A maintained repository that also talks to a remote and writes and reads bundles."""

    # -- a shared remote (the replica) -----------------------------------------------------

    def fetch_from(self, url: str, refspecs: Sequence[str], timeout: float) -> RemoteAnswer:
        """Fetch ``refspecs`` from the remote ``url`` as a mirror of it (refs the remote lost
        are pruned, no tags beyond the refspecs), synced to disk before it returns."""
        mirror = ("--quiet", "--prune", "--no-tags", "--no-write-fetch-head")
        return self._remote(timeout, "fetch", *mirror, url, *refspecs)

    def push_to(self, url: str, name: str, new: str | None, old: str | None, timeout: float) -> RemoteAnswer:
        """Move ``name`` on the remote ``url`` to ``new`` (None: delete it) only while it still
        points at ``old`` (None: it must not exist there); ``refused`` when it did not."""
        lease = f"--force-with-lease={name}:{old or ''}"
        spec = f"{check_revision(new)}:{name}" if new else f":{name}"
        return self._remote(timeout, "push", "--porcelain", "--atomic", "--no-verify", url, lease, spec)

    def _remote(self, timeout: float, *args: str) -> RemoteAnswer:
        """Run a git command that talks to a remote: never a prompt for a password (the wiki
        runs unattended), at most ``timeout`` seconds."""
        environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        environment.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
        command = self._command(*args, fsync=True)
        try:
            result = subprocess.run(command, capture_output=True, check=False, timeout=timeout, env=environment)
        except subprocess.TimeoutExpired:
            return RemoteAnswer(False, False, f"git {args[0]} did not finish within {timeout} s")
        refused = any(line.startswith(b"!") for line in result.stdout.splitlines())
        return RemoteAnswer(result.returncode == 0, refused, result.stderr.decode(errors="replace").strip())

    def set_aside(self, name: str, commit: str) -> None:
        """Point ``name``, a ref under ``refs/replica/diverged/`` (never served), at ``commit``."""
        if not ASIDE.fullmatch(name):
            raise NotFound(N_("No such revision."))
        self._run("update-ref", "-m", "wiki diverged", name, check_revision(commit), fsync=True)

    def has_object(self, sha: str) -> bool:
        """True when this copy holds the object ``sha`` (a commit or a tag)."""
        command = self._command("cat-file", "-e", check_revision(sha))
        return subprocess.run(command, capture_output=True, check=False).returncode == 0

    # -- the whole repository as one file (backups) -----------------------------------------

    def bundle(self, target: Path) -> dict[str, str]:
        """Write every ref and all it reaches to the new file ``target``; the refs it holds.

        Consistent while the wiki saves: the refs are read once, first, and the bundle holds
        exactly those with all they reach (a save writes its objects before it moves a ref).
        Not ``git bundle create --all``: git 2.39 walks the whole history and then reads each
        ref again, and leaves out every ref that moved meanwhile, so a save during a backup
        dropped ``main`` from the bundle (and with no other ref, git refused "to create empty
        bundle").  The header is the bundle format's own (``gitformat-bundle``: a v2 bundle
        without prerequisites), the pack git's, and ``git bundle verify`` checks the file.
        """
        refs = parsers.parse_refs(self._run("for-each-ref", "--format=%(refname) %(objectname)"))
        header = "# v2 git bundle\n" + "".join(f"{sha} {name}\n" for name, sha in refs.items()) + "\n"
        wanted = "".join(f"{sha}\n" for sha in refs.values())
        with target.open("xb") as bundle:
            bundle.write(header.encode("utf-8"))
            bundle.flush()
            self._run(
                "pack-objects",
                "--stdout",
                "--revs",
                "--delta-base-offset",
                "--quiet",
                given=wanted.encode(),
                into=bundle,
            )
        self._run("bundle", "verify", "--quiet", str(target))
        return refs
