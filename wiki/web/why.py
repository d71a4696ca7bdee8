"""Why is this here? The page that answers it for a paragraph (or a line) of a page, and the API.

The links to it are plain markup in the rendered page (``render.ParagraphLinks``): a page view
blames nothing; only following a link does.  The answer depends on supports and comments
too, so it is never kept for readers.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, BadInput
from wiki.numbers import is_whole_number
from wiki.services.history import iso_utc
from wiki.services.why import Why
from wiki.web.api import token_user
from wiki.web.session import site_of
from wiki.web.templating import render


def _number(request: Request, key: str) -> int | None:
    """The whole number ``key`` of the query, None when absent; ``BadInput`` when it is not one."""
    raw = request.query_params.get(key)
    if raw is None:
        return None
    if not is_whole_number(raw):
        raise BadInput(N_("'{key}' must be a whole number.", key=key))
    return int(raw)


async def _answer(request: Request) -> Why:
    """The one call into the service, with what the query asks."""
    name = request.path_params["name"]
    revision = request.query_params.get("revision") or None
    paragraph, line = _number(request, "paragraph"), _number(request, "line")
    return await run_in_threadpool(site_of(request).why.why, name, revision, paragraph, line)


async def why_page(request: Request) -> Response:
    """The change that last shaped a paragraph: who, when, and the proposal it came from."""
    return render(request, "why.html", {"why": await _answer(request)})


async def why_api(request: Request) -> Response:
    """``{"revision", "author", "date", "message", "proposal": null | {"id", "title",
    "decision": {"status", "reason", "by", "date"}, "supports": {"current", "earlier"},
    "comments"}}``."""
    await token_user(request)
    return JSONResponse(as_json(await _answer(request)))


def as_json(why: Why) -> dict[str, Any]:
    """The API's shape of an answer."""
    origin = why.proposal
    proposal = None
    if origin is not None:
        proposal = {
            "id": origin.id,
            "title": origin.title,
            "decision": {
                "status": origin.status,
                "reason": origin.reason,
                "by": origin.decided_by,
                "date": iso_utc(origin.decided),
            },
            "supports": {"current": origin.supports_current, "earlier": origin.supports_earlier},
            "comments": origin.comments,
        }
    return {
        "revision": why.revision,
        "author": why.author,
        "date": iso_utc(why.date),
        "message": why.message,
        "proposal": proposal,
    }
