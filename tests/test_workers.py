"""``wiki serve --workers 2`` for real: both workers save without losing anything, a save through
one is on the next view from the other (not a page it kept from before), one worker alone runs
what must run once, and every scrape adds up both workers' counters.

A kept-alive connection stays with the worker that accepted it, so each test picks one
connection per worker (``/readyz`` names the process that answered) and checks at the end that
the connection was never opened again (it would then be a new one, maybe to the other worker).
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.server import running_server
from tests.test_concurrency import assert_history_holds, paragraph_edit
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import open_site

PAGE = "het-kan-altijd-nog-duidelijker-en-nog-simpeler"
METRICS_TOKEN = "metrics-token-for-the-test"


@dataclass(frozen=True)
class Workers:
    """The running server: its address, an editor's API token, its settings and its log."""

    host: str
    port: int
    token: str
    settings: Settings
    log: Path


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    folder = tmp_path_factory.mktemp("workers")
    settings = Settings(repo=folder / "wiki.git", database_url=f"sqlite:///{folder / 'wiki.sqlite3'}")
    site = open_site(settings)
    token = site.accounts.create_token(site.accounts.add_user("schrijver", PASSWORD, Role.EDITOR).username)
    site.close()
    log = folder / "server.log"
    env = {"WIKI_METRICS_TOKEN": METRICS_TOKEN}
    with running_server(settings, log, env=env, args=["--workers", "2"]) as base:
        host, port = base.removeprefix("http://").split(":")
        yield Workers(host, int(port), token, settings, log)


def ask(connection: http.client.HTTPConnection, method: str, path: str, **options: object) -> tuple[int, bytes]:
    """One request on the kept-alive ``connection``; its status and body."""
    connection.request(method, path, **options)  # type: ignore[arg-type]
    response = connection.getresponse()
    return response.status, response.read()


def worker_of(connection: http.client.HTTPConnection) -> tuple[int, bool]:
    """The process id of the worker this connection reaches, and whether it leads."""
    status, body = ask(connection, "GET", "/readyz")
    assert status == 200
    worker = json.loads(body)["worker"]
    return int(worker["pid"]), bool(worker["leads"])


def one_connection_each(server: Workers) -> dict[int, http.client.HTTPConnection]:
    """A kept-alive connection to each of the two workers (the kernel picks the worker that
    accepts: new connections are opened until both have answered, the second worker may
    still be starting)."""
    found: dict[int, http.client.HTTPConnection] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
        pid, _leads = worker_of(connection)
        if pid in found:
            connection.close()
        else:
            found[pid] = connection
        if len(found) == 2:
            return found
    raise AssertionError("every connection reached the same worker")


@pytest.fixture
def connections(workers: Workers) -> Iterator[list[http.client.HTTPConnection]]:
    """One connection per worker, checked afterwards to be the very one each was at first."""
    opened = one_connection_each(workers)
    sockets = {pid: connection.sock for pid, connection in opened.items()}
    yield list(opened.values())
    for pid, connection in opened.items():
        assert connection.sock is sockets[pid], "the connection was opened again: maybe to the other worker"
        assert worker_of(connection)[0] == pid
        connection.close()


def save(server: Workers, connection: http.client.HTTPConnection, edit: str, slot: int = 0) -> bool:
    """Put ``edit`` in paragraph ``slot`` on the revision just read; False on a conflict (409)."""
    status, body = ask(connection, "GET", f"/api/pages/{PAGE}")
    assert status == 200
    page = json.loads(body)
    change = {"body": paragraph_edit(page["body"], slot, edit), "message": edit, "base_revision": page["revision"]}
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    status, _ = ask(connection, "PUT", f"/api/pages/{PAGE}", body=json.dumps(change), headers=headers)
    assert status in (200, 409)
    return status == 200


def test_saves_through_both_workers_at_once_lose_nothing(
    workers: Workers, connections: list[http.client.HTTPConnection]
) -> None:
    acknowledged: list[str] = []
    failures: list[BaseException] = []

    def writer(slot: int, connection: http.client.HTTPConnection) -> None:
        try:
            for edit in range(15):
                marker = f"worker-{slot}-edit-{edit}"
                while not save(workers, connection, marker, slot):
                    pass  # someone saved meanwhile through the other worker: read again
                acknowledged.append(marker)
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=writer, args=pair) for pair in enumerate(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(acknowledged) == 30
    assert_history_holds(workers.settings.repo, acknowledged, [f"{PAGE}.md"])


def test_a_save_through_one_worker_is_on_the_next_view_from_the_other(
    workers: Workers, connections: list[http.client.HTTPConnection]
) -> None:
    saving, viewing = connections
    for _ in range(2):  # the second view is the page the viewing worker keeps for readers
        status, before = ask(viewing, "GET", f"/p/{PAGE}")
        assert status == 200
    assert b"seen-by-the-other-worker" not in before
    assert save(workers, saving, "seen-by-the-other-worker")
    status, after = ask(viewing, "GET", f"/p/{PAGE}")
    assert status == 200
    assert b"seen-by-the-other-worker" in after


def test_one_worker_alone_runs_maintenance_fetching_and_mail(
    workers: Workers, connections: list[http.client.HTTPConnection]
) -> None:
    leading = [worker_of(connection) for connection in connections]
    assert sorted(leads for _pid, leads in leading) == [False, True]
    [leader] = [pid for pid, leads in leading if leads]
    said = re.findall(r"process (\d+) leads: git maintenance", workers.log.read_text())
    assert said == [str(leader)]


def test_every_scrape_adds_up_both_workers(workers: Workers, connections: list[http.client.HTTPConnection]) -> None:
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    before = [edits_counted(ask(connection, "GET", "/metrics", headers=headers)[1]) for connection in connections]
    for slot, connection in enumerate(connections):
        while not save(workers, connection, f"counted-{slot}"):
            pass
    after = [edits_counted(ask(connection, "GET", "/metrics", headers=headers)[1]) for connection in connections]
    assert before[0] == before[1]
    assert after == [before[0] + 2, before[0] + 2]  # one save each, both counted by either


def edits_counted(exposition: bytes) -> float:
    """The edits written by the wiki, as a scrape reports them."""
    found = re.search(rb'^wiki_changes_total\{kind="edit",origin="wiki"\} (\S+)$', exposition, re.MULTILINE)
    return float(found.group(1)) if found else 0.0
