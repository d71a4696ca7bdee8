"""``git http-backend`` for read-only clones: the process, its upload-pack slot, its end.

Only fetching is ever started: the caller (``services.clone``) allows only the
upload-pack service, and git itself is told ``http.receivepack=false``.  git is never
told of a ``Content-Encoding``: bodies come inflated, within the body limit, because
``http-backend`` inflates without any.  What git writes back is CGI output (headers,
then the pack); turning it into an HTTP answer is the web layer's work (``web.gitcgi``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from wiki.store.gitslots import UPLOAD_PACK


@dataclass(frozen=True)
class CgiRequest:
    """One fetch as git's CGI program is told of it (``path``: ``info/refs`` or ``git-upload-pack``)."""

    path: str
    method: str
    query: str
    content_type: str
    git_protocol: str
    body: bytes


class CgiOutput:
    """What one ``git http-backend`` process writes, as it streams, in an upload-pack slot.

    ``close()`` must be awaited once the output is done with, read in full or not (a client
    that went away): it ends git (killing it if it still runs), reaps it, frees its slot."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self._ended = False

    async def close(self) -> None:
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

    async def chunks(self) -> AsyncIterator[bytes]:
        """git's output until it ends (headers first); the process is reaped at the end."""
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(65536):
            yield chunk
        await self.process.wait()


async def run_upload_pack(git_dir: Path, request: CgiRequest) -> CgiOutput:
    """Start ``git http-backend`` for one fetch request and hand it the body.

    It waits for one of the few upload-pack slots (``Busy`` when none comes in time); the
    output holds the slot until it is closed."""
    environment = {
        "GIT_PROJECT_ROOT": str(git_dir),
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": "/" + request.path,
        "QUERY_STRING": request.query,
        "REQUEST_METHOD": request.method,
        "CONTENT_TYPE": request.content_type,
        "GIT_PROTOCOL": request.git_protocol,
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
    output = CgiOutput(process)
    try:
        await _send(process, request.body)
    except BaseException:
        await output.close()
        raise
    return output


async def _send(process: asyncio.subprocess.Process, body: bytes) -> None:
    """Write the request body to git and close its input."""
    assert process.stdin is not None
    try:
        process.stdin.write(body)
        await process.stdin.drain()
        process.stdin.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # git refused the request before reading all of it; its answer says why
