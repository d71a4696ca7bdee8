"""``git clone`` over HTTP under attack: compressed bodies, many clients at once, clients that leave."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import pytest
from starlette.testclient import TestClient

from wiki.errors import BadInput, TooLarge
from wiki.services.site import Site
from wiki.store import githttp
from wiki.web.bodies import inflated

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
    real = githttp.asyncio.create_subprocess_exec

    async def spawn(*args: Any, **kwargs: Any) -> Any:
        process = await real(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(githttp.asyncio, "create_subprocess_exec", spawn)
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
