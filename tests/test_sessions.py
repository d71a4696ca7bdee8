"""Sign-in throttling, sessions and tokens as a person meets them, on both database backends."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher

from wiki.errors import TooManyAttempts
from wiki.models import Role, User
from wiki.services.accounts import AccountService
from wiki.store.database import Database

PASSWORD = "correct horse battery"
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
