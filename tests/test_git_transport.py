"""``git clone`` over HTTP under attack: compressed bodies, many clients at once, clients that leave."""

from __future__ import annotations

import asyncio
import gzip
import os
import subprocess
import threading
import time
import zlib
from collections.abc import MutableMapping
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.apart import run_apart
from wiki.errors import BadInput, TooLarge
from wiki.services.site import Site
from wiki.store.git.http_backend import CgiRequest, run_upload_pack
from wiki.store.gitslots import BLAME, UPLOAD_PACK
from wiki.web.app import create_app
from wiki.web.bodies import inflated
from wiki.web.gitcgi import read_head
from wiki.web.readers import ReaderCache

REQUEST = {"Content-Type": "application/x-git-upload-pack-request", "Accept-Language": "en"}


def pkt(line: str) -> bytes:
    """One pkt-line of git's protocol."""
    return f"{len(line) + 4:04x}{line}".encode()


def fetch_request(revision: str) -> bytes:
    """What ``git clone`` asks ``upload-pack`` for (protocol v0): one commit, no haves."""
    return pkt(f"want {revision}\n") + b"0000" + pkt("done\n")


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every process the git HTTP store starts, as started."""
    started: list[Any] = []
    real = asyncio.create_subprocess_exec

    async def spawn(*args: Any, **kwargs: Any) -> Any:
        process = await real(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_exec", spawn)
    return started


# -- compressed bodies ----------------------------------------------------------------------


def test_a_compressed_clone_request_is_inflated_for_git(client: TestClient, site: Site) -> None:
    body = gzip.compress(fetch_request(str(site.repo.head())))
    response = client.post("/wiki.git/git-upload-pack", content=body, headers={**REQUEST, "Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-git-upload-pack-result"
    assert response.content.startswith(pkt("NAK\n"))
    assert b"PACK" in response.content


def test_a_gzip_bomb_is_refused_before_git_sees_it(client: TestClient, spawned: list[Any]) -> None:
    """20 KB that inflate to 20 MB (a 596 KB one made 200 MB): 413 once past 1 MB, no git started."""
    bomb = gzip.compress(b"0" * 20_000_000, compresslevel=9)
    assert len(bomb) < 50_000
    for encoding, body in (("gzip", bomb), ("deflate", zlib.compress(b"0" * 20_000_000, 9))):
        headers = {**REQUEST, "Content-Encoding": encoding}
        response = client.post("/wiki.git/git-upload-pack", content=body, headers=headers)
        assert response.status_code == 413
        assert "too large once unpacked" in response.text
    assert spawned == []


def test_a_damaged_or_unknown_compression_gets_a_clear_answer(client: TestClient, spawned: list[Any]) -> None:
    cut = gzip.compress(b"0032want " + b"a" * 1000)[:-12]
    for encoding, body, says in (("gzip", cut, "damaged"), ("br", b"x", "gzip or deflate only")):
        headers = {**REQUEST, "Content-Encoding": encoding}
        response = client.post("/wiki.git/git-upload-pack", content=body, headers=headers)
        assert response.status_code == 400
        assert says in response.text
    assert spawned == []


def test_inflating_stops_at_the_limit_and_reads_every_gzip_member() -> None:
    assert inflated(gzip.compress(b"a" * 1000), "gzip", limit=1000) == b"a" * 1000
    with pytest.raises(TooLarge):
        inflated(gzip.compress(b"a" * 1001), "gzip", limit=1000)
    with pytest.raises(TooLarge):  # the limit counts every member together
        inflated(gzip.compress(b"a" * 600) + gzip.compress(b"b" * 600), "x-gzip", limit=1000)
    assert inflated(gzip.compress(b"a") + gzip.compress(b"b"), "GZIP") == b"ab"
    assert inflated(zlib.compress(b"plain"), "deflate") == b"plain"
    assert inflated(b"as sent", "identity") == b"as sent"
    with pytest.raises(BadInput):
        inflated(b"not gzip at all", "gzip")


# -- at most a few git processes at once ----------------------------------------------------

REFS = CgiRequest("info/refs", "GET", "service=git-upload-pack", "", "", b"")


def until(condition: Any, what: str) -> None:
    """Wait (spinning, no sleep) until ``condition()`` holds."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, what


