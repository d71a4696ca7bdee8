"""Pages for signed-in people, kept once per role and filled in for each person.

What a signed-in person sees of a page, its history or a comparison depends on what an
anonymous reader's copy depends on (``wiki.web.readers``: address, language, names edition and
what the page needs; here the commit stands in for those needs) and on their role (which
buttons show); only their name, bell, watch buttons and form token are theirs alone. Views
marked ``kept_for_people`` are rendered once per role as a ``Shell`` with holes for those parts
(``wiki.web.shells``) and kept here; the next person of that role gets the shell filled with
their own parts, without the view, its trip to the thread pool or the template engine. With the
session lookup (``SignedIn``) bringing the edition along, a kept view makes that one trip only.
A new commit changes the key, so a save shows at once; a page with a notice to show is made for
its one reader, never kept.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from wiki.web import i18n
from wiki.web.notices import NOTICE_COOKIE
from wiki.web.session import current_user, site_of
from wiki.web.shells import Recording, Shell
from wiki.web.templating import LiveParts

#: (address with its query, language, commit, names edition, role)
Key = tuple[str, str, str, str, str]
View = Callable[[Request], Awaitable[Response]]

#: Characters of pages kept for people (a role sees a page much as a reader does: the same
#: order of size as the reader cache, shared by the few roles).
SHELL_BUDGET = 32 * 1024 * 1024


class ShellCache:
    """Shells by ``Key``, least recently used dropped first beyond ``budget`` characters."""

    def __init__(self, budget: int = SHELL_BUDGET) -> None:
        self._shells: OrderedDict[Key, Shell] = OrderedDict()
        self.budget = budget
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many shells are kept."""
        return len(self._shells)

    def get(self, key: Key) -> Shell | None:
        with self._lock:
            found = self._shells.get(key)
            if found is not None:
                self._shells.move_to_end(key)
            return found

    def put(self, key: Key, shell: Shell) -> None:
        with self._lock:
            replaced = self._shells.pop(key, None)
            self._size -= replaced.size if replaced else 0
            self._shells[key] = shell
            self._size += shell.size
            while self._size > self.budget and len(self._shells) > 1:
                self._size -= self._shells.popitem(last=False)[1].size


def kept_for_people(*parameters: str) -> Callable[[View], View]:
    """Keep what a view answers signed-in people as a shell per role (see the module).

    Only addresses whose query uses just ``parameters`` are kept, as for readers; anonymous
    readers go on to the view (``kept_for_readers`` keeps their copy).
    """
    allowed = frozenset(parameters)

    def decorate(handler: View) -> View:
        @functools.wraps(handler)
        async def keeping(request: Request) -> Response:
            user = current_user(request)
            if user is None or NOTICE_COOKIE in request.cookies or not allowed.issuperset(request.query_params.keys()):
                return await handler(request)
            site = site_of(request)
            edition: tuple[str, str] | None = getattr(request.state, "edition", None)
            if edition is None:
                edition = await run_in_threadpool(lambda: site.person_edition(catch_up=True))
            assert edition is not None
            key = (_address(request), i18n.current_language(), *edition, user.role.value)
            cache: ShellCache = request.state.shell_cache
            shell = cache.get(key)
            if shell is not None:
                return HTMLResponse(shell.fill(LiveParts(request)))
            return await _recorded(request, handler, cache, key)

        return keeping

    return decorate


async def _recorded(request: Request, handler: View, cache: ShellCache, key: Key) -> Response:
    """Run the view with holes for the person's parts, keep the shell (a plain 200), and fill
    it for this person.  An error page raised meanwhile renders as usual: the recording ends
    with the view."""
    recording = Recording()
    request.state.recording = recording
    try:
        response = await handler(request)
    finally:
        del request.state.recording
    body = getattr(response, "body", None)
    if not isinstance(body, bytes) or not body:
        return response
    shell = Shell.cut(body.decode("utf-8"), recording.holes)
    if response.status_code == 200 and "set-cookie" not in response.headers:
        cache.put(key, shell)
    response.body = shell.fill(LiveParts(request)).encode("utf-8")
    response.headers["content-length"] = str(len(response.body))
    return response


def _address(request: Request) -> str:
    query: bytes = request.scope["query_string"]
    path: str = request.scope["path"]
    return path + ("?" + query.decode("latin-1") if query else "")
