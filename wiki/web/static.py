"""Static files under addresses that carry a hash of their content, cached for a year.

A template asks ``static_url("wiki.css")`` and gets ``/static/wiki.css?v=<hash>``; that
exact address can never serve other bytes, so browsers keep it (``immutable``) and a
new release changes the address.  An address without the current hash still works but
is checked each time (``no-cache``), so a stale page never keeps stale styles.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from wiki.resources import folder

FOREVER = "public, max-age=31536000, immutable"

#: The style sheets every page links, in order: NL Design System's components (vendored, see
#: static/vendor/README.md), the wiki's own design tokens for them, then the wiki's own layout.
STYLESHEETS = ("vendor/nl-design-system.min.css", "tokens.css", "wiki.css")


class HashedStaticFiles(StaticFiles):
    """``StaticFiles`` that knows each file's content hash (read once, at start-up)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory)
        self.hashes = {
            path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            for path in sorted(directory.rglob("*"))
            if path.is_file()
        }

    def url(self, name: str) -> str:
        """The address of static file ``name``, with its hash."""
        return f"/static/{name}?v={self.hashes[name]}"

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        version = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        current = response.status_code in (200, 304) and version == self.hashes.get(path)
        response.headers["Cache-Control"] = FOREVER if current else "no-cache"
        return response


#: The project's static files, served under ``/static``.
STATIC = HashedStaticFiles(folder("static"))


async def favicon(request: Request) -> Response:
    """``/favicon.ico``, which browsers ask for on their own (a feed, a JSON answer): the SVG icon,
    so no request ends in a 404.  Pages link the icon by its hashed address themselves."""
    return RedirectResponse(STATIC.url("favicon.svg"), status_code=302)
