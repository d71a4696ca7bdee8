"""A whole session with JSON logs, the access log and metrics on: the password, the API token,
the session cookie and the e-mail address appear in none of the log lines nor in the scrape."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import csrf_from
from wiki import logs
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import Site
from wiki.web.app import create_app
from wiki.web.session import SESSION_COOKIE

PAGE = "neem-initiatief"
PASSWORD = "Geheim-wachtwoord-van-Anna-42"
EMAIL = "anna.de.vries@gemeente.example.nl"
METRICS_TOKEN = "scrape-token-van-de-test"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Why: metrics on, with a token the logs must not show either."""
    return Settings(repo=tmp_path / "wiki.git", database_url=database_url, metrics_token=METRICS_TOKEN)


@pytest.fixture
def captured(site: Site) -> Iterator[io.StringIO]:
    """Why: every log line of the session, as ``wiki serve`` writes them with WIKI_LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = logs.handler("json", site.settings.secrets(), stream=stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_no_secret_of_a_session_reaches_the_logs_or_the_metrics(site: Site, captured: io.StringIO) -> None:
    site.accounts.add_user("anna", PASSWORD, Role.EDITOR, email=EMAIL, display_name="Anna")
    with TestClient(create_app(site.settings, site=site, access_log=True), follow_redirects=False) as client:
        signin = client.get("/signin")
        wrong = client.post(
            "/signin", data={"username": EMAIL, "password": PASSWORD + "!", "csrf_token": csrf_from(signin.text)}
        )
        assert wrong.status_code == 401
        form = {"username": "anna", "password": PASSWORD, "csrf_token": csrf_from(signin.text), "next": "/"}
        assert client.post("/signin", data=form).status_code == 303
        cookie = client.cookies[SESSION_COOKIE]
        account = client.get("/account")
        csrf = csrf_from(account.text)
        made = client.post("/account", data={"action": "token", "label": "script", "days": "30", "csrf_token": csrf})
        token = re.search(r"<code>(wiki_[^<]+)</code>", made.text)
        assert token is not None
        api_token = token.group(1)
        mail = client.post(
            "/account", data={"action": "mail", "frequency": "daily", "auto_watch": "yes", "csrf_token": csrf}
        )
        assert mail.status_code == 303
        editor = client.get(f"/edit/{PAGE}")
        context = editor.context  # type: ignore[attr-defined]
        saved = client.post(
            f"/edit/{PAGE}",
            data={
                "csrf_token": csrf_from(editor.text),
                "base": context["base"],
                "title": context["title"],
                "body": context["body"] + "\nAnna was hier.\n",
                "message": "Zin erbij",
                "action": "save",
            },
        )
        assert saved.status_code == 303
        bearer = {"Authorization": f"Bearer {api_token}"}
        assert client.get(f"/api/pages/{PAGE}", headers=bearer).status_code == 200
        client.post("/api/password-reset", json={"username_or_email": EMAIL})
        # What a library might write about a failure, secrets and all:
        logging.getLogger("wiki.test").error(
            "sign-in of %s failed: password=%s Authorization: Bearer %s Cookie: %s=%s",
            EMAIL,
            PASSWORD,
            api_token,
            SESSION_COOKIE,
            cookie,
        )
        scraped = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scraped.status_code == 200
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    requests = [line for line in lines if line["event"] == "request"]
    assert len(requests) >= 10  # the session was logged, line by line
    assert any(line.get("user_id") for line in requests)
    written = captured.getvalue()
    for secret in (PASSWORD, api_token, cookie, EMAIL, METRICS_TOKEN):
        assert secret not in written, secret
        assert secret not in scraped.text, secret
    assert "sign-in of [hidden] failed" in written


def test_a_line_that_names_the_single_sign_on_secret_shows_it_masked() -> None:
    secret = "client-secret-van-de-provider"
    settings = Settings(oidc_issuer="https://login.example.nl", oidc_client_id="wiki", oidc_client_secret=secret)
    stream = io.StringIO()
    logger = logging.getLogger("tests.secrets")
    logger.addHandler(logs.handler("json", settings.secrets(), stream=stream))
    logger.warning("token request failed with client_secret=%s", secret)
    assert stream.getvalue()
    assert secret not in stream.getvalue()