def test_many_clones_at_once_start_at_most_the_cap_and_the_rest_wait(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients = UPLOAD_PACK.running + 5
    started: list[int] = []
    real = asyncio.create_subprocess_exec

    async def run() -> list[int]:
        go_on = asyncio.Event()

        async def spawn(*args: Any, **kwargs: Any) -> Any:
            started.append(1)
            await go_on.wait()  # each git started stays running until the test lets it go
            return await real(*args, **kwargs)

        monkeypatch.setattr(asyncio, "create_subprocess_exec", spawn)

        async def clone() -> int:
            output = await run_upload_pack(site.repo.git_dir, REFS)
            chunks = output.chunks()
            head = await read_head(chunks)
            body = head.rest + b"".join([chunk async for chunk in chunks])
            await output.close()
            return head.status if b"git-upload-pack" in body else 0

        clones = [asyncio.create_task(clone()) for _ in range(clients)]
        deadline = time.monotonic() + 30
        while len(started) + UPLOAD_PACK.queued < clients:
            assert time.monotonic() < deadline, "the clones did not all start or queue"
            await asyncio.sleep(0)
        assert (len(started), UPLOAD_PACK.queued) == (UPLOAD_PACK.running, clients - UPLOAD_PACK.running)
        go_on.set()
        return await asyncio.gather(*clones)

    assert run_apart(run) == [200] * clients
    assert (UPLOAD_PACK.taken, UPLOAD_PACK.queued) == (0, 0)


def test_a_clone_that_finds_every_slot_taken_too_long_gets_503_with_retry_after(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UPLOAD_PACK, "patience", 0.05)
    for _ in range(UPLOAD_PACK.running):
        UPLOAD_PACK.take()
    try:
        response = client.get("/wiki.git/info/refs?service=git-upload-pack", headers={"Accept-Language": "en"})
    finally:
        for _ in range(UPLOAD_PACK.running):
            UPLOAD_PACK.release()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "very busy" in response.text
    assert client.get("/wiki.git/info/refs?service=git-upload-pack").status_code == 200


def test_many_blames_at_once_run_at_most_the_cap(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    readers = BLAME.running + 3
    head = str(site.repo.head())
    started: list[int] = []
    go_on = threading.Event()
    real = subprocess.run

    def spawn(command: list[str], **kwargs: Any) -> Any:
        if "blame" in command:
            started.append(1)
            go_on.wait(30)
        return real(command, **kwargs)

    monkeypatch.setattr(subprocess, "run", spawn)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(len(site.repo.blame(head, "over.md")))) for _ in range(readers)
    ]
    for thread in threads:
        thread.start()
    until(lambda: len(started) + BLAME.queued == readers, "the blames did not all start or queue")
    assert (len(started), BLAME.queued) == (BLAME.running, readers - BLAME.running)
    go_on.set()
    for thread in threads:
        thread.join()
    assert len(results) == readers
    assert min(results) > 0


def test_a_blame_beyond_the_queue_gets_503_with_retry_after(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BLAME, "waiting", 0)
    for _ in range(BLAME.running):
        BLAME.take()
    try:
        response = client.get("/blame/over", headers={"Accept-Language": "en"})
    finally:
        for _ in range(BLAME.running):
            BLAME.release()
    assert (response.status_code, response.headers["retry-after"]) == (503, "5")
    assert client.get("/blame/over").status_code == 200


# -- a client that goes away ------------------------------------------------------------------


def big_branch(site: Site) -> str:
    """A branch whose pack (4 MB that do not compress) is far larger than a pipe holds."""
    git_dir = str(site.repo.git_dir)
    blob = subprocess.run(["git", f"--git-dir={git_dir}", "hash-object", "-w", "--stdin"], input=os.urandom(4_000_000),
                          capture_output=True, check=True).stdout.decode().strip()  # fmt: skip
    tree = subprocess.run(["git", f"--git-dir={git_dir}", "mktree"], input=f"100644 blob {blob}\tgroot.bin\n".encode(),
                          capture_output=True, check=True).stdout.decode().strip()  # fmt: skip
    commit = subprocess.run(["git", f"--git-dir={git_dir}", "commit-tree", "-m", "groot", tree],
                            capture_output=True, check=True, env={**os.environ, "GIT_AUTHOR_NAME": "t",
                            "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"},
                            ).stdout.decode().strip()  # fmt: skip
    subprocess.run(["git", f"--git-dir={git_dir}", "update-ref", "refs/heads/groot", commit], check=True)
    return commit


def test_a_client_that_leaves_mid_clone_leaves_no_git_running(site: Site, spawned: list[Any]) -> None:
    body = fetch_request(big_branch(site))
    app = create_app(site.settings, site=site)
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/wiki.git/git-upload-pack", "raw_path": b"/wiki.git/git-upload-pack", "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"content-type", REQUEST["Content-Type"].encode()),
                    (b"content-length", str(len(body)).encode())],
        "state": {"site": site, "reader_cache": ReaderCache()},
    }  # fmt: skip
    received: list[int] = []

    async def run() -> None:
        first_chunk = asyncio.Event()
        requests = iter([{"type": "http.request", "body": body, "more_body": False}])

        async def receive() -> dict[str, Any]:
            for message in requests:
                return message
            await first_chunk.wait()
            return {"type": "http.disconnect"}  # the client goes away after the first chunk

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                received.append(message["status"])
            if message.get("body"):
                first_chunk.set()

        await asyncio.wait_for(app(scope, receive, send), 30)

    run_apart(run)
    try:
        assert received == [200]
        assert len(spawned) == 1
        assert spawned[0].returncode is not None, "git http-backend still runs for a client that left"
        assert UPLOAD_PACK.taken == 0
    finally:
        if spawned and spawned[0].returncode is None:
            spawned[0].kill()
