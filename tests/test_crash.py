"""The server killed with SIGKILL at random moments while people save: nothing acknowledged is lost,
with one writer and with several at once, whose saves are committed together in batches.

Fault injection: the kill moments are random on purpose (they are not synchronisation).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, git
from tests.server import free_port, wait_until_answering
from wiki.config import Settings
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import open_site

PAGE = "werk-is-persoonlijk"
# Four writers on their own pages: their saves queue behind each other and go in as batches.
BATCHED = (PAGE, "neem-initiatief", "het-proces-is-je-product", "bepaal-je-eigen-grenzen")
ROUNDS = 40


def writer(
    base: str, token: str, round_number: int, acknowledged: list[str], stop: threading.Event, *, name: str = PAGE
) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    count = 0
    while not stop.is_set():
        marker = f"crash-{name}-{round_number}-{count}"
        count += 1
        try:
            with urllib.request.urlopen(f"{base}/api/pages/{name}", timeout=5) as response:  # noqa: S310
                page = json.load(response)
            body = json.dumps({"body": page["body"] + f"\n{marker}\n", "base_revision": page["revision"],
                               "message": marker}).encode()  # fmt: skip
            request = urllib.request.Request(f"{base}/api/pages/{name}", body, headers, method="PUT")  # noqa: S310
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    acknowledged.append(marker)
        except urllib.error.HTTPError as error:
            if error.code != 409:
                return
        except (OSError, ValueError, http.client.HTTPException):  # the server died mid-answer
            return


@pytest.mark.slow
@pytest.mark.parametrize(("pages", "rounds"), [((PAGE,), ROUNDS), (BATCHED, ROUNDS // 2)], ids=["one", "batches"])
def test_sigkill_during_saves_loses_no_acknowledged_edit(tmp_path: Path, pages: tuple[str, ...], rounds: int) -> None:
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    site = open_site(settings)
    token = site.accounts.create_token(site.accounts.add_user("schrijver", PASSWORD, Role.EDITOR).username)
    site.close()
    acknowledged: list[str] = []
    rng = random.Random(20261127)
    stale_lock = settings.repo / "refs" / "heads" / "main.lock"
    for round_number in range(rounds):
        if round_number == rounds // 2:
            stale_lock.write_text("0" * 40 + "\n")  # as a writer killed inside update-ref leaves it
        port = free_port()
        command = [sys.executable, "-m", "wiki", "serve", "--port", str(port), "--repo", str(settings.repo),
                   "--database", settings.database_url]  # fmt: skip
        with (tmp_path / "server.log").open("ab") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_answering(base + "/healthz", process)
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=writer, args=(base, token, round_number, acknowledged, stop), kwargs={"name": name}
                )
                for name in pages
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.05, 0.5))  # the random moment of the crash
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            stop.set()
            for thread in threads:
                thread.join()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    reopened = open_site(settings)
    try:
        history = git(settings.repo, "log", "-p", "--format=", "main", "--", *(f"{name}.md" for name in pages))
        missing = [marker for marker in acknowledged if marker not in history]
        print(f"\n{rounds} SIGKILLs, {len(acknowledged)} acknowledged saves, {len(missing)} missing")
        assert len(acknowledged) >= rounds
        assert missing == []
        subprocess.run(["git", f"--git-dir={settings.repo}", "fsck", "--full", "--strict"], check=True,
                       capture_output=True)  # fmt: skip
        assert list(settings.repo.rglob("*.lock")) == []
        page = reopened.pages.get(PAGE)[0]
        after = reopened.pages.save(EditRequest(PAGE, page.text + "\nna de crashes\n", page.revision, "",
                                                Author("Na", "na@users.wiki.invalid")))  # fmt: skip
        assert after.changed
    finally:
        reopened.close()
