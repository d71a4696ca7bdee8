"""The JSON API for proposals (bearer tokens only).  Shapes are a contract: see the README."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, BadInput, Unauthorized
from wiki.models import User
from wiki.numbers import is_whole_number
from wiki.services.discussion import proposal_target
from wiki.services.history import iso_utc, moment
from wiki.services.permissions import Action, require
from wiki.services.proposal_records import STATUSES, Proposal
from wiki.services.proposing import SentRevision
from wiki.services.site import Site
from wiki.web.api import json_object, parsed_object, string, token_user
from wiki.web.api_comments import comment_json
from wiki.web.proposals import proposal_id
from wiki.web.session import site_of


def proposal_json(site: Site, proposal: Proposal) -> dict[str, Any]:
    """A proposal as ``GET /api/proposals/{id}`` gives it (its supporters and comments read
    from the database: call it in the thread pool)."""
    record = proposal.record
    supporters = site.discussion.supporters(record.id)
    decision = record.decision
    return {
        "id": record.id,
        "title": record.title,
        "description": record.description,
        "status": record.status,
        "author": record.author,
        "base_revision": record.base_revision,
        "head_revision": proposal.head_revision,
        "mergeable": proposal.mergeable,
        "supporters": len(supporters),
        "supported_by": [name for _username, name in supporters],
        "decision": None
        if decision is None
        else {"by": decision.by, "date": iso_utc(moment(decision.date)), "reason": decision.reason},
        "comments": [comment_json(c) for c in site.discussion.comments(proposal_target(record.id))],
    }


async def _signed_in(request: Request, action: Action) -> User:
    user = await token_user(request)
    if user is None:
        raise Unauthorized(N_("This needs a personal API token."))
    return require(user, action)


def _changes(data: dict[str, Any]) -> list[tuple[str, str]]:
    changes = data.get("changes")
    if not isinstance(changes, list) or not changes:
        raise BadInput(N_('\'changes\' must be a list of {"path", "body"}.'))
    result = []
    for change in changes:
        if not isinstance(change, dict) or not isinstance(change.get("path"), str):
            raise BadInput(N_('\'changes\' must be a list of {"path", "body"}.'))
        body = change.get("body")
        if not isinstance(body, str):
            raise BadInput(N_('\'changes\' must be a list of {"path", "body"}.'))
        result.append((change["path"], body))
    return result


async def _answer(request: Request, number: int, status: int = 200) -> Response:
    site = site_of(request)
    answer = await run_in_threadpool(lambda: proposal_json(site, site.proposals.get(number)))
    return JSONResponse(answer, status_code=status)


async def create(request: Request) -> Response:
    """``POST /api/proposals`` -> 201 with the proposal (its ``id`` included); with
    ``"principle": true``, a new principle (one new page, numbered on acceptance)."""
    user = await _signed_in(request, Action.PROPOSE)
    data = await json_object(request)
    title = string(data, "title", required=True) or ""
    description = string(data, "description") or ""
    principle = data.get("principle", False)
    if not isinstance(principle, bool):
        raise BadInput(N_("'principle' must be true or false."))
    changes = _changes(data)
    proposal = await run_in_threadpool(
        lambda: site_of(request).proposals.create(user, title, description, changes, principle=principle)
    )
    return await _answer(request, proposal.id, 201)


async def revise(request: Request) -> Response:
    """``PUT /api/proposals/{id}`` with ``changes``, ``message`` and ``head_revision``.

    One trip: the permission, the revision and the answer.  The body is received here but
    parsed in the trip, only once the caller may revise the proposal: someone else's revision
    is refused before its body is parsed (and the parsing is off the event loop)."""
    user = await _signed_in(request, Action.PROPOSE)
    number = proposal_id(request)
    site = site_of(request)
    body = await request.body()

    def sent() -> SentRevision:
        data = parsed_object(body)
        head = string(data, "head_revision", required=True) or ""
        return SentRevision(_changes(data), string(data, "message") or "", head)

    answer = await run_in_threadpool(lambda: proposal_json(site, site.proposing.revise_sent(user, number, sent)))
    return JSONResponse(answer)


async def listing(request: Request) -> Response:
    """``GET /api/proposals?status=open``."""
    site = site_of(request)
    status = request.query_params.get("status") or None
    if status is not None and status not in STATUSES:
        raise BadInput(N_("Unknown status."))

    def items() -> list[dict[str, Any]]:
        proposals = site.proposals.listing(status)
        supporters = site.discussion.support_counts([p.id for p in proposals])
        return [
            {
                "id": p.id,
                "title": p.record.title,
                "status": p.record.status,
                "author": p.record.author,
                "supporters": supporters[p.id],
            }
            for p in proposals
        ]

    return JSONResponse({"proposals": await run_in_threadpool(items)})


async def show(request: Request) -> Response:
    """``GET /api/proposals/{id}``."""
    return await _answer(request, proposal_id(request))


async def hide_comment(request: Request) -> Response:
    """``POST /api/proposals/{id}/comments/{comment}/hide`` ``{"reason"}`` (maintainers)."""
    user = await _signed_in(request, Action.HIDE_COMMENT)
    number = proposal_id(request)
    raw = request.path_params["comment"]
    if not is_whole_number(raw):
        raise BadInput(N_("No such comment."))
    data = await json_object(request)
    site = site_of(request)
    await run_in_threadpool(site.discussion.hide, proposal_target(number), int(raw), user, string(data, "reason") or "")
    return await _answer(request, number)


async def support(request: Request) -> Response:
    """``POST`` (support; again is still one) or ``DELETE`` (withdraw) ``/api/proposals/{id}/support``."""
    user = await _signed_in(request, Action.SUPPORT)
    number = proposal_id(request)
    site = site_of(request)
    supported = request.method == "POST"

    def support_open() -> None:
        if site.proposals.get(number).record.status != "open" and supported:
            raise BadInput(N_("Only open proposals can be changed."))
        site.discussion.support(number, user, supported=supported)

    await run_in_threadpool(support_open)
    return await _answer(request, number)


async def accept(request: Request) -> Response:
    """``POST /api/proposals/{id}/accept`` ``{"reason", "head_revision"}`` (maintainers)."""
    user = await _signed_in(request, Action.DECIDE)
    number = proposal_id(request)
    data = await json_object(request)
    head = string(data, "head_revision", required=True) or ""
    await run_in_threadpool(site_of(request).proposals.accept, number, user, string(data, "reason") or "", head)
    return await _answer(request, number)


async def decline(request: Request) -> Response:
    """``POST /api/proposals/{id}/decline`` ``{"reason"}`` (maintainers)."""
    user = await _signed_in(request, Action.DECIDE)
    number = proposal_id(request)
    data = await json_object(request)
    await run_in_threadpool(site_of(request).proposals.decline, number, user, string(data, "reason") or "")
    return await _answer(request, number)


async def withdraw(request: Request) -> Response:
    """``POST /api/proposals/{id}/withdraw`` (its author)."""
    user = await _signed_in(request, Action.PROPOSE)
    number = proposal_id(request)
    await run_in_threadpool(site_of(request).proposals.withdraw, number, user)
    return await _answer(request, number)
