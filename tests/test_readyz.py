"""GET /readyz: ready when the repository, the page index and the database are; 503 with the part
that is not; the shared remote shown but never a reason to leave the load balancer."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import git
from wiki.config import Settings
from wiki.services.site import Site, open_site
from wiki.web.app import create_app


def test_a_fresh_wiki_is_ready_with_every_part(client: TestClient) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {
        "ready": True,
        "parts": {"repository": {"ok": True}, "index": {"ok": True}, "database": {"ok": True}},
        # A site the test opened: this app runs nothing of what one process of several leads.
        "worker": {"pid": os.getpid(), "leads": False},
    }
    assert answer.headers["cache-control"] == "no-store"


def commit_outside(repo: Path) -> None:
    """A commit on the branch made with git, not through the wiki (the index has not seen it)."""
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    head = git(repo, "rev-parse", "HEAD").strip()
    made = git(
        repo, "-c", "user.name=Git", "-c", "user.email=git@example.invalid", "commit-tree", tree, "-p", head, "-m", "x"
    )
    git(repo, "update-ref", "refs/heads/main", made.strip(), head)


def test_an_index_behind_the_branch_is_not_ready(client: TestClient, site: Site) -> None:
    commit_outside(site.settings.repo)
    with site.repo.writer():  # a writer holds the slot, so the index cannot catch up now
        answer = client.get("/readyz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["ready"] is False
    assert body["parts"]["index"] == {"ok": False, "detail": "1 commit(s) behind the branch"}
    assert body["parts"]["repository"] == {"ok": True}
    assert client.get("/readyz").status_code == 200  # the slot is free: it caught up


def test_a_broken_index_file_is_not_ready(client: TestClient, site: Site) -> None:
    site.index.file.close()
    path = site.repo.common_dir / "wiki" / "index.sqlite3"
    path.unlink()
    path.mkdir()  # nothing can open it as a database now
    try:
        answer = client.get("/readyz")
    finally:
        path.rmdir()
    assert answer.status_code == 503
    assert answer.json()["parts"]["index"] == {"ok": False, "detail": "cannot be read"}


def test_a_database_that_does_not_answer_is_not_ready(
    client: TestClient, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site.database, "ping", lambda: False)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["parts"]["database"] == {"ok": False, "detail": "does not answer"}
    assert answer.json()["parts"]["index"] == {"ok": True}
    assert client.get("/healthz").status_code == 503


def test_a_shared_remote_that_is_gone_is_shown_and_keeps_it_ready(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--bare", "-q", "-b", "main", str(remote)], check=True)
    settings = Settings(
        repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'w.sqlite3'}", remote=str(remote)
    )
    site = open_site(settings)
    try:
        shutil.rmtree(remote)
        with TestClient(create_app(settings, site=site)) as client:
            answer = client.get("/readyz")
    finally:
        site.close()
    assert answer.status_code == 200
    body = answer.json()
    assert body["ready"] is True
    assert body["remote"]["commits_behind"] == 0
    assert body["remote"]["seconds_since_sync"] >= 0
