"""Moving refs without starting a process per move: one long-lived ``git update-ref --stdin``.

A save used to spawn ``git update-ref <ref> <new> <old>`` (1 to 1.5 ms here, 14 % of the
writer's time). One process started on the first move takes every later move as a
transaction (``start``, ``update``/``delete``, ``prepare``, ``commit``): git locks the ref,
checks the old value (the compare-and-swap), syncs the ref file as ``core.fsync`` says and
renames it into place, as the single command did. A refused ``prepare`` ends the process
(git 2.39 has no way to go on after one), so the next move starts a new one. When the wiki
dies, the process reads the end of its input and aborts a transaction it had not been told
to commit, leaving no lock behind.

Used only by the holder of the repository's writer slot, so one move at a time.
"""

from __future__ import annotations

import contextlib
import subprocess
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO

from wiki.names import check_revision
from wiki.store.git.refs import REF

_ZERO = "0" * 40


@dataclass(frozen=True, slots=True)
class RefMove:
    """One ref to move from ``old`` (None: must not exist yet) to ``new`` (None: deleted)."""

    ref: str
    new: str | None
    old: str | None

    def line(self) -> str:
        """The instruction for ``update-ref --stdin``; every value checked before git sees it."""
        if not REF.fullmatch(self.ref):
            raise ValueError(f"not one of the wiki's refs: {self.ref!r}")
        old = check_revision(self.old) if self.old else _ZERO
        if self.new is None:
            return f"delete {self.ref} {old}\n"
        return f"update {self.ref} {check_revision(self.new)} {old}\n"


@dataclass(frozen=True, slots=True)
class Refused:
    """Why git refused a transaction: its message (``update-ref`` has ended)."""

    stderr: bytes


class RefUpdater:
    """One ``git update-ref --stdin`` process, started when first needed; ``command`` is the
    command line (the repository's, with its fsync settings)."""

    def __init__(self, command: Callable[[], Sequence[str]], env: dict[str, str]) -> None:
        self._command = command
        self._env = env
        self._process: subprocess.Popen[bytes] | None = None

    def apply(self, moves: Sequence[RefMove]) -> Refused | None:
        """Move every ref of ``moves`` at once, or none of them (``Refused``, with git's reason:
        an old value that no longer holds, a lock it could not take, a full disk)."""
        lines = "".join(move.line() for move in moves)
        process = self._running()
        try:
            self._say(process, "start\n", "start: ok")
            self._say(process, lines + "prepare\n", "prepare: ok")
            self._say(process, "commit\n", "commit: ok")
        except (BrokenPipeError, _Ended):
            return Refused(self._end(process))
        return None

    def close(self) -> None:
        """Stop the process (idempotent); a transaction not committed is aborted by git."""
        if self._process is not None:
            self._end(self._process)

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                list(self._command()),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self._env,
            )
            # A repository dropped without ``close`` (a script, a test) stops its process too.
            weakref.finalize(self, _stop, self._process)
        return self._process

    @staticmethod
    def _say(process: subprocess.Popen[bytes], text: str, answer: str) -> None:
        stdin, stdout = _pipes(process)
        stdin.write(text.encode("ascii"))
        stdin.flush()
        if stdout.readline().decode("ascii", "replace").strip() != answer:
            raise _Ended

    def _end(self, process: subprocess.Popen[bytes]) -> bytes:
        """Stop the process and return what it said on stderr."""
        self._process = None
        return _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> bytes:
    """Close the process's input (it ends there), wait for it, and return its stderr."""
    if process.stdin is not None and not process.stdin.closed:
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
    stderr = b""
    if process.stderr is not None and not process.stderr.closed:
        stderr = process.stderr.read()
        process.stderr.close()
    process.wait()
    if process.stdout is not None:
        process.stdout.close()
    return stderr


class _Ended(Exception):
    """update-ref did not answer as a transaction that went through does."""


def _pipes(process: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    assert process.stdin is not None
    assert process.stdout is not None
    return process.stdin, process.stdout
