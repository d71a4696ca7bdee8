"""Keeping git's storage fast, in the background, and stoppable; and clearing the locks a
killed writer left behind."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from wiki.store.git.reading import GitReader
from wiki.store.gitslots import MAINTENANCE

log = logging.getLogger(__name__)

_LOCK_GRACE_SECONDS = 1.0
_STOP_SECONDS = 10.0
# Longest chain of deltas git may store for one object in the wiki's packs (git's default: 50).
# Reading an old version unpacks its whole chain: on a page with 5,000 revisions a random one
# took 0.63 ms to read from chains of 50 and 0.31 ms from chains of 10, for 6 % more disk.
PACK_DEPTH = 10
# Set in the repository's configuration once all of its packs keep to PACK_DEPTH.
PACK_DEPTH_KEY = "wiki.packdepth"


class MaintainedRepository(GitReader):
    """A repository whose packs and commit-graph are kept up to date by git commands that
    run one at a time, in a thread, and that ``close()`` stops with all their children."""

    def __init__(self, path: Path) -> None:
        """Open the repository at ``path``; no maintenance runs until asked."""
        super().__init__(path)
        self._maintaining = threading.Lock()
        self._maintenance: subprocess.Popen[bytes] | None = None
        self._maintenance_lock = threading.Lock()
        self._closing = False
        # Called after every maintenance run with whether it succeeded (metrics count them).
        self.maintenance_listeners: list[Callable[[bool], None]] = []

    def close(self) -> None:
        """Stop any maintenance, then the readers (idempotent).  git removes its temporary
        files and locks when stopped."""
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
        super().close()

    def maintain_in_background(self) -> None:
        """Start ``maintain()`` in a thread unless one is running, here or in another process
        on this repository (at start-up, then every few hundred ref moves): saves write loose
        objects that nothing else packs."""
        if self._maintaining.acquire(blocking=False):
            threading.Thread(target=self._maintain_then_release, name="git-maintenance", daemon=True).start()

    def _maintain_then_release(self) -> None:
        try:
            with _across_processes(self.common_dir / "wiki-maintenance.flock") as alone:
                if alone:  # else another worker of ``wiki serve --workers`` maintains right now
                    self.maintain()
        finally:
            self._maintaining.release()

    def maintain(self) -> None:
        """Run the maintenance below, then tell ``maintenance_listeners`` whether it succeeded."""
        done = self._maintain()
        for listener in self.maintenance_listeners:
            listener(done)

    def _maintain(self) -> bool:
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
            return False
        self._renew_readers()
        graph = self._maintenance_step("commit-graph", "write", "--reachable", "--changed-paths", "--split")
        if first and graph and self._maintenance_step("config", PACK_DEPTH_KEY, str(PACK_DEPTH)):
            log.info("repacked with delta chains of at most %d in %.1f s", PACK_DEPTH, time.monotonic() - started)
        return graph

    def _config(self, key: str) -> str | None:
        result = subprocess.run(self._command("config", "--get", key), capture_output=True, check=False)
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


def remove_stale_locks(common_dir: Path, branch: str) -> list[Path]:
    """Remove the ref locks (and gitdb's temporary object files) a killed writer left in the
    repository at ``common_dir``; returns the locks removed.  Call it holding the writer
    lock, so no wiki writer is live: a lock a live git process holds disappears within
    milliseconds, so only a lock that outlives a grace period is removed."""
    candidates = [common_dir / (branch + ".lock"), common_dir / "packed-refs.lock"]
    present = [path for path in candidates if path.exists()]
    deadline = time.monotonic() + _LOCK_GRACE_SECONDS
    while present and time.monotonic() < deadline:
        time.sleep(0.05)
        present = [path for path in present if path.exists()]
    for path in present:
        log.warning("removing stale lock %s left by a crashed writer", path)
        path.unlink(missing_ok=True)
    for leftover in (common_dir / "objects").glob("obj*"):
        leftover.unlink(missing_ok=True)  # gitdb's temporary object files
    return present


@contextlib.contextmanager
def _across_processes(path: Path) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``path`` for the block (True), or say another process
    holds it (False) without waiting; the kernel drops it with the process, however it ends."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _signal_group(process: subprocess.Popen[bytes], number: int) -> None:
    """Signal the process group a maintenance command leads (nothing when all of it ended)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, number)
