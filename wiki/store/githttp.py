"""Git's smart HTTP (``git http-backend``) for read-only clones, run as a CGI program.

Only fetching is ever started: the caller (``services.clone``) allows only the
upload-pack service, and git itself is told ``http.receivepack=false``.  git is never
told of a ``Content-Encoding``: bodies come inflated, within the body limit, because
``http-backend`` inflates without any.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wiki.store.gitslots import UPLOAD_PACK


async def _nothing() -> None:
    """Closing an answer that has no process."""


@dataclass(frozen=True)
class CgiAnswer:
    """What git http-backend answered: status, headers, and the body as it streams.

    ``close()`` must be awaited once the answer is done with, sent in full or not (a client
    that went away): it ends git (killing it if it still runs), reaps it, frees its slot."""

    status: int
    headers: dict[str, str]
    body: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]] = field(default=_nothing)


class _Backend:
    """One ``git http-backend`` process in an upload-pack slot, ended exactly once."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self._ended = False

    async def end(self) -> None:
        """Kill git's process group (http-backend, and the upload-pack and pack-objects it
        started, which would otherwise go on writing into a pipe no one reads), give the slot
        back (both once), and reap it.  The kill and the slot come before any wait, so even a
        cancelled caller leaves no git running."""
        if not self._ended:
            self._ended = True
            if self.process.returncode is None:  # not reaped yet: the group is still git's
                with contextlib.suppress(ProcessLookupError):  # upload-pack and pack-objects too
                    os.killpg(self.process.pid, signal.SIGKILL)
            UPLOAD_PACK.release()
        await self.process.wait()  # again on a second call: the first one may have been cancelled

    async def rest(self, first: bytes) -> AsyncIterator[bytes]:
        """The body: what came with the headers, then git's output until it ends."""
        try:
            if first:
                yield first
            assert self.process.stdout is not None
            while chunk := await self.process.stdout.read(65536):
                yield chunk
            await self.process.wait()
        finally:
            await self.end()


async def upload_pack(git_dir: Path, path: str, request: Mapping[str, str], body: bytes) -> CgiAnswer:
    """Run ``git http-backend`` for one fetch request (``path`` is ``info/refs`` or ``git-upload-pack``).

    It waits for one of the few upload-pack slots (``Busy`` when none comes in time); the
    answer holds the slot until it is closed."""
    environment = {
        "GIT_PROJECT_ROOT": str(git_dir),
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": "/" + path,
        "QUERY_STRING": request.get("query", ""),
        "REQUEST_METHOD": request.get("method", "GET"),
        "CONTENT_TYPE": request.get("content_type", ""),
        "GIT_PROTOCOL": request.get("git_protocol", ""),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.receivepack",
        "GIT_CONFIG_VALUE_0": "false",
    }
    await UPLOAD_PACK.take_async()
    try:
        process = await asyncio.create_subprocess_exec(
            "git", "http-backend", env=environment,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so ending it ends the git it started
        )  # fmt: skip
    except BaseException:
        UPLOAD_PACK.release()
        raise
    backend = _Backend(process)
    try:
        status, headers, rest = await _headers(process, body)
    except BaseException:
        await backend.end()
        raise
    return CgiAnswer(status, headers, backend.rest(rest), backend.end)


async def _headers(process: asyncio.subprocess.Process, body: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send the request body, then read git's CGI headers: (status, headers, the body's start)."""
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        process.stdin.write(body)
        await process.stdin.drain()
        process.stdin.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # git refused the request before reading all of it; its answer says why
    header_bytes = b""
    while b"\r\n\r\n" not in header_bytes and b"\n\n" not in header_bytes:
        chunk = await process.stdout.read(4096)
        if not chunk:
            break
        header_bytes += chunk
    separator = b"\r\n\r\n" if b"\r\n\r\n" in header_bytes else b"\n\n"
    head, _sep, rest = header_bytes.partition(separator)
    status = 200
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").splitlines():
        name, _colon, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split(" ")[0])
        elif name:
            headers[name.strip()] = value.strip()
    return status, headers, rest
