"""Read your own writes behind a load balancer.

After someone changes something on one replica, their next request may land on
another that has not fetched yet.  So every change answered on a replica leaves a
short-lived cookie with the time it was made; a replica that gets a request with a
newer time than its last fetch fetches first (one fetch serves all such requests).
Without a shared remote this does nothing.
"""

from __future__ import annotations

import logging
import time

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wiki.errors import StoreUnavailable

log = logging.getLogger(__name__)

WROTE_COOKIE = "wiki_wrote"
_READS = ("GET", "HEAD")


class FollowOwnWrites:
    """Sets ``wiki_wrote`` after a change and fetches before serving whoever carries a newer one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        site = scope.get("state", {}).get("site") if scope["type"] == "http" else None
        if site is None or not site.replication.enabled:
            await self.app(scope, receive, send)
            return
        wrote = _moment(Request(scope).cookies.get(WROTE_COOKIE, ""))
        if wrote > site.replication.synced_at:
            try:
                await run_in_threadpool(site.replication.sync_since, wrote)
            except StoreUnavailable as error:  # serve what this copy has; the change is on the remote
                log.warning("could not fetch before serving a recent writer: %s", error.message)
        if scope["method"] in _READS:
            await self.app(scope, receive, send)
            return
        lifetime = int(2 * site.settings.fetch_interval) + 5

        async def mark_change(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                cookie = f"{WROTE_COOKIE}={time.time():.3f}; Max-Age={lifetime}; Path=/; HttpOnly; SameSite=Lax"
                if site.settings.secure_cookies:
                    cookie += "; Secure"
                MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, mark_change)


def _moment(value: str) -> float:
    try:
        moment = float(value)
    except ValueError:
        return 0.0
    now = time.time()
    if moment > now + 60:  # far ahead: no one's real change
        return 0.0
    return min(moment, now)  # slightly ahead: another machine's clock
