"""People in their own browsers for the discussion tests: each signed-in person gets a client
of their own on the shared site, so a test reads like several people taking part."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, csrf_from
from wiki.models import Role, User
from wiki.services.site import Site
from wiki.web.app import create_app

PAGE = "neem-initiatief"


class People:
    """Makes accounts, each with a signed-in client and an API token."""

    def __init__(self, site: Site, stack: ExitStack) -> None:
        self.site = site
        self.stack = stack

    def client(self) -> TestClient:
        app = create_app(self.site.settings, site=self.site)
        return self.stack.enter_context(
            TestClient(app, follow_redirects=False, headers={"Accept-Encoding": "identity"})
        )

    def join(self, username: str, role: Role = Role.CONTRIBUTOR) -> tuple[User, TestClient]:
        user = self.site.accounts.add_user(username, PASSWORD, role, display_name=username.title())
        client = self.client()
        token = csrf_from(client.get("/signin").text)
        signed = client.post(
            "/signin", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"}
        )
        assert signed.status_code == 303
        return user, client

    def token(self, username: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.site.accounts.create_token(username)}


@pytest.fixture
def participants(site: Site) -> Iterator[People]:
    """Why: discussions need several people at once, each in a browser of their own."""
    with ExitStack() as stack:
        yield People(site, stack)


def post(client: TestClient, url: str, **data: str) -> str:
    """Post a form with this visitor's token; the address it leads to (it must be a 303)."""
    response = client.post(url, data={"csrf_token": csrf_from(client.get("/privacy").text), **data})
    assert response.status_code == 303, response.text[:2000]
    return str(response.headers["location"])


def refused(client: TestClient, url: str, **data: str) -> int:
    """Post a form that must be refused; its status."""
    response = client.post(url, data={"csrf_token": csrf_from(client.get("/privacy").text), **data})
    assert response.status_code >= 400, response.status_code
    return response.status_code
