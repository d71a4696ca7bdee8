"""Request ids and log lines: one JSON object per line with the request's fields, an id on every
answer and on error pages, taken from a trusted proxy only when it is safe."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth
from wiki import logs
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import Site
from wiki.web.app import create_app

PAGE = "neem-initiatief"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Why: the test client connects as ``testclient``; here it counts as the trusted proxy."""
    return Settings(repo=tmp_path / "wiki.git", database_url=database_url, trusted_proxies="testclient")


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """Why: what the wiki logs in JSON, caught as ``wiki serve`` writes it."""
    stream = io.StringIO()
    handler = logs.handler("json", stream=stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def logged(site: Site) -> Iterator[TestClient]:
    """Why: a client of the app with the access log on (``wiki serve --access-log``)."""
    app = create_app(site.settings, site=site, access_log=True)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def parsed(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_request_fields(logged: TestClient, lines: io.StringIO, site: Site) -> None:
    user = site.accounts.add_user("lezer", "een lang wachtwoord", Role.EDITOR)
    headers = {"Authorization": "Bearer " + site.accounts.create_token("lezer")}
    answer = logged.get(f"/api/pages/{PAGE}", headers=headers)
    missing = logged.get("/p/bestaat-niet")
    requests = [line for line in parsed(lines) if line["logger"] == "wiki.requests"]
    first, second = requests
    assert first["event"] == "request"
    assert first["level"] == "info"
    assert first["request_id"] == answer.headers["x-request-id"]
    assert (first["route"], first["method"], first["status"], first["user_id"]) == (
        "/api/pages/{name:path}",
        "GET",
        200,
        user.id,
    )
    assert isinstance(first["duration_ms"], float)
    assert str(first["time"]).endswith("+00:00")
    assert (second["route"], second["status"], second["request_id"]) == (
        "/p/{name:path}",
        404,
        missing.headers["x-request-id"],
    )
    assert "user_id" not in second


def test_lines_written_while_handling_a_request_carry_its_id(lines: io.StringIO) -> None:
    token = logs.REQUEST_ID.set("abc-123")
    try:
        logging.getLogger("wiki.test").warning("mail to %s failed", "anna@example.nl")
    finally:
        logs.REQUEST_ID.reset(token)
    [line] = parsed(lines)
    assert (line["request_id"], line["level"], line["event"]) == ("abc-123", "warning", "mail to [hidden] failed")


def test_the_default_text_lines_stay_readable() -> None:
    stream = io.StringIO()
    fields = {"name": "wiki.requests", "levelno": logging.INFO, "levelname": "INFO", "msg": "request"}
    record = logging.makeLogRecord(fields | {"route": "/p/{name:path}", "status": 200})
    logs.handler("text", stream=stream).handle(record)
    text = stream.getvalue()
    assert "INFO wiki.requests: request route=/p/{name:path} status=200" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_an_untrusted_client_gets_an_id_of_its_own(site: Site) -> None:
    untrusted = dataclasses.replace(site.settings, trusted_proxies="10.0.0.0/8")
    with TestClient(create_app(untrusted, site=site)) as client:
        answer = client.get("/", headers={"X-Request-ID": "mine-123"})
        assert answer.headers["x-request-id"] != "mine-123"
        assert len(answer.headers["x-request-id"]) == 16
        assert client.get("/").headers["x-request-id"] != answer.headers["x-request-id"]


@pytest.mark.parametrize("given", ["lb-2f8a.9_Z", "x" * 64])
def test_a_trusted_proxy_keeps_a_safe_id(logged: TestClient, given: str) -> None:
    assert logged.get("/", headers={"X-Request-ID": given}).headers["x-request-id"] == given


@pytest.mark.parametrize("given", ["", "x" * 65, "een spatie", "<script>", "a\u00e9b", "a/b", "id;drop"])
def test_a_trusted_proxy_with_an_unsafe_id_gets_a_new_one(logged: TestClient, given: str) -> None:
    answered = logged.get("/", headers={b"X-Request-ID": given.encode()}).headers["x-request-id"]
    assert answered != given
    assert len(answered) == 16


def test_error_pages_show_the_id_in_both_languages(client: TestClient) -> None:
    dutch = client.get("/p/bestaat-niet")
    assert dutch.status_code == 404
    assert "Hulp nodig? Geef de helpdesk deze code:" in dutch.text
    assert f"<code>{dutch.headers['x-request-id']}</code>" in dutch.text
    english = client.get("/p/bestaat-niet", headers={"Accept-Language": "en"})
    assert "Need help? Give the help desk this code:" in english.text
    assert f"<code>{english.headers['x-request-id']}</code>" in english.text


def test_api_errors_carry_the_id(client: TestClient, auth: Auth) -> None:
    answer = client.get("/api/pages/bestaat-niet")
    assert answer.status_code == 404
    assert answer.json()["request_id"] == answer.headers["x-request-id"]
    refused = client.put(f"/api/pages/{PAGE}", json={"body": "x"}, headers={"Authorization": "Bearer nee"})
    assert refused.status_code == 401
    assert refused.json()["request_id"] == refused.headers["x-request-id"]


def test_a_line_whose_arguments_do_not_fit_is_still_written_and_masked(lines: io.StringIO) -> None:
    logging.getLogger("wiki.test").warning("two %s %s", "anna@example.nl")  # noqa: PLE1206 (on purpose)
    [line] = parsed(lines)
    assert "anna@example.nl" not in str(line["event"])
    assert str(line["event"]).startswith("two %s %s")
