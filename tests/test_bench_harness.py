"""Smoke test of the benchmark harness's save path against our wiki (no peer, loopback only).

bench/load.py saves through the JSON API with a personal token (bench/adapters.py WIKISVC),
and its ``writers`` check finds every acknowledged save's token in git afterwards.  A check
that cannot fail proves nothing, so it also runs once against the wrong repository, where
it must call every acknowledged save lost.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.server import running_server
from wiki.config import Settings
from wiki.models import Role
from wiki.services.accounts import AccountService
from wiki.store.database import open_database

BENCH = Path(__file__).resolve().parent.parent / "bench"
WRITERS = 3
SAVES = 3


def load(*args: str) -> None:
    subprocess.run([sys.executable, str(BENCH / "load.py"), *args], check=True, capture_output=True, timeout=120)


def last_row(path: Path) -> dict[str, Any]:
    row: dict[str, Any] = json.loads(path.read_text().splitlines()[-1])
    return row


@pytest.mark.slow
def test_saves_through_the_api_and_every_acknowledged_save_is_in_git(tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate = [sys.executable, str(BENCH / "gen_repo.py"), "--out", str(data), "--pages", "4", "--commits", "12"]
    subprocess.run([*generate, "--no-gc"], check=True, capture_output=True, timeout=60)
    repo, elsewhere = tmp_path / "repo.git", tmp_path / "elsewhere.git"
    for copy in (repo, elsewhere):
        subprocess.run(["git", "clone", "-q", "--bare", str(data / "repo"), str(copy)], check=True)
    settings = Settings(repo=repo, database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    database = open_database(settings.database_url)
    accounts = AccountService(database)
    accounts.add_user("bench", PASSWORD, Role.EDITOR)
    token = accounts.create_token("bench", "bench")
    database.close()
    manifest = str(data / "manifest.json")
    out = tmp_path / "results.jsonl"

    with running_server(settings, tmp_path / "server.log") as base:
        target = ["--manifest", manifest, "--target", f"ours:wikisvc:{base}", "--set", f"api_token={token}"]
        writers = [*target, "--writers", str(WRITERS), "--saves", str(SAVES), "--settle", "0", "--out", str(out)]
        load(
            "bench", *target, "--ops", "save", "--conc", "1", "--duration", "60", "--max-requests", "4", "--warmup", "0"
        )
        load("writers", *writers, "--repo", str(repo), "--mode", "different")
        different = last_row(out)
        load("writers", *writers, "--repo", str(repo), "--mode", "same")
        same = last_row(out)
        load("writers", *writers, "--repo", str(elsewhere), "--mode", "different")
        wrong_repo = last_row(out)

    attempted = WRITERS * SAVES
    assert different["acked"] == attempted
    assert different["failed"] == {}
    assert different["new_commits"] == attempted
    assert different["acked_but_lost"] == 0
    assert different["final_state_mismatch_pages"] == 0
    # One page for everyone: overlapping edits are refused with 409 (the writer is told), none lost.
    assert same["acked"] >= 1
    assert set(same["failed"]) <= {"409"}
    assert same["acked_but_lost"] == 0
    assert same["misattributed_commits"] == 0
    assert wrong_repo["acked"] == attempted
    assert wrong_repo["acked_but_lost"] == attempted
    # Four saves of the bench loop, then the three writers runs: all of them on the served repository.
    log = subprocess.run(["git", f"--git-dir={repo}", "log", "--format=%s"], capture_output=True, text=True, check=True)
    assert log.stdout.count("bench save ") == 4 + 2 * attempted + same["acked"]
