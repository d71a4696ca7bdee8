"""The application, assembled from arguments: routes, middleware, error handlers, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from wiki.config import CacheBudgets, Settings
from wiki.errors import N_, StoreUnavailable, WikiError
from wiki.logs import REQUEST_ID
from wiki.services.mailer import Mailer, open_mailer
from wiki.services.site import Site, open_site
from wiki.store import loopguard
from wiki.web import (
    errorhandling,
    i18n,
    personal,
    readers,
    serving,
)
from wiki.web.observe import Observed
from wiki.web.replicas import FollowOwnWrites
from wiki.web.routes import ROUTES
from wiki.web.security import BodyLimit, Compression, HeaderLimits, SecurityHeaders
from wiki.web.session import SignedIn

log = logging.getLogger(__name__)


class ServerErrors:
    """An unexpected failure: logged in full, answered without internals.

    It sits inside ``SecurityHeaders``, so even this answer carries the headers
    (Starlette's own last-resort handler sits outside all middleware).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            if scope["type"] != "http" or started:
                raise
            log.exception("unhandled error on %s", scope.get("path"))
            request = Request(scope, receive)
            if errorhandling.is_api(request):
                message = i18n.gettext(N_("Something went wrong on our side."))
                content = {"error": "internal", "message": message, "request_id": REQUEST_ID.get()}
                response: Response = JSONResponse(content, status_code=500)
            else:
                error = WikiError(N_("Something went wrong on our side."))
                response = errorhandling.error_page(request, error)
            await response(scope, receive, send)


class Language:
    """Sets the interface language of each request (the remembered choice, else what the
    browser prefers) and the site's time zone for its dates; tells caches that answers
    depend on both headers (``Vary``), static files aside (the same for everyone)."""

    def __init__(self, app: ASGIApp, timezone: str) -> None:
        self.app = app
        self.timezone = timezone

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        i18n.set_language_of(Request(scope))
        i18n.set_timezone(self.timezone)
        if scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return

        async def send_varied(message: Message) -> None:
            if message["type"] == "http.response.start":
                _vary(MutableHeaders(scope=message), i18n.NEGOTIATED_BY)
            await send(message)

        await self.app(scope, receive, send_varied)


def _vary(headers: MutableHeaders, names: str) -> None:
    """Add ``names`` to the response's ``Vary``, each once."""
    present = [name.strip() for name in headers.get("vary", "").split(",") if name.strip()]
    known = {name.lower() for name in present}
    present += [name.strip() for name in names.split(",") if name.strip().lower() not in known]
    headers["Vary"] = ", ".join(present)


async def _follow_remote(site: Site) -> None:
    """Fetch from the shared remote every ``fetch_interval`` seconds, for as long as the app runs
    (a webhook makes it sooner).  A remote that does not answer is logged and tried again."""
    while True:
        await asyncio.sleep(site.settings.fetch_interval)
        try:
            await run_in_threadpool(site.replication.sync)
        except StoreUnavailable as error:
            log.warning("could not follow the shared remote: %s", error.message)


#: Seconds between two looks at the outbox (a mail told at once goes out this much later at most).
MAIL_INTERVAL = 5.0


async def _send_mail(mailer: Mailer) -> None:
    """Send what the outbox holds, digests included, every ``MAIL_INTERVAL`` seconds in the
    thread pool; a failure is logged and the next round tries again (rows keep their state)."""
    while True:
        await asyncio.sleep(MAIL_INTERVAL)
        try:
            await run_in_threadpool(mailer.send_due, time.time())
        except Exception:
            log.exception("the mail sender failed; it tries again in %s s", MAIL_INTERVAL)


#: Seconds between two looks for proposals whose response deadline passed.
DEADLINE_INTERVAL = 300.0


async def _tell_deadlines(site: Site) -> None:
    """Tell the watchers of proposals whose response deadline passed, every
    ``DEADLINE_INTERVAL`` seconds in the thread pool (once per proposal: the event key is
    unique, so several instances may all look)."""
    while True:
        try:
            await run_in_threadpool(site.process.tell_passed_deadlines)
        except Exception:
            log.exception("the deadline check failed; it tries again in %s s", DEADLINE_INTERVAL)
        await asyncio.sleep(DEADLINE_INTERVAL)


async def _warm(app: ASGIApp, state: dict[str, Any]) -> None:
    """Keep every page ready for anonymous readers soon after start-up (in the background:
    the server answers meanwhile), so even the first reader of a page gets it at once."""
    site: Site = state["site"]
    started = time.perf_counter()
    paths = ["/p/" + quote(page.path) for page in await run_in_threadpool(site.pages.list_pages)]
    asked = await readers.warm(app, state, paths)
    log.info("%d pages kept for readers in %.1f s", asked, time.perf_counter() - started)


def _caches(budgets: CacheBudgets) -> dict[str, Any]:
    """The pages kept whole: for anonymous readers, and per role for signed-in people."""
    return {
        "reader_cache": readers.ReaderCache(budgets.readers),
        "shell_cache": personal.ShellCache(budgets.people),
    }


#: Seconds between two tries of a worker that does not lead to take over (the leader ended).
LEAD_RETRY = 5.0


async def _lead(app: Starlette, site: Site) -> None:
    """Once this process leads (``wiki.store.leadership``: at once when it is the only one on
    the repository, else when the leader ends), run what must run once for all the workers of
    ``wiki serve --workers``: git maintenance, following the remote, the mail sender, the
    deadline check and the metrics address."""
    while not await run_in_threadpool(site.leadership.try_take):
        await asyncio.sleep(LEAD_RETRY)
    settings = site.settings
    log.info("process %d leads: git maintenance, the remote, mail, deadlines and the metrics address", os.getpid())
    site.start_maintenance()
    tasks = [asyncio.create_task(_tell_deadlines(site))]
    if site.replication.enabled:
        tasks.append(asyncio.create_task(_follow_remote(site)))
    if settings.mail_on:
        tasks.append(asyncio.create_task(_send_mail(open_mailer(site))))
    elif settings.smtp_url:
        log.warning("WIKI_SMTP_URL is set but WIKI_PUBLIC_URL is not: no mail is sent (see /admin/mail)")
    stop_metrics = serving.start_metrics_server(app, settings) if settings.metrics_listen else None
    try:
        await asyncio.gather(*tasks)
    finally:
        if stop_metrics is not None:
            await run_in_threadpool(stop_metrics)


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of an address ("" for none)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if url else ""


class MarksServingLoop:
    """Tells ``loopguard`` which event loop serves this app, so its tripwire (on in the tests)
    fires for blocking work on that loop and on no other."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        loopguard.serving()
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, site: Site | None = None, *, access_log: bool = False) -> Starlette:
    """The wiki as an ASGI app; ``site`` lets a test share one already opened; ``access_log``
    writes a line per request (``wiki serve --access-log``)."""
    config = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        if site is not None:
            app.state.site = site  # (for the metrics server's app, see wiki.web.metrics)
            shared = _caches(site.settings.cache_budgets)
            stop_dropping = site.keeping.watch(shared["reader_cache"].drop)
            try:
                yield {"site": site, **shared}
            finally:
                stop_dropping()
            return
        opened = await run_in_threadpool(open_site, config)
        app.state.site = opened
        caches = _caches(config.cache_budgets)
        opened.keeping.watch(caches["reader_cache"].drop)  # for as long as the site is open
        state: dict[str, Any] = {"site": opened, **caches}
        state["warming"] = asyncio.create_task(_warm(app, state))
        tasks = [state["warming"], asyncio.create_task(_lead(app, opened))]
        try:
            yield state
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            app.state.site = None
            opened.close()

    # Behind a load balancer: the client's address and scheme, from trusted proxies only.
    trusted = config.trusted_proxies
    proxies = [Middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)] if trusted else []
    return Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(Observed, routes=ROUTES, trusted_proxies=trusted, access_log=access_log),
            Middleware(MarksServingLoop),
            *proxies,
            Middleware(SecurityHeaders, form_target=_origin(config.oidc_issuer)),
            Middleware(HeaderLimits),
            Middleware(FollowOwnWrites),
            Middleware(readers.ReaderFront, timezone=config.timezone),
            Middleware(Language, timezone=config.timezone),
            Middleware(Compression),
            Middleware(ServerErrors),
            Middleware(BodyLimit, timeout=config.receive_timeout),
            Middleware(SignedIn),
        ],
        exception_handlers={WikiError: errorhandling.wiki_error, HTTPException: errorhandling.starlette_error},
        lifespan=lifespan,
    )
