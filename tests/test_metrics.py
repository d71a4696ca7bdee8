"""GET /metrics: what Prometheus reads after people read, save, meet a conflict and propose,
and that nobody else reads it (a token, or an address of its own)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from tests.apart import run_apart
from tests.conftest import Auth
from tests.server import free_port, running_server
from tests.test_web_conflicts import PAGE, meet_a_conflict
from wiki.config import Settings
from wiki.models import Role
from wiki.services.metrics import MULTIPROCESS, Metrics
from wiki.services.site import Site, open_site
from wiki.web.app import create_app
from wiki.web.metrics import metrics_app
from wiki.web.readers import ReaderCache, warm

TOKEN = "scrape-token-of-the-test"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Why: /metrics is served only with a token (or on an address of its own)."""
    return Settings(repo=tmp_path / "wiki.git", database_url=database_url, metrics_token=TOKEN)


def families(text: str) -> dict[str, Metric]:
    """The scrape as the Prometheus client library parses it."""
    return {family.name: family for family in text_string_to_metric_families(text)}


def scrape(client: TestClient, token: str = TOKEN) -> dict[str, Metric]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return families(response.text)


def value(found: dict[str, Metric], sample: str, **labels: str) -> float:
    """The sum of the samples named ``sample`` whose labels include ``labels``."""
    return sum(
        each.value
        for family in found.values()
        for each in family.samples
        if each.name == sample and all(each.labels.get(key) == wanted for key, wanted in labels.items())
    )


def test_requests_saves_merges_a_conflict_and_a_proposal_move_the_counters(
    client: TestClient, auth: Auth, site: Site
) -> None:
    before = scrape(client)
    assert client.get(f"/p/{PAGE}").status_code == 200
    assert client.get(f"/p/{PAGE}").status_code == 200  # kept: answered before routing
    assert client.get("/p/bestaat-niet").status_code == 404
    assert client.get("/nergens/heen").status_code == 404
    headers = auth.token(Role.EDITOR, "schrijver")
    current = client.get(f"/api/pages/{PAGE}", headers=headers).json()
    saved = client.put(
        f"/api/pages/{PAGE}",
        headers=headers,
        json={"body": current["body"] + "\nErbij.\n", "base_revision": current["revision"]},
    )
    assert saved.status_code == 200
    proposal = client.post(
        "/api/proposals",
        headers=headers,
        json={"title": "Zin erbij", "description": "Waarom", "changes": [{"path": PAGE, "body": "Anders.\n"}]},
    )
    assert proposal.status_code == 201
    meet_a_conflict(client, auth, site)  # Anna saves meanwhile (a merge-free save), Bob meets a conflict
    client.cookies.clear()
    assert client.get("/changes").status_code == 200  # kept (the saves dropped the kept page)
    after = scrape(client)

    page_route = {"route": "/p/{name:path}", "method": "GET"}
    requests = "wiki_http_requests_total"
    assert value(after, requests, status="200", **page_route) - value(before, requests, status="200", **page_route) == 2
    assert value(after, requests, status="404", **page_route) == 1
    assert value(after, requests, route="(unmatched)", status="404") == 1
    latency = "wiki_http_request_duration_seconds_count"
    assert value(after, latency, route="/p/{name:path}") - value(before, latency, route="/p/{name:path}") == 3
    assert value(after, "wiki_http_request_duration_seconds_bucket", route="/p/{name:path}", le="+Inf") >= 3
    edits = value(after, "wiki_changes_total", kind="edit", origin="wiki")
    assert edits - value(before, "wiki_changes_total", kind="edit", origin="wiki") == 2  # the API's, Anna's
    assert value(after, "wiki_changes_total", kind="proposal_created", origin="wiki") == 1
    assert value(after, "wiki_edit_conflicts_total") - value(before, "wiki_edit_conflicts_total") == 1
    assert value(after, "wiki_proposals", state="open") == 1
    assert value(after, "wiki_proposals", state="accepted") == 0
    assert value(after, "wiki_kept_pages") >= 1
    assert value(after, "wiki_index_commits_behind") == 0
    assert "wiki_mail_queue" in after
    assert "wiki_replica_commits_behind" not in after  # no shared remote
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert "bestaat-niet" not in text  # labels are templates, never addresses
    assert "nergens" not in text


