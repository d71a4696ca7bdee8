"""Headers every response carries, and the request body limit.

Both are plain ASGI middleware so they cover every response type alike:
pages, JSON, errors, static files and redirects.
"""

from __future__ import annotations

import asyncio
import json

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wiki.errors import N_, RequestTimeout, TooLarge
from wiki.logs import REQUEST_ID
from wiki.numbers import is_whole_number
from wiki.web import i18n
from wiki.web.session import SESSION_COOKIE

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
MAX_BODY_BYTES = 1_048_576


MAX_HEADERS = 100
MAX_HEADER_BYTES = 16 * 1024
HSTS = "max-age=31536000; includeSubDomains"


_GIT_CONTENT_TYPES = (
    "application/x-git-upload-pack-advertisement",
    "application/x-git-upload-pack-result",
)


_SESSION = SESSION_COOKIE.encode() + b"="


def _accepts_gzip(scope: Scope) -> bool:
    return any(name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"])


def _signed_in(scope: Scope) -> bool:
    return any(name == b"cookie" and _SESSION in value for name, value in scope["headers"])


class SecurityHeaders:
    """Adds the security headers to every HTTP response, whatever produced it.

    HSTS when served over https; ``Cache-Control: no-store`` for anyone signed in,
    so no shared cache keeps a page meant for one person.
    """

    def __init__(self, app: ASGIApp, form_target: str = "") -> None:
        self.app = app
        # Forms that lead to the sign-in provider (linking, deleting, signing out there): a
        # browser applies form-action to the redirect after a form too, so its origin is allowed.
        self.headers = dict(_HEADERS)
        if form_target:
            self.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY + " " + form_target

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        private = _signed_in(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if private and not headers.get("Cache-Control", "").startswith("public"):
                    headers["Cache-Control"] = "no-store"  # (files the same for everyone stay public)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeaderLimits:
    """Refuses requests with too many or too large headers (431), before any work is done.

    The server is configured with the same bound (``wiki serve``); this keeps it under any server.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            size = sum(len(name) + len(value) + 4 for name, value in headers)
            if len(headers) > MAX_HEADERS or size > MAX_HEADER_BYTES:
                i18n.set_language_of(Request(scope))  # (the Language middleware comes after this one)
                message = i18n.gettext(N_("Too many or too large request headers."))
                content = {"error": "headers_too_large", "message": message, "request_id": REQUEST_ID.get()}
                body = json.dumps(content).encode()
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 431, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuses request bodies over the limit, declared or streamed, before they fill memory.

    A declared ``Content-Length`` over the limit is answered at once; a body that
    grows past it while being read raises ``TooLarge``, which the app's error
    handler turns into a 413 in HTML or JSON.  A client that pauses longer than
    ``timeout`` while sending the body gets 408 (``RequestTimeout``).
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES, timeout: float = 20.0) -> None:
        self.app = app
        self.limit = limit
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        too_large = declared is not None and (not is_whole_number(declared) or int(declared) > self.limit)
        received = 0
        body_done = False

        async def limited_receive() -> Message:
            nonlocal received, body_done
            if too_large:
                raise TooLarge(N_("The request is too large (at most 1 MB)."))
            if body_done:  # after the body, receive() waits for a disconnect: no timeout then
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except TimeoutError:
                raise RequestTimeout(N_("The request body came too slowly.")) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > self.limit:
                    raise TooLarge(N_("The request is too large (at most 1 MB)."))
            return message

        await self.app(scope, limited_receive, send)


class Compression:
    """gzip for what anonymous readers get (pages, styles, feeds, JSON), nothing for anyone signed in.

    Compressing a page that holds a secret (a form token bound to the session) next to
    text a visitor can choose (a search) lets an attacker guess the secret from the
    sizes (BREACH); anonymous pages hold no such secret.  Already compressed bodies
    (zips, git packs) are left alone.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        excluded = (*DEFAULT_EXCLUDED_CONTENT_TYPES, *_GIT_CONTENT_TYPES)
        self.gzip = GZipMiddleware(app, minimum_size=1000, compresslevel=6, exclude_content_types=excluded)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not _signed_in(scope) and _accepts_gzip(scope):
            await self.gzip(scope, receive, send)
            return
        await self.app(scope, receive, send)
