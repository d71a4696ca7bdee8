"""Pages as anonymous readers get them, kept whole and served before any routing.

Most visitors read without signing in, and for them a page, its history, a
comparison or the recent changes depend only on the address, the language, the
content of the wiki, which accounts were erased (their names must vanish) and how many share
a display name (shown with their username).
Views marked ``kept_for_readers`` store what they render for such a reader under the
address, the language and the names edition, with what the page *needs*
(``wiki.services.keeping``: the pages, titles and lists it shows); ``ReaderFront`` answers
the next reader of the same address from memory, with its ETag (304 when the browser has
it) and a gzip copy made once, without passing the router, the session or the template
engine.  Each step the page index takes drops the kept pages whose needs it broke (a save
drops its page, the pages whose links or backlinks it changed and the lists), so the others
stay kept; and nothing is served while the index is behind the branch, so nothing served
can be older than the wiki's own copy.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import threading
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wiki.errors import WikiError
from wiki.names import is_revision
from wiki.numbers import is_whole_number
from wiki.resources import code_folders
from wiki.services.keeping import KeptView, Stale
from wiki.services.site import Site
from wiki.web import i18n
from wiki.web.notices import NOTICE_COOKIE
from wiki.web.session import SESSION_COOKIE, site_of
from wiki.web.static import STATIC

_SESSION = SESSION_COOKIE.encode() + b"="
_LANGUAGE = i18n.LANGUAGE_COOKIE.encode() + b"="
_NOTICE = NOTICE_COOKIE.encode() + b"="
_PROPOSALS = "/proposals/"


#: (address with its query, language, names edition)
Key = tuple[str, str, str]
View = Callable[[Request], Awaitable[Response]]

#: Bytes a kept page costs besides its gzipped body and its needs: the objects that hold them
#: and the key (roughly; counted so that the budget is of memory, not of bodies).
_OVERHEAD = 600
#: How many of the last drops are remembered, to tell whether a page rendered meanwhile may
#: be kept (see ``ReaderCache.put``).
_DROPS_REMEMBERED = 256


@dataclass(frozen=True, slots=True)
class CachedPage:
    """One page as sent, kept gzipped only (every browser takes gzip; a page is a quarter of
    its size so, and 10,000 of them fit), with what it needs and its bytes' digest."""

    key: Key
    packed: bytes
    needs: frozenset[str]
    tag: str

    @property
    def body(self) -> bytes:
        """The page unpacked, for the rare reader that takes no gzip."""
        return gzip.decompress(self.packed)

    @property
    def size(self) -> int:
        """Roughly the memory this page holds, in bytes."""
        return len(self.packed) + _OVERHEAD + sum(len(need) + 60 for need in self.needs)


class ReaderCache:
    """Whole pages by ``Key``, dropped when a change breaks what they need, and least
    recently used first beyond ``budget`` bytes of memory (a share of ``WIKI_CACHE_MB``).

    ``epoch`` counts the drops.  A view reads it before it looks at the wiki and hands it to
    ``put``: a page whose needs a drop broke meanwhile may show the wiki from before that
    drop, so it is not kept (drops come after the change is committed)."""

    def __init__(self, budget: int = 64 * 1024 * 1024) -> None:
        self._pages: OrderedDict[Key, CachedPage] = OrderedDict()
        self._needed_by: dict[str, set[Key]] = {}
        self._drops: deque[tuple[int, Stale]] = deque(maxlen=_DROPS_REMEMBERED)
        self.epoch = 0
        self.budget = budget
        self.bytes = 0
        self.evicted = 0  # pages let go for room
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

    def put(self, key: Key, body: bytes, needs: frozenset[str], epoch: int) -> CachedPage | None:
        """Keep ``body``, rendered from what the wiki was at or after drop number ``epoch``;
        None (not kept) when a later drop broke one of its ``needs``, or too many came."""
        tag = hashlib.blake2b(body, digest_size=12).hexdigest()
        page = CachedPage(key, gzip.compress(body, compresslevel=6, mtime=0), needs, tag)
        with self._lock:
            if not self._still_valid(needs, epoch):
                return None
            self._forget(key)
            self._pages[key] = page
            self.bytes += page.size
            for need in needs:
                self._needed_by.setdefault(need, set()).add(key)
            while self.bytes > self.budget and self._pages:
                self._forget(next(iter(self._pages)))
                self.evicted += 1
            return page if key in self._pages else None

    def drop(self, stale: Stale) -> None:
        """Forget every page that needs something in ``stale`` (every page for None)."""
        with self._lock:
            self.epoch += 1
            self._drops.append((self.epoch, stale))
            if stale is None:
                self._pages.clear()
                self._needed_by.clear()
                self.bytes = 0
                return
            for need in stale:
                for key in list(self._needed_by.get(need, ())):
                    self._forget(key)

    def _still_valid(self, needs: frozenset[str], epoch: int) -> bool:
        if epoch == self.epoch:
            return True
        if not self._drops or self._drops[0][0] > epoch + 1:
            return False  # drops between are forgotten
        return all(stale is not None and not stale & needs for number, stale in self._drops if number > epoch)

    def _forget(self, key: Key) -> None:
        page = self._pages.pop(key, None)
        if page is None:
            return
        self.bytes -= page.size
        for need in page.needs:
            keys = self._needed_by.get(need)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._needed_by[need]