def test_a_merged_save_an_accepted_proposal_and_maintenance_are_counted(
    client: TestClient, auth: Auth, site: Site
) -> None:
    headers = auth.token(Role.MAINTAINER, "beheerder")
    first = client.get(f"/api/pages/{PAGE}", headers=headers).json()
    body = {"body": first["body"] + "\nOnderaan.\n", "base_revision": first["revision"]}
    assert client.put(f"/api/pages/{PAGE}", headers=headers, json=body).status_code == 200
    merged = client.put(
        f"/api/pages/{PAGE}",
        headers=headers,
        json={"body": "Bovenaan.\n\n" + first["body"], "base_revision": first["revision"]},
    )
    assert merged.json()["merged"] is True
    body = client.get(f"/api/pages/{PAGE}").json()["body"] + "\nVoorgesteld.\n"
    created = client.post(
        "/api/proposals",
        headers=headers,
        json={"title": "T", "description": "D", "changes": [{"path": PAGE, "body": body}]},
    ).json()
    accepted = client.post(
        f"/api/proposals/{created['id']}/accept",
        headers=headers,
        json={"reason": "Goed", "head_revision": created["head_revision"]},
    )
    assert accepted.status_code == 200, accepted.text
    site.repo.maintain()
    found = scrape(client)
    assert value(found, "wiki_merges_total", what="edit") == 1
    assert value(found, "wiki_merges_total", what="proposal") == 1
    assert value(found, "wiki_proposals", state="accepted") == 1
    assert value(found, "wiki_git_maintenance_runs_total", outcome="done") == 1


def test_without_the_right_token_there_are_no_metrics(client: TestClient) -> None:
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = client.get("/metrics", headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"})
    assert wrong.status_code == 403
    assert "wiki_" not in missing.text + wrong.text


def read_when_up(url: str, timeout: float = 15) -> str:
    """The body at ``url`` once its server answers (it starts next to the main one)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback)
                return str(answer.read().decode())
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture
def plain_site(tmp_path: Path) -> Iterator[Site]:
    opened = open_site(Settings(repo=tmp_path / "plain.git", database_url=f"sqlite:///{tmp_path / 'plain.sqlite3'}"))
    yield opened
    opened.close()


def test_without_a_token_or_an_address_metrics_are_not_served(plain_site: Site) -> None:
    with TestClient(create_app(plain_site.settings, site=plain_site)) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_the_separate_address_serves_them_and_the_public_one_does_not(plain_site: Site) -> None:
    settings = dataclasses.replace(plain_site.settings, metrics_listen="127.0.0.1:9100")
    plain_site.settings = settings
    main = create_app(settings, site=plain_site)
    with TestClient(main) as client, TestClient(metrics_app(main, settings)) as metrics:
        assert client.get("/metrics").status_code == 404
        client.get("/")
        answer = metrics.get("/metrics")
        assert answer.status_code == 200
        assert value(families(answer.text), "wiki_http_requests_total", route="/", status="200") == 1


def test_wiki_serve_answers_metrics_only_on_the_metrics_address(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    plain = dataclasses.replace(settings, metrics_token="")
    environment = {"WIKI_METRICS_LISTEN": f"127.0.0.1:{port}", "WIKI_LOG_FORMAT": "json"}
    with running_server(plain, tmp_path / "server.log", env=environment) as base:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/metrics")  # noqa: S310 (loopback)
        refused.value.close()
        assert refused.value.code == 404
        text = read_when_up(f"http://127.0.0.1:{port}/metrics")
    found = families(text)
    assert value(found, "wiki_http_requests_total", route="/healthz", status="200") >= 1
    assert "wiki_proposals" in found
    logged = [json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines()]
    assert any(line["event"].startswith(f"Uvicorn running on http://127.0.0.1:{port}") for line in logged)


WORKER = """
from wiki.services.metrics import Metrics
Metrics().answered("/p/{name:path}", "GET", 200, 0.01)
"""


def test_with_several_workers_a_scrape_adds_up_every_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "prometheus"
    folder.mkdir()
    environment = {**os.environ, MULTIPROCESS: str(folder)}
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", WORKER], check=True, env=environment)
    monkeypatch.setenv(MULTIPROCESS, str(folder))
    found = families(Metrics().exposition().decode())
    assert value(found, "wiki_http_requests_total", route="/p/{name:path}", status="200") == 2
    assert value(found, "wiki_http_request_duration_seconds_count", route="/p/{name:path}") == 2


def test_the_pages_kept_at_start_up_are_not_counted_as_requests(site: Site) -> None:
    cache = ReaderCache()
    app = create_app(site.settings, site=site)
    state = {"site": site, "reader_cache": cache}
    assert run_apart(lambda: warm(app, state, [f"/p/{PAGE}"])) == 1
    assert len(cache) == 1  # it went through the app
    found = families(site.metrics.exposition().decode())
    assert value(found, "wiki_http_requests_total") == 0
    assert value(found, "wiki_changes_total") == 0
