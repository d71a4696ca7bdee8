"""A cache bounded by memory: least recently used first beyond a budget of bytes.

Every cache of rendered things is bounded by what it holds (a share of ``WIKI_CACHE_MB``),
not by a count of entries: a history page of 50 rows is ten times a principle, and a wiki of
10,000 pages must be able to keep all of them when the memory is there.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """Values by key, each with its size in bytes as its maker measured it; the least
    recently used go first when the sizes pass ``budget``.  Safe to share between threads."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.bytes = 0
        self._values: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._values.get(key)
            if found is None:
                return None
            self._values.move_to_end(key)
            return found[0]

    def put(self, key: K, value: V, size: int) -> None:
        """Keep ``value`` (of ``size`` bytes), unless it alone is over the budget."""
        if size > self.budget:
            return
        with self._lock:
            replaced = self._values.pop(key, None)
            if replaced is not None:
                self.bytes -= replaced[1]
            self._values[key] = (value, size)
            self.bytes += size
            while self.bytes > self.budget:
                self.bytes -= self._values.popitem(last=False)[1][1]
