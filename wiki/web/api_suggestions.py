"""The JSON API for suggestions to a proposal (bearer tokens only).  Shapes are a contract."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.services.history import iso_utc, moment
from wiki.services.permissions import Action
from wiki.services.suggestions import Suggestion
from wiki.web.api import json_object, signed_in, string
from wiki.web.api_proposals import changes_of
from wiki.web.proposals import proposal_id
from wiki.web.session import site_of
from wiki.web.suggestions import suggestion_number


def suggestion_json(suggestion: Suggestion) -> dict[str, Any]:
    """One suggestion as ``GET /api/proposals/{id}/suggestions`` lists it."""
    decided = suggestion.state != "open"
    return {
        "id": suggestion.number,
        "author": suggestion.author,
        "date": iso_utc(moment(suggestion.date)),
        "reason": suggestion.reason,
        "state": suggestion.state,
        "revision": suggestion.revision,
        "base_revision": suggestion.base_revision,
        "applies": suggestion.applies,
        "paths": [item.path for item in suggestion.diffs],
        "decision": {
            "by": suggestion.decided_by,
            "date": iso_utc(moment(suggestion.decided)),
            "reason": suggestion.decision_reason,
        }
        if decided
        else None,
    }


async def _listing(request: Request, number: int, status: int = 200) -> Response:
    site = site_of(request)
    found = await run_in_threadpool(site.suggestions.listing, number)
    return JSONResponse({"suggestions": [suggestion_json(item) for item in found]}, status_code=status)


async def listing(request: Request) -> Response:
    """``GET /api/proposals/{id}/suggestions``: every suggestion, oldest first."""
    return await _listing(request, proposal_id(request))


async def create(request: Request) -> Response:
    """``POST /api/proposals/{id}/suggestions`` ``{"changes": [{"path", "body"}], "reason"}``
    -> 201 ``{"id"}`` (``head_revision`` optional: the proposal's head it was made on)."""
    user = await signed_in(request, Action.SUGGEST)
    number = proposal_id(request)
    data = await json_object(request)
    changes = changes_of(data)
    reason = string(data, "reason", required=True) or ""
    head = string(data, "head_revision") or ""
    site = site_of(request)
    made = await run_in_threadpool(site.suggestions.suggest, number, user, changes, reason, head)
    return JSONResponse({"id": made}, status_code=201)


async def accept(request: Request) -> Response:
    """``POST /api/proposals/{id}/suggestions/{n}/accept`` (the proposal's author or an editor)."""
    user = await signed_in(request, Action.PROPOSE)
    number, suggestion = proposal_id(request), suggestion_number(request)
    await run_in_threadpool(site_of(request).suggestions.take_over, number, suggestion, user)
    return await _listing(request, number)


async def decline(request: Request) -> Response:
    """``POST /api/proposals/{id}/suggestions/{n}/decline`` ``{"reason"}``."""
    user = await signed_in(request, Action.PROPOSE)
    number, suggestion = proposal_id(request), suggestion_number(request)
    data = await json_object(request)
    reason = string(data, "reason") or ""
    await run_in_threadpool(site_of(request).suggestions.decline, number, suggestion, user, reason)
    return await _listing(request, number)
