"""Answers believed for a moment without asking the database again.

Every request of a signed-in person asks whose session it is, how many notifications they
have not read and what they watch.  Asked hundreds of times a second, the answer hardly ever
changes, so it is believed for up to a second in this process.  A change made here forgets it
at once; one made by another process (a second worker, another instance, the command line)
shows within the second.  An answer looked up while a change was being made is not believed:
a lookup notes the count of changes before it asks, and keeps its answer only if no change
came in between.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")

SECONDS = 1.0
# Answers kept at most; past it the stale ones go, and if that is not enough all of them.
KEPT = 10_000


class Beliefs(Generic[Key, Value]):
    """Answers by key, each believed until its own moment (at most ``SECONDS`` ahead)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._kept: dict[Key, tuple[float, Value]] = {}
        self._lock = threading.Lock()
        self._changes = 0

    def get(self, key: Key) -> Value | None:
        """The answer believed for ``key``, or None when there is none (or it is stale)."""
        kept = self._kept.get(key)
        return kept[1] if kept is not None and self.clock() < kept[0] else None

    def changes(self) -> int:
        """Note this before asking the database; hand it to ``keep`` with the answer."""
        return self._changes

    def keep(self, key: Key, value: Value, changes: int, seconds: float = SECONDS) -> None:
        """Believe ``value`` for ``key`` for ``seconds`` (at most ``SECONDS``), unless something
        changed since ``changes`` was noted."""
        until = self.clock() + min(seconds, SECONDS)
        with self._lock:
            if changes != self._changes:
                return
            if len(self._kept) >= KEPT:
                now = self.clock()
                self._kept = {kept: entry for kept, entry in self._kept.items() if entry[0] > now}
                if len(self._kept) >= KEPT:
                    self._kept = {}
            self._kept[key] = (until, value)

    def forget(self, key: Key) -> None:
        """Ask the database again next time for ``key``: it changed here."""
        with self._lock:
            self._changes += 1
            self._kept.pop(key, None)

    def forget_all(self) -> None:
        """Ask the database again for every key."""
        with self._lock:
            self._changes += 1
            self._kept = {}

    def __contains__(self, key: Key) -> bool:
        return key in self._kept
