"""Git's smart HTTP (``git http-backend``) for read-only clones, run as a CGI program.

Only fetching is ever started: the caller (``services.clone``) allows only the
upload-pack service, and git itself is told ``http.receivepack=false``.  git is never
told of a ``Content-Encoding``: bodies come inflated, within the body limit, because
``http-backend`` inflates without any.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CgiAnswer:
    """What git http-backend answered: status, headers, and the body as it streams."""

    status: int
    headers: dict[str, str]
    body: AsyncIterator[bytes]


async def _rest(process: asyncio.subprocess.Process, first: bytes) -> AsyncIterator[bytes]:
    if first:
        yield first
    assert process.stdout is not None
    while chunk := await process.stdout.read(65536):
        yield chunk
    await process.wait()


async def upload_pack(git_dir: Path, path: str, request: Mapping[str, str], body: bytes) -> CgiAnswer:
    """Run ``git http-backend`` for one fetch request (``path`` is ``info/refs`` or ``git-upload-pack``)."""
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
    process = await asyncio.create_subprocess_exec(
        "git", "http-backend", env=environment,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
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
    return CgiAnswer(status, headers, _rest(process, rest))
