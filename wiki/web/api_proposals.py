"""The JSON API for proposals (bearer tokens only).  Shapes are a contract: see the README."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, BadInput
from wiki.numbers import is_whole_number
from wiki.services.discussion import proposal_target
from wiki.services.history import iso_utc, moment
from wiki.services.permissions import Action
from wiki.services.proposal_process import SORTS
from wiki.services.proposal_records import ACTIVE, STATUSES, Decision, Proposal
from wiki.services.proposing import SentRevision
from wiki.services.site import Site
from wiki.web.api import json_object, parsed_object, signed_in, string
from wiki.web.api_comments import comment_json
from wiki.web.proposals import proposal_id
from wiki.web.session import site_of


def proposal_json(site: Site, proposal: Proposal) -> dict[str, Any]:
    """A proposal as ``GET /api/proposals/{id}`` gives it (its supporters and comments read
    from the database: call it in the thread pool)."""
    record = proposal.record
    standing = site.process.standing(proposal, None)
    comments = site.discussion.comments(proposal_target(record.id))
    passages = site.views.proposal_passages(proposal, comments)
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
        "supporters": len(standing.supporters),
        "supports": standing.counts.to_json(),
        "supported_by": [{"name": row.name, "revision": row.revision} for row in standing.supporters],
        "decision": None if decision is None else _decision_json(decision),
        "status_history": [
            {"status": event.status, "by": event.by, "date": iso_utc(moment(event.date)), "note": event.reason}
            for event in record.status_events
        ],
        "deadline": None
        if record.deadline is None or record.status not in ACTIVE
        else moment(record.deadline).date().isoformat(),
        "comments": [comment_json(c, passages) for c in comments],
    }


def _decision_json(decision: Decision) -> dict[str, Any]:
    """A decision: by whom, when, why, and (decided since they were kept) the support counts."""
    data: dict[str, Any] = {"by": decision.by, "date": iso_utc(moment(decision.date)), "reason": decision.reason}
    if decision.supports is not None:
        data["supports"] = decision.supports.to_json()
    return data


def changes_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The ``changes`` of a request body as (path, whole file text) pairs."""
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
    user = await signed_in(request, Action.PROPOSE)
    data = await json_object(request)
    title = string(data, "title", required=True) or ""
    description = string(data, "description") or ""
    principle = data.get("principle", False)
    if not isinstance(principle, bool):
        raise BadInput(N_("'principle' must be true or false."))
    changes = changes_of(data)
    proposal = await run_in_threadpool(
        lambda: site_of(request).proposals.create(user, title, description, changes, principle=principle)
    )
    return await _answer(request, proposal.id, 201)


async def revise(request: Request) -> Response:
    """``PUT /api/proposals/{id}`` with ``changes``, ``message`` and ``head_revision``.

    One trip: the permission, the revision and the answer.  The body is received here but
    parsed in the trip, only once the caller may revise the proposal: someone else's revision
    is refused before its body is parsed (and the parsing is off the event loop)."""
    user = await signed_in(request, Action.PROPOSE)
    number = proposal_id(request)
    site = site_of(request)
    body = await request.body()

    def sent() -> SentRevision:
        data = parsed_object(body)
        head = string(data, "head_revision", required=True) or ""
        return SentRevision(changes_of(data), string(data, "message") or "", head)

    answer = await run_in_threadpool(lambda: proposal_json(site, site.proposing.revise_sent(user, number, sent)))
    return JSONResponse(answer)


async def listing(request: Request) -> Response:
    """``GET /api/proposals?status=open&sort=support`` (sort: newest, support or deadline)."""
    site = site_of(request)
    status = request.query_params.get("status") or None
    if status is not None and status not in STATUSES:
        raise BadInput(N_("Unknown status."))
    sort = request.query_params.get("sort") or "newest"
    if sort not in SORTS:
        raise BadInput(N_("Unknown order."))

    def items() -> list[dict[str, Any]]:
        return [
            {
                "id": row.proposal.id,
                "title": row.proposal.record.title,
                "status": row.proposal.record.status,
                "author": row.proposal.record.author,
                "supporters": row.supports.current + row.supports.earlier,
            }
            for row in site.process.listing(status, sort)
        ]

    return JSONResponse({"proposals": await run_in_threadpool(items)})


async def show(request: Request) -> Response:
    """``GET /api/proposals/{id}``."""
    return await _answer(request, proposal_id(request))


async def hide_comment(request: Request) -> Response:
    """``POST /api/proposals/{id}/comments/{comment}/hide`` ``{"reason"}`` (maintainers)."""
    user = await signed_in(request, Action.HIDE_COMMENT)
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
    user = await signed_in(request, Action.SUPPORT)
    number = proposal_id(request)
    site = site_of(request)
    supported = request.method == "POST"

    def support_open() -> None:
        if not supported:
            site.process.withdraw_support(number, user)
        elif site.proposals.get(number).record.status not in ACTIVE:
            raise BadInput(N_("Only open proposals can be changed."))
        else:
            site.process.support(number, user)

    await run_in_threadpool(support_open)
    return await _answer(request, number)


async def accept(request: Request) -> Response:
    """``POST /api/proposals/{id}/accept`` ``{"reason", "head_revision"}`` (maintainers)."""
    user = await signed_in(request, Action.DECIDE)
    number = proposal_id(request)
    data = await json_object(request)
    head = string(data, "head_revision", required=True) or ""
    await run_in_threadpool(site_of(request).proposals.accept, number, user, string(data, "reason") or "", head)
    return await _answer(request, number)


async def decline(request: Request) -> Response:
    """``POST /api/proposals/{id}/decline`` ``{"reason"}`` (maintainers)."""
    user = await signed_in(request, Action.DECIDE)
    number = proposal_id(request)
    data = await json_object(request)
    await run_in_threadpool(site_of(request).proposals.decline, number, user, string(data, "reason") or "")
    return await _answer(request, number)


async def withdraw(request: Request) -> Response:
    """``POST /api/proposals/{id}/withdraw`` (its author)."""
    user = await signed_in(request, Action.PROPOSE)
    number = proposal_id(request)
    await run_in_threadpool(site_of(request).proposals.withdraw, number, user)
    return await _answer(request, number)


async def set_status(request: Request) -> Response:
    """``POST /api/proposals/{id}/status`` ``{"status": "under_consideration", "note"}``
    (maintainers; ``"open"`` puts it back)."""
    user = await signed_in(request, Action.DECIDE)
    number = proposal_id(request)
    data = await json_object(request)
    status = string(data, "status", required=True) or ""
    note = string(data, "note") or ""
    await run_in_threadpool(site_of(request).proposals.set_status, number, user, status, note)
    return await _answer(request, number)
