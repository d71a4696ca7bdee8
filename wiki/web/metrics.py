"""``GET /metrics`` for Prometheus, never public by default.

Served by the wiki itself only with ``WIKI_METRICS_TOKEN`` (a bearer token, compared in
constant time); with ``WIKI_METRICS_LISTEN`` it is served by a second, small server on that
address instead (``wiki serve`` starts it), which an operator keeps off the public network.
Without either, ``/metrics`` does not exist (404).  A scrape reads git and the database, so
it runs in the thread pool.
"""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from wiki.config import Settings
from wiki.services.site import Site
from wiki.web.session import site_of


def _refusal(request: Request, token: str) -> Response | None:
    """401 without a bearer token, 403 with a wrong one, None with the right one."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return PlainTextResponse("A bearer token is needed.\n", 401, headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return PlainTextResponse("The token is not right.\n", 403)
    return None


async def _scrape(request: Request, site: Site, token: str) -> Response:
    refused = _refusal(request, token) if token else None
    if refused is not None:
        return refused
    body = await run_in_threadpool(site.metrics.exposition)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def metrics(request: Request) -> Response:
    """The wiki's own ``/metrics``: only with ``WIKI_METRICS_TOKEN``, and not when a separate
    address serves it (the address is the operator's way to keep it off the public one)."""
    site = site_of(request)
    settings = site.settings
    if not settings.metrics_token or settings.metrics_listen:
        raise HTTPException(404)
    return await _scrape(request, site, settings.metrics_token)


def metrics_app(main: Starlette, settings: Settings) -> Starlette:
    """The second server's app: ``/metrics`` of the site ``main`` opened (503 until it has),
    with the token too when one is set."""

    async def scrape(request: Request) -> Response:
        site: Site | None = getattr(main.state, "site", None)
        if site is None:
            return PlainTextResponse("The wiki is starting.\n", 503)
        return await _scrape(request, site, settings.metrics_token)

    return Starlette(routes=[Route("/metrics", scrape)])
