"""git's CGI output (``Status:``, headers, a blank line, the pack) as an HTTP answer.

``git http-backend`` speaks CGI; the store starts it and streams what it writes
(``store.git.http_backend``), and this module reads that as HTTP: the status, the
headers, and the rest streamed on.  However sending ends, git is ended and reaped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from wiki.store.git.http_backend import CgiOutput


@dataclass(frozen=True)
class CgiHead:
    """The head of git's answer, and the bytes of the body that came with it."""

    status: int
    headers: dict[str, str]
    rest: bytes


async def read_head(chunks: AsyncIterator[bytes]) -> CgiHead:
    """Read ``chunks`` (git's output) until the blank line that ends its CGI headers."""
    header_bytes = b""
    while b"\r\n\r\n" not in header_bytes and b"\n\n" not in header_bytes:
        chunk = await anext(chunks, b"")
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
    return CgiHead(status, headers, rest)


async def git_response(output: CgiOutput) -> StreamingResponse:
    """The HTTP answer for git's output; git is ended if reading its headers fails."""
    chunks = output.chunks()
    try:
        head = await read_head(chunks)
    except BaseException:
        await output.close()
        raise
    headers = dict(head.headers)
    media_type = headers.pop("Content-Type", "application/octet-stream")
    body = _body(head.rest, chunks)
    return GitResponse(output, body, status_code=head.status, headers=headers, media_type=media_type)


async def _body(first: bytes, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The body: what came with the headers, then git's output until it ends."""
    if first:
        yield first
    async for chunk in chunks:
        yield chunk


class GitResponse(StreamingResponse):
    """git's answer as it streams; closed however sending ends, so a client that goes away
    mid-clone leaves no git process writing into a pipe no one reads."""

    def __init__(self, output: CgiOutput, body: AsyncIterator[bytes], **kwargs: Any) -> None:
        super().__init__(body, **kwargs)
        self.output = output

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.output.close()
