"""What an operator sees of each request: its id, its line in the access log and its metrics.

``Observed`` is the outermost middleware, so it sees the connecting peer before the proxy
headers are believed (an ``X-Request-ID`` is taken only from a trusted proxy, and only when
it is a short token of safe characters), and times every answer, kept pages included.  The
route is labelled by its template (``/p/{name:path}``), never by the address asked for, so
the metrics keep a bounded set of series and no token in a link reaches them.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wiki.logs import REQUEST_ID
from wiki.web.readers import WARMING

log = logging.getLogger("wiki.requests")

REQUEST_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: The route label of a request no route took (a 404): one value for all of them.
UNMATCHED = "(unmatched)"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Proxies:
    """The peers ``WIKI_TRUSTED_PROXIES`` names: networks, and other names taken literally
    (as uvicorn's proxy headers middleware takes them); ``everyone`` for ``*``."""

    networks: tuple[Network, ...]
    names: frozenset[str]
    everyone: bool

    @classmethod
    def parse(cls, setting: str) -> Proxies:
        names = [name.strip() for name in setting.split(",") if name.strip()]
        networks = []
        for name in names:
            with contextlib.suppress(ValueError):
                networks.append(ipaddress.ip_network(name, strict=False))
        return cls(tuple(networks), frozenset(names), "*" in names)

    def trust(self, scope: Scope) -> bool:
        """Whether the connecting peer of ``scope`` is one of these proxies."""
        client = scope.get("client")
        if self.everyone or (client and client[0] in self.names):
            return True
        try:
            address = ipaddress.ip_address(client[0]) if client else None
        except ValueError:  # a unix socket path, or a test client's name
            return False
        return address is not None and any(address in network for network in self.networks)


def request_id_of(scope: Scope, proxies: Proxies) -> str:
    """The proxy's id when a trusted proxy sent a safe one, else a new one."""
    given = next((value for name, value in scope["headers"] if name == b"x-request-id"), None)
    if given is not None and proxies.trust(scope):
        text: str = given.decode("latin-1")
        if _SAFE_ID.fullmatch(text):
            return text
    return secrets.token_hex(8)


def route_of(scope: Scope, routes: Sequence[BaseRoute]) -> str:
    """The template of the route that took the request, or would have (a kept page is answered
    before routing): a few dozen values whatever addresses are asked for."""
    route = scope.get("route")
    if route is None:
        route = next((each for each in routes if each.matches(scope)[0] is Match.FULL), None)
    path: str | None = getattr(route, "path", None)
    return path or ("/" if route is not None else UNMATCHED)


class Observed:
    """Request ids, the access log (``--access-log``) and the request metrics."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute], trusted_proxies: str, access_log: bool) -> None:
        self.app = app
        self.routes = routes
        self.proxies = Proxies.parse(trusted_proxies)
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get(WARMING):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope, self.proxies)
        token = REQUEST_ID.set(request_id)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        state = scope.get("state") or {}
        route = route_of(scope, self.routes)
        site = state.get("site")
        if site is not None:
            site.metrics.answered(route, scope["method"], status, seconds)
            cache = state.get("reader_cache")
            if cache is not None:
                site.metrics.kept_pages.set(len(cache))
        if self.access_log:
            user = state.get("user") or state.get("api_user")
            fields = {"route": route, "method": scope["method"], "status": status}
            fields |= {"duration_ms": round(seconds * 1000, 1), "user_id": getattr(user, "id", None)}
            log.info("request", extra=fields)
