"""Pages as anonymous readers get them, kept whole and served before any routing.

Most visitors read without signing in, and for them a page, its history, a
comparison or the recent changes depend only on the address, the language, the
commit the wiki is at, which accounts were erased (their names must vanish) and how many share
a display name (shown with their username).
Views marked ``kept_for_readers`` store what they render for such a reader under
exactly that key; ``ReaderFront`` answers the next reader of the same address
from memory, with its ETag (304 when the browser has it) and a gzip copy made
once, without passing the router, the session or the template engine.  Any
commit changes the key, so nothing served can be older than the wiki's own copy.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wiki.resources import code_folders
from wiki.web import i18n
from wiki.web.notices import NOTICE_COOKIE
from wiki.web.session import SESSION_COOKIE, site_of
from wiki.web.static import STATIC

_SESSION = SESSION_COOKIE.encode() + b"="
_LANGUAGE = i18n.LANGUAGE_COOKIE.encode() + b"="
_NOTICE = NOTICE_COOKIE.encode() + b"="


#: (address with its query, language, commit, accounts erased so far)
Key = tuple[str, str, str, str]
View = Callable[[Request], Awaitable[Response]]


@dataclass(slots=True)
class CachedPage:
    """One page's bytes as sent, and gzipped once the first reader asks for that."""

    body: bytes
    _gzipped: bytes | None = None

    def gzipped(self) -> bytes:
        """The body compressed (made once; two readers racing both make the same bytes)."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped


class ReaderCache:
    """Whole pages by ``Key``, least recently used dropped first, bounded by count and by bytes
    (a history page of 50 rows is ten times a principle)."""

    def __init__(self, size: int = 4096, budget: int = 48 * 1024 * 1024) -> None:
        self._pages: OrderedDict[Key, CachedPage] = OrderedDict()
        self.size = size
        self.budget = budget
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many pages are kept."""
        return len(self._pages)

    def get(self, key: Key) -> CachedPage | None:
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
            return found

    def put(self, key: Key, body: bytes) -> None:
        page = CachedPage(body)
        with self._lock:
            replaced = self._pages.pop(key, None)
            self._bytes -= len(replaced.body) if replaced else 0
            self._pages[key] = page
            self._bytes += len(body)
            while len(self._pages) > self.size or (self._bytes > self.budget and len(self._pages) > 1):
                self._bytes -= len(self._pages.popitem(last=False)[1].body)


def etag(key: Key, timezone: str) -> str:
    """The validator of a kept page (a browser keeps one per address): what else it depends on,
    including the release and the site's time zone, so an upgrade is not answered with 304."""
    _address, language, head, names = key
    return f'W/"{head[:20]}-{language}-{names}-{_edition(timezone)}"'


