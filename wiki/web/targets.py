"""Where to send a person next: only ever to a path on this site (no open redirects)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request


def local_target(value: str | None, default: str = "/") -> str:
    """``value`` when it is a path on this site, else ``default`` (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 32 for char in value):
        return default
    return value


def address(request: Request) -> str:
    """This request's path with its query, as a ``next`` target."""
    query = request.url.query
    return request.url.path + ("?" + query if query else "")


def came_from(request: Request) -> str | None:
    """The page of this site the person came from (the ``Referer``, sent for same-origin
    links only), when it is another address than this one; else None."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if not referer or parts.netloc != request.url.netloc or parts.scheme not in ("http", "https"):
        return None
    target = local_target(parts.path + ("?" + parts.query if parts.query else ""), "")
    return target if target and target != address(request) else None


def return_to(request: Request) -> str:
    """Where signing in should lead back to: this address when it can be asked for again
    (a GET), else the page the form was on, else the home page."""
    if request.method in ("GET", "HEAD"):
        return local_target(address(request))
    return came_from(request) or "/"