def etag(page: CachedPage, timezone: str) -> str:
    """The validator of a kept page (a browser keeps one per address): its bytes' digest,
    and the release and the site's time zone, so an upgrade is not answered with 304."""
    return f'W/"{page.tag}-{_edition(timezone)}"'


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


def kept_for_readers(view: KeptView, *parameters: str) -> Callable[[View], View]:
    """Keep what a view answers anonymous readers, by address, language and names edition,
    with what a ``view`` of its kind needs (the page of its ``name`` path parameter).

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
            cache: ReaderCache = request.state.reader_cache
            epoch = cache.epoch  # before the wiki is looked at: see ``ReaderCache.put``
            site = site_of(request)
            name = request.path_params.get("name")
            revision = request.query_params.get("revision") or None
            edition, needs = await run_in_threadpool(
                lambda: (_edition_of(site, view, request.scope["path"]), site.keeping.needs(view, name, revision))
            )
            if edition is None:  # no such proposal: the view says so, and is not kept
                return await handler(request)
            key = (_address(request.scope), i18n.current_language(), edition)
            cached = cache.get(key)
            if cached is not None:
                headers = {"ETag": etag(cached, i18n.current_timezone()), **READER_HEADERS}
                if request.headers.get("if-none-match") == headers["ETag"]:
                    return Response(status_code=304, headers=headers)
                return HTMLResponse(cached.body, headers=headers)
            response = await handler(request)
            if response.status_code == 200 and "set-cookie" not in response.headers:
                # gzip and a digest of a page up to a megabyte: not on the event loop
                kept = await run_in_threadpool(cache.put, key, bytes(response.body), needs, epoch)
                if kept is not None:
                    headers = {"ETag": etag(kept, i18n.current_timezone()), **READER_HEADERS}
                    if request.headers.get("if-none-match") == headers["ETag"]:
                        return Response(status_code=304, headers=headers)
                    response.headers.update(headers)
            return response

        return keeping

    return decorate


def _edition_of(site: Site, view: KeptView, path: str) -> str | None:
    """The edition a kept ``view`` is keyed by: the names edition, and for a proposal page
    the proposal's edition too (None: no such proposal).  In the thread pool."""
    edition = site.reader_edition(catch_up=True)
    assert edition is not None
    if view is not KeptView.PROPOSAL:
        return edition
    number = _proposal_number(path)
    try:
        return None if number is None else f"{edition}/{site.proposal_editions.edition(number)}"
    except WikiError:
        return None


def _proposal_number(path: str) -> int | None:
    """The number of a proposal page's address (``/proposals/12``, or one of its revisions:
    ``/proposals/12/revisions/<commit>``), or None for any other."""
    raw = path.removeprefix(_PROPOSALS)
    if raw == path:
        return None
    number, _, rest = raw.partition("/")
    if rest and not (rest.startswith("revisions/") and is_revision(rest.removeprefix("revisions/"))):
        return None
    return int(number) if is_whole_number(number) and len(number) <= 9 else None


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
        if scope["path"].startswith(_PROPOSALS):  # kept by the proposal's edition too, if believed
            number = _proposal_number(scope["path"])
            believed = None if number is None else site.proposal_editions.believed_edition(number)
            if believed is None:
                await self.app(scope, receive, send)
                return
            edition = f"{edition}/{believed}"
        language = i18n.pick_language(_cookie(cookies, _LANGUAGE), accept_language)
        key = (_address(scope), language, edition)
        cache: ReaderCache = scope["state"]["reader_cache"]
        page = cache.get(key)
        if page is None:  # not kept (or no longer): the view decides, 304 included
            await self.app(scope, receive, send)
            return
        tag = etag(page, self.timezone)
        if match is not None and match.decode("latin-1") == tag:
            await _send(send, 304, [(b"etag", tag.encode())], b"")
            return
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"etag", tag.encode())]
        if accepts_gzip:
            body = page.packed
            headers.append((b"content-encoding", b"gzip"))
        else:
            body = page.body
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


async def warm(app: ASGIApp, state: dict[str, Any], paths: list[str]) -> int:
    """Ask ``app`` for each of ``paths`` as an anonymous reader would, so the pages are kept
    before the first reader comes (a save meanwhile drops only what it changed); stops when
    the cache is full (it had to let a page go).  Returns how many pages were asked for."""
    cache: ReaderCache = state["reader_cache"]
    evicted = cache.evicted
    asked = 0
    for path in paths:
        if cache.evicted != evicted:
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
