"""HTTP abuse against the real server process: every answer is the right status, never a 500,
and normal requests keep being served (their time is printed, not asserted)."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.server import running_server
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import open_site


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else 0


def exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes and read the answer's head (the server may close early)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(data)
        reply = b""
        try:
            while b"\r\n\r\n" not in reply:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                reply += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        return reply


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, str]]:
    """Why: abuse must be answered by the real server (uvicorn limits and all), not a test client."""
    monkeypatch.setenv("WIKI_RECEIVE_TIMEOUT", "1")
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    site = open_site(settings)
    token = site.accounts.create_token(site.accounts.add_user("beheerder", PASSWORD, Role.MAINTAINER).username)
    site.close()
    with running_server(settings, tmp_path / "server.log") as base:
        yield int(base.rsplit(":", 1)[1]), token


def healthy(port: int) -> float:
    start = time.perf_counter()
    reply = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_of(reply) == 200
    return (time.perf_counter() - start) * 1000


@pytest.mark.slow
def test_abuse_is_answered_and_normal_requests_keep_working(server: tuple[int, str]) -> None:
    port, token = server
    auth = f"Authorization: Bearer {token}\r\n".encode()
    figures: dict[str, object] = {}

    over = b'{"body": "' + b"x" * (1_048_576 - 11) + b'"}'
    head = b"PUT /api/pages/groot HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + auth
    reply = exchange(port, head + f"Content-Length: {len(over)}\r\nConnection: close\r\n\r\n".encode() + over)
    assert len(over) == 1_048_577
    figures["one byte over the body limit"] = status_of(reply)

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (1_048_576, b"x" * 1_048_576)
        sent = 0
        try:
            while sent < 100 * 1_048_576:
                connection.sendall(chunk)
                sent += 1_048_576
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = connection.recv(65536)
    figures["100 MB chunked body"] = (status_of(reply), f"{sent // 1_048_576} MB sent before the answer")

    invalid = [b"/p/%FF%FE", b"/search?q=%C3%28", b"/api/pages/%80abc", b"/p/a%00b", b"/history/%ED%A0%80"]
    statuses = set()
    for index in range(50):
        target = invalid[index % len(invalid)] + (b"" if index < 5 else b"x" * index)
        statuses.add(status_of(exchange(port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")))
    form = b"q=%FF%FE&csrf_token=\xff\xfe"
    form_head = b"POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    statuses.add(
        status_of(exchange(port, form_head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(form) + form))
    )
    figures["50 invalid UTF-8 inputs"] = sorted(statuses)

    many = b"".join(b"X-H%d: 1\r\n" % n for n in range(200))
    figures["200 headers"] = status_of(
        exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"Connection: close\r\n\r\n")
    )
    big = b"X-Big: " + b"a" * 32 * 1024 + b"\r\n"
    figures["a 32 KB header"] = status_of(
        exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n" + big + b"Connection: close\r\n\r\n")
    )

    boundary = b"grens"
    parts = b"".join(b'--grens\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % n for n in range(5000))
    body = parts + b"--grens--\r\n"
    multipart = b"POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=" + boundary
    multipart += b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    figures["5,000 multipart parts"] = status_of(exchange(port, multipart + body))

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head + b"Content-Length: 100\r\n\r\n" + b'{"body": ')  # and then pause
        started = time.perf_counter()
        reply = connection.recv(65536)
    figures["a body that pauses (timeout 1 s)"] = (status_of(reply), f"after {time.perf_counter() - started:.1f} s")

    slow = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(10)]
    for connection in slow:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never finish the request
    during = [healthy(port) for _ in range(20)]
    for connection in slow:
        connection.close()
    figures["/healthz while 10 clients stall"] = f"20 answered, median {sorted(during)[10]:.1f} ms"

    print("\n" + "\n".join(f"{name}: {value}" for name, value in figures.items()))
    assert figures["one byte over the body limit"] == 413
    assert figures["100 MB chunked body"][0] == 413  # type: ignore[index]
    assert all(0 < code < 500 for code in figures["50 invalid UTF-8 inputs"])  # type: ignore[attr-defined]
    assert figures["200 headers"] in (400, 431)
    assert figures["a 32 KB header"] in (400, 431)
    assert figures["5,000 multipart parts"] == 400
    assert figures["a body that pauses (timeout 1 s)"][0] == 408  # type: ignore[index]
    assert healthy(port) < 1000  # answers 200 (checked inside), and within a second, after all of the above
