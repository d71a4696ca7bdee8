"""How many git processes of each kind may run at once, and how many may wait for a turn.

Each clone over HTTP starts ``git http-backend`` (which starts ``upload-pack``), each blame
view ``git blame``, and maintenance ``git gc``: one process per request, as many as
requests came in, let a crowd of clients fork without limit on a machine with two cores.
Now a kind has a few slots; a request beyond them waits its turn in a short queue, and
gets ``Busy`` (503 with ``Retry-After``) when the queue is full or its turn does not come
within its patience.  Threads (blame, maintenance) and coroutines (HTTP clones) share the
same slots, so they work whatever thread or event loop asks.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from wiki.errors import N_, Busy

BUSY = N_("The wiki is very busy right now. Try again in a few seconds.")


@dataclass(eq=False)
class _Waiter:
    """One request waiting for a slot; ``granted`` is decided under the slots' lock."""

    wake: Callable[[], None]
    granted: bool = False


class ProcessSlots:
    """At most ``running`` processes of one kind at once; up to ``waiting`` more wait their
    turn in order, each for at most ``patience`` seconds (None: as long as it takes)."""

    def __init__(self, kind: str, running: int, waiting: int, patience: float | None) -> None:
        self.kind = kind
        self.running = running
        self.waiting = waiting
        self.patience = patience
        self._lock = threading.Lock()
        self._taken = 0
        self._queue: deque[_Waiter] = deque()

    @property
    def taken(self) -> int:
        """How many slots are in use now."""
        return self._taken

    @property
    def queued(self) -> int:
        """How many requests wait for a slot now."""
        return len(self._queue)

    def _enter(self, wake: Callable[[], None]) -> _Waiter | None:
        """Take a free slot (None), or join the queue (the waiter); ``Busy`` when it is full."""
        with self._lock:
            if self._taken < self.running and not self._queue:
                self._taken += 1
                return None
            if len(self._queue) >= self.waiting:
                raise Busy(BUSY)
            waiter = _Waiter(wake)
            self._queue.append(waiter)
            return waiter

    def _give_up(self, waiter: _Waiter) -> bool:
        """Leave the queue; True when the slot was handed over meanwhile (it is the caller's)."""
        with self._lock:
            if waiter.granted:
                return True
            self._queue.remove(waiter)
            return False

    def release(self) -> None:
        """Give the slot back: to the first in the queue, else free."""
        with self._lock:
            if not self._queue:
                self._taken -= 1
                return
            waiter = self._queue.popleft()
            waiter.granted = True
        waiter.wake()

    def take(self) -> None:
        """Wait (in this thread) for a slot; ``Busy`` when none comes in time."""
        turn = threading.Event()
        waiter = self._enter(turn.set)
        if waiter is not None and not turn.wait(self.patience) and not self._give_up(waiter):
            raise Busy(BUSY)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run the block in a slot (taken in this thread)."""
        self.take()
        try:
            yield
        finally:
            self.release()

    async def take_async(self) -> None:
        """Wait (without holding a thread) for a slot; ``Busy`` when none comes in time."""
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()

        def give_turn() -> None:
            if not turn.done():
                turn.set_result(None)

        def wake() -> None:
            loop.call_soon_threadsafe(give_turn)

        waiter = self._enter(wake)
        if waiter is None:
            return
        try:
            await asyncio.wait_for(turn, self.patience)
        except TimeoutError:
            if not self._give_up(waiter):
                raise Busy(BUSY) from None
        except BaseException:  # cancelled: a slot handed over meanwhile goes on to the next
            if self._give_up(waiter):
                self.release()
            raise


# Pack generation is the heavy one (CPU and memory per clone); blame walks history.
UPLOAD_PACK = ProcessSlots("upload-pack", running=4, waiting=16, patience=10.0)
BLAME = ProcessSlots("blame", running=4, waiting=8, patience=5.0)
MAINTENANCE = ProcessSlots("maintenance", running=1, waiting=64, patience=None)
