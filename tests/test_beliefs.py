"""Who is signed in, their bell and their watches are believed for a moment, so a signed-in
person's views need neither the database nor the thread pool; every change made here applies
at once, one made by another process within the moment, and a form is always checked."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth
from wiki.models import Role
from wiki.services import beliefs
from wiki.services.beliefs import Beliefs
from wiki.services.site import Site, open_site

PAGE = "neem-initiatief"


class Clock:
    """A clock the test moves (``Beliefs`` takes one)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_believed_for_a_moment_and_then_asked_again() -> None:
    clock = Clock()
    kept: Beliefs[str, int] = Beliefs(clock)
    kept.keep("anna", 3, kept.changes())
    assert kept.get("anna") == 3
    clock.now += beliefs.SECONDS * 0.9
    assert kept.get("anna") == 3
    clock.now += beliefs.SECONDS * 0.2
    assert kept.get("anna") is None


def test_an_answer_is_never_believed_past_its_own_end() -> None:
    clock = Clock()
    kept: Beliefs[str, int] = Beliefs(clock)
    kept.keep("anna", 3, kept.changes(), seconds=0.25)  # a session that times out in 0.25 s
    clock.now += 0.3
    assert kept.get("anna") is None


def test_an_answer_looked_up_while_something_changed_is_not_believed() -> None:
    kept: Beliefs[str, int] = Beliefs()
    before = kept.changes()  # a lookup starts ...
    kept.forget("bert")  # ... a sign-out or a read mark lands meanwhile ...
    kept.keep("anna", 3, before)  # ... and the answer, maybe from before it, is not kept
    assert kept.get("anna") is None
    kept.keep("anna", 3, kept.changes())
    kept.forget_all()
    assert kept.get("anna") is None


def test_what_is_believed_stays_bounded() -> None:
    kept: Beliefs[int, int] = Beliefs()
    for number in range(beliefs.KEPT + 5):
        kept.keep(number, number, kept.changes())
    assert len(kept._kept) <= beliefs.KEPT
    assert kept.get(beliefs.KEPT + 4) == beliefs.KEPT + 4


@pytest.fixture
def lookups(site: Site, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Why: what a view asked the database about its visitor, in order."""
    asked: list[str] = []
    for name in ("session", "header_state"):
        real: Callable[..., object] = getattr(site.database, name)

        def counted(*args: object, _real: Callable[..., object] = real, _name: str = name) -> object:
            asked.append(_name)
            return _real(*args)

        monkeypatch.setattr(site.database, name, counted)
    return asked


def test_a_second_view_within_the_moment_asks_the_database_nothing_about_the_visitor(
    client: TestClient, auth: Auth, lookups: list[str]
) -> None:
    auth.sign_in(Role.EDITOR, "anna")
    client.get(f"/p/{PAGE}")
    lookups.clear()
    page = client.get(f"/p/{PAGE}")
    assert "Editor Een" in page.text  # still signed in, by name
    assert lookups == []


def test_a_form_is_checked_in_the_database_every_time(client: TestClient, auth: Auth, lookups: list[str]) -> None:
    auth.sign_in(Role.EDITOR, "anna")
    form = client.get(f"/discuss/{PAGE}")
    lookups.clear()
    client.post(f"/discuss/{PAGE}", data={"csrf_token": form.context["csrf_token"], "body": "Een reactie."})  # type: ignore[attr-defined]
    assert "session" in lookups


def test_an_account_disabled_here_is_signed_out_at_once(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR, "anna")
    assert client.get(f"/edit/{PAGE}").status_code == 200
    site.accounts.set_disabled("anna", disabled=True)
    assert client.get(f"/edit/{PAGE}").headers["location"] == f"/signin?next=/edit/{PAGE}"


@pytest.fixture
def other_process(site: Site) -> Iterator[Site]:
    """Why: a second instance on the same repository and database (a worker, the command line)."""
    other = open_site(site.settings)
    yield other
    other.close()


def test_an_account_disabled_elsewhere_is_signed_out_within_the_moment(
    client: TestClient, auth: Auth, site: Site, other_process: Site
) -> None:
    auth.sign_in(Role.EDITOR, "anna")
    assert client.get(f"/edit/{PAGE}").status_code == 200
    other_process.accounts.set_disabled("anna", disabled=True)
    later = time.monotonic() + beliefs.SECONDS
    site.accounts.believed_sessions.clock = lambda: later
    assert client.get(f"/edit/{PAGE}").headers["location"] == f"/signin?next=/edit/{PAGE}"
