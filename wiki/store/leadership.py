"""Which of several processes serving one repository runs the work that must run once.

``wiki serve --workers N`` starts N processes on one repository and one database.  Serving,
saving (the writer lock is a ``flock`` too) and keeping pages work in each of them; git
maintenance at start-up, fetching from the shared remote, the mail sender, the deadline check
and the separate metrics address must not run N times.  The process that holds an exclusive
``flock`` on a file in the repository does them: the kernel lets one process hold it and drops
it when that process ends, however it ends, so a worker that takes over never finds a stale
leader.  The file holds the leader's process id, for an operator who wants to know.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class Leadership:
    """The leader's lock on one file: taken without waiting, held until ``release``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = -1

    @property
    def held(self) -> bool:
        """Whether this process leads now."""
        return self._fd >= 0

    def try_take(self) -> bool:
        """Lead if nobody does (True), else leave things as they are (False); never waits."""
        if self.held:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        """Stop leading (idempotent): another process may take it at once."""
        if self._fd >= 0:
            os.close(self._fd)  # closing the only descriptor drops the lock
            self._fd = -1
