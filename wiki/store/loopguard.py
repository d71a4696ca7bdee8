"""A tripwire for blocking work on the event loop's thread.

Every git command, object read, SQL transaction and Markdown render blocks its thread: on
the event loop that stalls every other request (a session lookup on PostgreSQL is a network
round trip).  Routes therefore make one awaited call into a service, which runs in the
thread pool.  ``check()`` is called at the store's few low-level entry points and raises
``OnEventLoop`` when the calling thread is running an asyncio loop, so a route that forgets
the thread pool fails its test instead of slowing the site.

It is off unless switched on: the test suite switches it on for every test (an autouse
fixture) and for the servers it starts (``WIKI_LOOPGUARD=1``); production leaves it off,
because a missed call site there costs latency, while raising would cost the person their
request (and maybe the text they typed).  Start-up needs no exemption: the app's lifespan
opens the site in the thread pool too.

Only loops that serve the app count (the app marks its loop with :func:`serving` on every
request and at start-up): a test's own code may run where another library keeps a loop
going (Playwright's sync API runs one in the test thread), and calling the store there
blocks no request.
"""

from __future__ import annotations

import asyncio
import os
import weakref

_on = os.environ.get("WIKI_LOOPGUARD") == "1"
_serving: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


class OnEventLoop(RuntimeError):
    """Blocking store work was called on the event loop's thread (a programming error)."""


def switch(on: bool) -> None:
    """Turn the tripwire on or off for the whole process (the tests turn it on)."""
    global _on  # noqa: PLW0603 - one process-wide switch, set once by the test suite
    _on = on


def serving() -> None:
    """Mark the loop this is called on as one that serves the app (called by the app)."""
    if _on:
        _serving.add(asyncio.get_running_loop())


def check() -> None:
    """Raise ``OnEventLoop`` when switched on and this thread runs a loop that serves the app."""
    if not _on:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    if loop not in _serving:
        return
    raise OnEventLoop("blocking store work on the event loop's thread: await it through the thread pool")