@functools.cache
def _edition(timezone: str) -> str:
    """A digest of what renders pages besides the content: the code, templates, translations
    and static files (pages name them by hash) of this release, and the time zone dates are
    shown in."""
    digest = hashlib.sha256(timezone.encode())
    digest.update(repr(sorted(STATIC.hashes.items())).encode())
    for folder in code_folders():
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".py", ".po", ".html"}:
                digest.update(path.relative_to(folder.parent).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


def kept_for_readers(*parameters: str) -> Callable[[View], View]:
    """Keep what a view answers anonymous readers, by address, language, commit and names edition.

    For views whose page depends on nothing else (a page, its history, a comparison,
    recent changes), so the next reader gets it from ``ReaderFront``, and a browser that
    has it gets 304.  Only addresses whose query uses just ``parameters`` are kept: any
    other query would let anyone fill the cache with copies.  Anyone signed in, or with a
    notice to see, gets a page made for them, never kept.
    """
    allowed = frozenset(parameters)

    def decorate(handler: View) -> View:
        @functools.wraps(handler)
        async def keeping(request: Request) -> Response:
            personal = SESSION_COOKIE in request.cookies or NOTICE_COOKIE in request.cookies
            if personal or not allowed.issuperset(request.query_params.keys()):
                return await handler(request)
            edition = await run_in_threadpool(lambda: site_of(request).reader_edition(catch_up=True))
            assert edition is not None
            key = (_address(request.scope), i18n.current_language(), *edition)
            headers = {"ETag": etag(key, i18n.current_timezone()), **READER_HEADERS}
            if request.headers.get("if-none-match") == headers["ETag"]:
                return Response(status_code=304, headers=headers)
            cache: ReaderCache = request.state.reader_cache
            cached = cache.get(key)
            if cached is not None:
                return HTMLResponse(cached.body, headers=headers)
            response = await handler(request)
            if response.status_code == 200 and "set-cookie" not in response.headers:
                cache.put(key, bytes(response.body))
                response.headers.update(headers)
            return response

        return keeping

    return decorate


def _address(scope: Scope) -> str:
    query: bytes = scope["query_string"]
    path: str = scope["path"]
    return path + ("?" + query.decode("latin-1") if query else "")


#: Addresses no reader page is kept for: the probes and the scrape go straight to their routes,
#: with no look at the index (cheap, and answering even when the index is broken).
NEVER_KEPT = frozenset({"/healthz", "/readyz", "/metrics"})

READER_HEADERS = {"Cache-Control": "no-cache", "Vary": f"{i18n.NEGOTIATED_BY}, Accept-Encoding"}


class ReaderFront:
    """Answers anonymous GETs of pages already in the ``ReaderCache``; passes the rest on,
    among them requests with a notice to show (that page is made for its one reader)."""

    def __init__(self, app: ASGIApp, timezone: str) -> None:
        self.app = app
        self.timezone = timezone  # of the dates in kept pages: it runs before ``Language``

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or "state" not in scope or scope["path"] in NEVER_KEPT:
            await self.app(scope, receive, send)
            return
        cookies = b""
        accepts_gzip = False
        match = None
        accept_language = None
        for name, value in scope["headers"]:
            if name == b"cookie":
                cookies += value + b";"
            elif name == b"accept-encoding":
                accepts_gzip = b"gzip" in value
            elif name == b"if-none-match":
                match = value
            elif name == b"accept-language":
                accept_language = value.decode("latin-1")
        site = scope["state"].get("site")
        personal = _SESSION in cookies or _NOTICE in cookies
        edition = None
        if not personal and site is not None:
            edition = site.known_reader_edition() or await run_in_threadpool(site.reader_edition)
        if edition is None:
            await self.app(scope, receive, send)
            return
        language = i18n.pick_language(_cookie(cookies, _LANGUAGE), accept_language)
        key = (_address(scope), language, *edition)
        page = scope["state"]["reader_cache"].get(key)
        if page is None:  # not kept (or no longer): the view decides, 304 included
            await self.app(scope, receive, send)
            return
        tag = etag(key, self.timezone)
        if match is not None and match.decode("latin-1") == tag:
            await _send(send, 304, [(b"etag", tag.encode())], b"")
            return
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"etag", tag.encode())]
        body = page.body
        if accepts_gzip:
            body = page.gzipped()
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await _send(send, 200, headers, body)


def _cookie(cookies: bytes, prefix: bytes) -> str | None:
    """The value of one cookie in a Cookie header, without parsing the others."""
    for part in cookies.split(b";"):
        pair = part.strip()
        if pair.startswith(prefix):
            return pair[len(prefix) :].decode("latin-1")
    return None


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers += [(name.lower().encode(), value.encode()) for name, value in READER_HEADERS.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


#: The scope key of the requests ``warm`` makes: nobody asked for them, so they are not
#: logged or counted as requests (``wiki.web.observe``).
WARMING = "wiki.warming"


async def warm(app: ASGIApp, state: dict[str, Any], paths: list[str], head: Callable[[], str | None]) -> int:
    """Ask ``app`` for each of ``paths`` as an anonymous reader would, so the pages are kept
    before the first reader comes; stops when the wiki moves on (``head()`` changes) or the
    cache is full.  Returns how many pages were asked for."""
    started = await run_in_threadpool(head)
    cache: ReaderCache = state["reader_cache"]
    asked = 0
    for path in paths[: cache.size]:
        if await run_in_threadpool(head) != started:
            break
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 0),
            "server": ("127.0.0.1", 0),
            "state": dict(state),
            WARMING: True,
        }
        await app(scope, _no_body, _discard)
        asked += 1
    return asked


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _discard(message: Message) -> None:
    """The warmed page goes to the cache, not to anyone."""
