"""What every table module of the database builds on: the two backends' common shape, and
one short transaction per statement.

The statements of ``users``, ``credentials`` and ``discussion`` are portable SQL and run
unchanged on ``sql_sqlite`` and ``sql_postgres``; what really differs (schema,
placeholders, connections, error classes) lives there.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol


class Cursor(Protocol):
    """What a statement gives back, on either backend."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Transaction(Protocol):
    """A connection inside a transaction; statements take ``?`` placeholders."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor: ...


class Backend(Protocol):
    """What ``sql_sqlite`` and ``sql_postgres`` each provide: the schema is made when one opens."""

    name: str
    error: type[Exception]
    integrity_error: type[Exception]

    def transaction(self) -> AbstractContextManager[Transaction]: ...

    def backup(self, target: Path) -> None: ...

    def restore(self, source: Path) -> None: ...

    def close(self) -> None: ...


class Tables:
    """Statements on one backend; each method of a subclass is one short transaction, so it
    is safe from any thread."""

    def __init__(self, backend: Backend) -> None:
        """Run statements on ``backend``."""
        self.backend = backend

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.backend.transaction() as transaction:
            return transaction.execute(sql, params).fetchall()

    def _row(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.backend.transaction() as transaction:
            return transaction.execute(sql, params).fetchone()

    def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; how many rows it changed."""
        with self.backend.transaction() as transaction:
            return transaction.execute(sql, params).rowcount
