"""Read your own writes behind a load balancer.

After someone changes something on one replica, their next request may land on
another that has not fetched yet.  So every answer to a request that published a
save leaves a short-lived cookie naming what it published, signed by the site; a
replica that gets that cookie and lacks the object fetches first, once per save
(one fetch serves all such requests).  A cookie the site did not sign, or an old
one, is ignored: fetching happens under the writer lock, so an unsigned value
would let anyone stall every writer.  Without a shared remote this does nothing.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wiki.errors import StoreUnavailable

log = logging.getLogger(__name__)

WROTE_COOKIE = "wiki_wrote"


class FollowOwnWrites:
    """Sets ``wiki_wrote`` after a save and fetches before serving whoever carries one this copy lacks."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        site = scope.get("state", {}).get("site") if scope["type"] == "http" else None
        if site is None or not site.replication.enabled:
            await self.app(scope, receive, send)
            return
        lifetime = int(2 * site.settings.fetch_interval) + 5  # the interval fetch has come by then
        mark = site.replication.read_mark(Request(scope).cookies.get(WROTE_COOKIE, ""), lifetime)
        if mark is not None:
            try:
                await run_in_threadpool(site.replication.catch_up_with, mark)
            except StoreUnavailable as error:  # serve what this copy has; the change is on the remote
                log.warning("could not fetch before serving a recent writer: %s", error.message)

        with site.replication.recording() as published:

            async def mark_save(message: Message) -> None:
                if message["type"] == "http.response.start" and message["status"] < 400 and published:
                    value = site.replication.write_mark(published[-1])
                    cookie = f"{WROTE_COOKIE}={value}; Max-Age={lifetime}; Path=/; HttpOnly; SameSite=Lax"
                    if site.settings.secure_cookies:
                        cookie += "; Secure"
                    if value:
                        MutableHeaders(scope=message).append("set-cookie", cookie)
                await send(message)

            await self.app(scope, receive, mark_save)
