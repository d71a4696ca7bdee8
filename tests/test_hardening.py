"""Hardening: headers on every kind of answer, security.txt, sign-in throttling, request limits."""

from __future__ import annotations

import dataclasses

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from
from wiki.errors import TooManyAttempts
from wiki.models import Role
from wiki.services.site import Site
from wiki.web.app import create_app

EXPECTED = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def test_headers_on_pages_json_errors_static_files_and_redirects(client: TestClient, auth: Auth) -> None:
    answers = [client.get("/"), client.get("/api/pages"), client.get("/p/nergens"), client.get("/api/nergens"),
               client.get("/static/wiki.css"), client.get("/edit/neem-initiatief"), client.get("/lang/en?next=/"),
               client.post("/signin", data={}), client.get("/atom/changes")]  # fmt: skip
    for response in answers:
        for name, value in EXPECTED.items():
            assert response.headers.get(name) == value, (response.url, name)
        assert "strict-transport-security" not in response.headers
    auth.sign_in(Role.EDITOR)
    for url in ["/", "/api/pages", "/p/nergens", "/static/wiki.css", "/account"]:
        assert client.get(url).headers["cache-control"] == "no-store", url


def test_hsts_over_https(site: Site) -> None:
    with TestClient(create_app(site.settings, site=site), base_url="https://wiki.example") as secure:
        assert secure.get("/").headers["strict-transport-security"].startswith("max-age=")


def test_security_txt(client: TestClient) -> None:
    text = client.get("/.well-known/security.txt").text
    assert "Contact: mailto:security@example.invalid" in text
    assert "Expires: " in text


def test_sign_in_is_throttled_per_account_without_telling_who_exists(client: TestClient, auth: Auth) -> None:
    auth.user(Role.EDITOR, "echt")
    token = csrf_from(client.get("/signin").text)
    for username in ("echt", "verzonnen"):
        for _ in range(5):
            wrong = client.post("/signin", data={"username": username, "password": "fout", "csrf_token": token})
            assert wrong.status_code == 401
        blocked = client.post("/signin", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert blocked.status_code == 429
    assert client.post("/signin", data={"username": "iemand", "password": "x", "csrf_token": token}).status_code == 401


def test_sign_in_is_throttled_per_address(site: Site, auth: Auth) -> None:
    for number in range(30):
        assert site.accounts.authenticate(f"gok{number}", "fout", "192.0.2.7") is None
    with pytest.raises(TooManyAttempts):
        site.accounts.authenticate("nog-een", "fout", "192.0.2.7")
    assert site.accounts.authenticate("nog-een", "fout", "198.51.100.1") is None


def test_too_many_headers_fields_or_files_are_refused(client: TestClient, auth: Auth) -> None:
    many = {f"x-extra-{n}": "1" for n in range(200)}
    assert client.get("/", headers=many).status_code == 431
    assert client.get("/", headers={"x-big": "a" * 32_000}).status_code == 431
    auth.sign_in(Role.EDITOR)
    token = csrf_from(client.get("/account").text)
    fields = [("csrf_token", token)] + [(f"f{n}", "x") for n in range(5000)]
    body = "&".join(f"{key}={value}" for key, value in fields)
    refused = client.post("/preview", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert refused.status_code == 400
    upload = client.post("/preview", data={"csrf_token": token}, files={"f": ("a.txt", b"x")})
    assert upload.status_code == 400


@pytest.mark.parametrize("trusted", ["10.0.0.0/8", ""])
def test_forwarded_headers_count_only_from_trusted_proxies(site: Site, trusted: str) -> None:
    for number in range(30):
        site.accounts.authenticate(f"gok{number}", "fout", "203.0.113.9")
    settings = dataclasses.replace(site.settings, trusted_proxies=trusted)
    proxy = ("10.1.2.3", 40000)
    with TestClient(create_app(settings, site=site), client=proxy, base_url="http://wiki.example") as client:
        token = csrf_from(client.get("/signin").text)
        form = {"username": "iemand", "password": "x", "csrf_token": token}
        forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
        answer = client.post("/signin", data=form, headers=forwarded)
        other = client.post("/signin", data=form, headers={"X-Forwarded-For": "198.51.100.1"})
    if trusted:  # the blocked visitor behind the proxy is recognised, others are not blocked with it
        assert answer.status_code == 429
        assert "strict-transport-security" in answer.headers
        assert other.status_code == 401
    else:  # anyone can send these headers: without a trusted proxy they change nothing
        assert answer.status_code == 401
        assert "strict-transport-security" not in answer.headers
