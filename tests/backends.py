"""Fixtures for the store's tests that run once per database backend (SQLite and PostgreSQL);
loaded for every test module by ``pytest_plugins`` in conftest.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wiki.store.database import Database, open_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Why: each test runs once per backend, on an empty database of its own."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture
def opened(store_url: str) -> Iterator[Callable[[], Database]]:
    """Why: some tests need a second Database on the same data, as a second replica has."""
    databases: list[Database] = []

    def open_one() -> Database:
        databases.append(open_database(store_url))
        return databases[-1]

    yield open_one
    for database in databases:
        database.close()
