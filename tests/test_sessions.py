"""Sign-in throttling, sessions and tokens as a person meets them, on both database backends."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher
from httpx2 import Response
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from
from wiki.errors import TooManyAttempts
from wiki.models import Role, User
from wiki.services.accounts import AccountService
from wiki.services.site import Site
from wiki.store.database import Database
from wiki.web.app import create_app

GUESSES = 40


class CountingAccounts(AccountService):
    """The real service, counting how many passwords it actually tried."""

    def __init__(self, db: Database) -> None:
        self.tried = 0
        self._tried_lock = threading.Lock()
        super().__init__(db, PasswordHasher(time_cost=1, memory_cost=64, parallelism=1), concurrent_hashes=8)

    def _verify(self, password_hash: str, password: str) -> bool:
        with self._tried_lock:
            self.tried += 1
        return super()._verify(password_hash, password)


@pytest.fixture
def accounts(opened: Callable[[], Database]) -> CountingAccounts:
    """Why: the service on each backend, with a cheap hash so 40 guesses are quick."""
    service = CountingAccounts(opened())
    service.tried = 0  # the dummy hash made at start-up is no guess
    return service


def _guess_at_once(attempt: Callable[[int], object]) -> list[object]:
    """Run GUESSES attempts in parallel threads released together; what each returned or raised."""
    start = threading.Barrier(GUESSES)
    outcomes: list[object] = [None] * GUESSES

    def one(number: int) -> None:
        start.wait()
        try:
            outcomes[number] = attempt(number)
        except TooManyAttempts as refused:
            outcomes[number] = refused

    threads = [threading.Thread(target=one, args=(number,)) for number in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_forty_guesses_at_once_at_one_account_try_at_most_the_limit(accounts: CountingAccounts) -> None:
    accounts.add_user("anna", PASSWORD, Role.EDITOR)
    outcomes = _guess_at_once(lambda number: accounts.authenticate("anna", f"gok {number}"))
    limit = accounts.policy.failures_per_account
    assert accounts.tried == limit
    assert sum(isinstance(outcome, TooManyAttempts) for outcome in outcomes) == GUESSES - limit
    with pytest.raises(TooManyAttempts):  # the right password is refused too, for now
        accounts.authenticate("anna", PASSWORD)


def test_forty_guesses_at_once_from_one_address_try_at_most_its_limit(accounts: CountingAccounts) -> None:
    accounts.policy = type(accounts.policy)(failures_per_address=12)
    _guess_at_once(lambda number: accounts.authenticate(f"gok{number}", "fout", "192.0.2.7"))
    assert accounts.tried == 12
    assert accounts.authenticate("iemand", "fout", "198.51.100.1") is None  # other addresses go on


def test_successful_sign_ins_from_one_address_do_not_use_up_its_limit(accounts: CountingAccounts) -> None:
    accounts.policy = type(accounts.policy)(failures_per_address=3)
    accounts.add_user("anna", PASSWORD, Role.EDITOR)
    for _ in range(10):  # an office behind one address: many people sign in
        assert isinstance(accounts.authenticate("anna", PASSWORD, "192.0.2.7"), User)
    assert accounts.authenticate("anna", "fout", "192.0.2.7") is None
    assert isinstance(accounts.authenticate("anna", PASSWORD, "192.0.2.7"), User)


# -- sessions and tokens, as people meet them on the site (SQLite) -------------------------------

PAGE = "het-proces-is-je-product"


def _second_browser(site: Site) -> TestClient:
    return TestClient(create_app(site.settings, site=site), follow_redirects=False)


def _signed_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    form = {"username": username, "password": password, "csrf_token": csrf_from(client.get("/signin").text)}
    assert client.post("/signin", data=form).status_code == 303


def _post(client: TestClient, url: str, **fields: str) -> Response:
    return client.post(url, data={"csrf_token": csrf_from(client.get("/account").text), **fields})


def test_changing_ones_password_signs_out_every_other_browser_but_this_one(
    client: TestClient, auth: Auth, site: Site
) -> None:
    user = auth.sign_in(Role.EDITOR)
    with _second_browser(site) as other:
        _signed_in(other, user.username)
        assert other.get("/account").status_code == 200
        changed = _post(client, "/account", action="password", current=PASSWORD, new="een nieuw wachtwoord")
        assert changed.status_code == 303
        assert client.get("/account").status_code == 200  # this browser goes on
        assert other.get("/account").status_code != 200  # the other is signed out
        _signed_in(other, user.username, "een nieuw wachtwoord")


def test_a_maintainers_reset_ends_every_session_and_revokes_every_token(
    client: TestClient, auth: Auth, site: Site
) -> None:
    victim = auth.user(Role.EDITOR, "anna")
    token = {"Authorization": "Bearer " + site.accounts.create_token("anna", "script")}
    assert client.get(f"/api/pages/{PAGE}", headers=token).status_code == 200
    with _second_browser(site) as hers:
        _signed_in(hers, victim.username)
        auth.sign_in(Role.MAINTAINER)
        form = {"csrf_token": csrf_from(client.get("/admin/accounts").text), "action": "reset"}
        assert client.post("/admin/accounts/anna", data=form).status_code == 200
        assert hers.get("/account").status_code != 200
    refused = client.get(f"/api/pages/{PAGE}", headers=token)
    assert refused.status_code == 401
    assert site.accounts.tokens("anna") == []


def test_an_expired_token_is_refused_with_the_reason(
    client: TestClient, auth: Auth, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.user(Role.EDITOR, "anna")
    token = {"Authorization": "Bearer " + site.accounts.create_token("anna", "script", 30), "Accept-Language": "en"}
    forever = {"Authorization": "Bearer " + site.accounts.create_token("anna", "nightly"), "Accept-Language": "en"}
    assert client.get(f"/api/pages/{PAGE}", headers=token).status_code == 200
    later = time.time() + 30 * 86400 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    refused = client.get(f"/api/pages/{PAGE}", headers=token)
    assert refused.status_code == 401
    assert refused.json()["error"] == "unauthorized"
    assert "expired" in refused.json()["message"]
    assert client.get(f"/api/pages/{PAGE}", headers=forever).status_code == 200  # no expiry: goes on


def test_a_tokens_last_use_is_noted_at_most_once_a_minute(
    client: TestClient, auth: Auth, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.user(Role.EDITOR, "anna")
    token = {"Authorization": "Bearer " + site.accounts.create_token("anna", "script")}
    writes: list[float] = []
    touch = site.database.touch_token

    def counted_touch(token_id: int, when: float, interval: float) -> None:
        writes.append(when)
        touch(token_id, when, interval)

    monkeypatch.setattr(site.database, "touch_token", counted_touch)
    now = [1_900_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    for step in (0, 20, 20, 19, 1, 30):  # at 0, 20, 40, 59, 60, 90 seconds
        now[0] += step
        assert client.get(f"/api/pages/{PAGE}", headers=token).status_code == 200
    assert writes == [1_900_000_000.0, 1_900_000_060.0]
    assert site.accounts.tokens("anna")[0].last_used == 1_900_000_060.0


def test_the_account_page_makes_tokens_that_expire_and_shows_their_dates(
    client: TestClient, auth: Auth, site: Site
) -> None:
    user = auth.sign_in(Role.EDITOR)
    made = _post(client, "/account", action="token", label="laptop", days="90")
    assert made.status_code == 200
    plain = made.context["new_token"]  # type: ignore[attr-defined]
    row = site.accounts.tokens(user.username)[0]
    assert row.expires is not None
    assert round((row.expires - row.created) / 86400) == 90
    page = client.get("/account", headers={"Accept-Language": "en"}).text
    assert "never used" in page
    assert client.get(f"/api/pages/{PAGE}", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    page = client.get("/account", headers={"Accept-Language": "en"}).text
    assert "last used" in page
    assert "expires" in page
    wrong = _post(client, "/account", action="token", label="raar", days="7")
    assert wrong.status_code == 400
    assert len(site.accounts.tokens(user.username)) == 1


def test_a_maintainer_sees_and_revokes_a_persons_tokens(client: TestClient, auth: Auth, site: Site) -> None:
    auth.user(Role.EDITOR, "anna")
    first = {"Authorization": "Bearer " + site.accounts.create_token("anna", "laptop")}
    second = {"Authorization": "Bearer " + site.accounts.create_token("anna", "nightly", 30)}
    auth.sign_in(Role.MAINTAINER)
    assert 'href="/admin/accounts/anna/tokens"' in client.get("/admin/accounts").text
    listing = client.get("/admin/accounts/anna/tokens")
    assert listing.status_code == 200
    assert "laptop" in listing.text
    assert "nightly" in listing.text
    laptop = next(row for row in site.accounts.tokens("anna") if row.label == "laptop")
    forged = client.post("/admin/accounts/anna", data={"action": "revoke-token", "token_id": str(laptop.id)})
    assert forged.status_code == 403  # no form token: nothing revoked
    form = {"csrf_token": csrf_from(listing.text), "action": "revoke-token", "token_id": str(laptop.id)}
    assert client.post("/admin/accounts/anna", data=form).status_code == 303
    assert client.get(f"/api/pages/{PAGE}", headers=first).status_code == 401
    assert client.get(f"/api/pages/{PAGE}", headers=second).status_code == 200
    form = {"csrf_token": csrf_from(listing.text), "action": "revoke-tokens"}
    assert client.post("/admin/accounts/anna", data=form).status_code == 303
    assert client.get(f"/api/pages/{PAGE}", headers=second).status_code == 401
    assert "laptop" not in client.get("/admin/accounts/anna/tokens").text


def test_only_maintainers_see_someone_elses_tokens(client: TestClient, auth: Auth, site: Site) -> None:
    auth.user(Role.EDITOR, "anna")
    site.accounts.create_token("anna", "laptop")
    auth.sign_in(Role.EDITOR, "bert")
    assert client.get("/admin/accounts/anna/tokens").status_code == 403
