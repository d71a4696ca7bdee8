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

    def push_to(self, url: str, name: str, new: str, old: str | None, timeout: float) -> RemoteAnswer:
        """Move ``name`` on the remote ``url`` to ``new`` only while it still points at ``old``
        (None: it must not exist there); ``refused`` when it did not."""
        lease = f"--force-with-lease={name}:{old or ''}"
        return self._remote(timeout, "push", "--porcelain", "--atomic", "--no-verify", url, lease, f"{new}:{name}")

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

        Consistent while the wiki saves: a save writes its objects before it moves a ref,
        and the bundle reads the refs first, then packs what they reach."""
        self._run("bundle", "create", "--quiet", str(target), "--all")
        heads = self._run("bundle", "list-heads", str(target))
        found = (line.split(" ", 1) for line in heads.decode("utf-8").splitlines() if line)
        return {name: sha for sha, name in found if name.startswith("refs/")}
