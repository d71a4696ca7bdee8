"""People: ``/people/<username>`` (anyone) and ``/account/contributions`` (one's own)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.errors import N_, BadInput, Unauthorized
from wiki.numbers import is_whole_number
from wiki.services.people import Cursors
from wiki.web.session import current_user, site_of
from wiki.web.templating import render


def _number(request: Request, key: str) -> int | None:
    raw = request.query_params.get(key)
    if not raw:
        return None
    if not is_whole_number(raw):
        raise BadInput(N_("This is not a place in the list. Go back to the newest."))
    return int(raw)


def _cursors(request: Request) -> Cursors:
    """Where each list starts, from ``?edits=REVISION&proposals=N&comments=N&supports=N``."""
    return Cursors(
        request.query_params.get("edits") or None,
        _number(request, "proposals"),
        _number(request, "comments"),
        _number(request, "supports"),
    )


async def person(request: Request) -> Response:
    """A person's public page: their name and what they contributed in the open."""
    username = request.path_params["username"]
    found = await run_in_threadpool(site_of(request).people.public, username, _cursors(request))
    return render(request, "person.html", {"person": found, "own": False, "base": request.url.path})


async def my_contributions(request: Request) -> Response:
    """One's own edits, proposals, comments (hidden ones with the reason) and supports."""
    user = current_user(request)
    if user is None:
        raise Unauthorized(N_("Sign in first."))
    found = await run_in_threadpool(site_of(request).people.mine, user, _cursors(request))
    return render(request, "contributions.html", {"person": found, "own": True, "base": request.url.path})
