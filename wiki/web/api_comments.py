"""The JSON API for comments, on proposals (``/api/proposals/{id}/comments...``) and on page
discussions (``/api/discussions/{path}/comments...``) alike: read, add (perhaps a reply),
change and delete one's own, restore a hidden one (maintainers), hide one on a page
(maintainers; a proposal's is hidden in ``api_proposals``).  Bearer tokens only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, BadInput, NotFound, Unauthorized
from wiki.models import User
from wiki.numbers import is_whole_number
from wiki.services.discussion import Comment, page_target, proposal_target
from wiki.services.history import iso_utc
from wiki.services.permissions import Action, require
from wiki.services.site import Site
from wiki.web.api import json_object, string, token_user
from wiki.web.proposals import proposal_id
from wiki.web.session import site_of


def comment_json(comment: Comment) -> dict[str, Any]:
    """One comment as the API gives it (``body`` empty when hidden or deleted)."""
    return {
        "id": comment.id,
        "author": comment.author,
        "date": iso_utc(comment.date),
        "body": comment.body,
        "hidden": comment.hidden,
        "parent": comment.parent,
        "edited": None if comment.edited is None else iso_utc(comment.edited),
        "deleted": comment.deleted,
    }


async def _signed_in(request: Request, action: Action) -> User:
    user = await token_user(request)
    if user is None:
        raise Unauthorized(N_("This needs a personal API token."))
    return require(user, action)


def _comment_id(request: Request) -> int:
    raw = request.path_params["comment"]
    if not is_whole_number(raw) or len(raw) > 18:
        raise NotFound(N_("No such comment."))
    return int(raw)


def _parent(data: dict[str, Any]) -> int | None:
    parent = data.get("parent")
    if parent is None:
        return None
    if not isinstance(parent, int) or isinstance(parent, bool) or parent < 1:
        raise BadInput(N_("'parent' must be the number of a comment."))
    return parent


def _where(request: Request) -> Callable[[Site], str]:
    """How to find the discussion the address names (in the thread pool: it reads the page or
    proposal, so a missing one is 404)."""
    if "id" in request.path_params:
        number = proposal_id(request)

        def proposal(site: Site) -> str:
            site.proposals.get(number)
            return proposal_target(number)

        return proposal
    name = request.path_params["path"]
    return lambda site: page_target(site.pages.get(name)[0].path)


def _listing(site: Site, target: str) -> dict[str, Any]:
    return {"comments": [comment_json(c) for c in site.discussion.comments(target)]}


async def listing(request: Request) -> Response:
    """``GET /api/discussions/{path}/comments`` -> ``{"comments": [...]}``, oldest first."""
    site, where = site_of(request), _where(request)
    return JSONResponse(await run_in_threadpool(lambda: _listing(site, where(site))))


async def add(request: Request) -> Response:
    """``POST .../comments`` ``{"body", "parent"}`` -> 201 ``{"id"}``."""
    user = await _signed_in(request, Action.COMMENT)
    site, where = site_of(request), _where(request)
    data = await json_object(request)
    body = string(data, "body", required=True) or ""
    parent = _parent(data)
    comment_id = await run_in_threadpool(lambda: site.discussion.add(where(site), user, body, parent=parent))
    return JSONResponse({"id": comment_id}, status_code=201)


async def change(request: Request) -> Response:
    """``PATCH .../comments/{comment}`` ``{"body"}`` (its author) -> the comment."""
    user = await _signed_in(request, Action.COMMENT)
    site, where, number = site_of(request), _where(request), _comment_id(request)
    data = await json_object(request)
    body = string(data, "body", required=True) or ""

    def changed() -> dict[str, Any]:
        target = where(site)
        site.discussion.edit(number, user, body, target=target)
        return next(comment_json(c) for c in site.discussion.comments(target) if c.id == number)

    return JSONResponse(await run_in_threadpool(changed))


async def delete(request: Request) -> Response:
    """``DELETE .../comments/{comment}`` (its author) -> 204."""
    user = await _signed_in(request, Action.COMMENT)
    site, where, number = site_of(request), _where(request), _comment_id(request)
    await run_in_threadpool(lambda: site.discussion.delete(number, user, target=where(site)))
    return Response(status_code=204)


async def restore(request: Request) -> Response:
    """``POST .../comments/{comment}/restore`` ``{"reason"}`` (maintainers) -> the comments."""
    user = await _signed_in(request, Action.HIDE_COMMENT)
    site, where, number = site_of(request), _where(request), _comment_id(request)
    data = await json_object(request)
    reason = string(data, "reason") or ""

    def restored() -> dict[str, Any]:
        target = where(site)
        site.moderation.restore(number, user, reason, target=target)
        return _listing(site, target)

    return JSONResponse(await run_in_threadpool(restored))


async def hide(request: Request) -> Response:
    """``POST /api/discussions/{path}/comments/{comment}/hide`` ``{"reason"}`` (maintainers)."""
    user = await _signed_in(request, Action.HIDE_COMMENT)
    site, where, number = site_of(request), _where(request), _comment_id(request)
    data = await json_object(request)
    reason = string(data, "reason") or ""

    def hidden() -> dict[str, Any]:
        target = where(site)
        site.discussion.hide(target, number, user, reason)
        return _listing(site, target)

    return JSONResponse(await run_in_threadpool(hidden))
