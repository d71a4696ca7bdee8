"""The JSON API for comments, on proposals (``/api/proposals/{id}/comments...``) and on page
discussions (``/api/discussions/{path}/comments...``) alike: read, add (perhaps a reply,
perhaps on a passage: ``anchor``), change and delete one's own, restore a hidden one (maintainers), hide one on a page
(maintainers; a proposal's is hidden in ``api_proposals``).  Bearer tokens only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, BadInput, NotFound
from wiki.numbers import is_whole_number
from wiki.services.anchors import Anchor, anchor_from, as_dict
from wiki.services.discussion import Comment, page_target, proposal_target
from wiki.services.history import iso_utc
from wiki.services.passages import Passage
from wiki.services.permissions import Action
from wiki.services.site import Site
from wiki.web.api import json_object, signed_in, string
from wiki.web.proposals import proposal_id
from wiki.web.session import site_of


def comment_json(comment: Comment, passages: Mapping[int, Passage]) -> dict[str, Any]:
    """One comment as the API gives it (``body`` empty when hidden or deleted); ``passages``:
    where the comments' passages are in the text now."""
    return {
        "id": comment.id,
        "author": comment.author,
        "date": iso_utc(comment.date),
        "body": comment.body,
        "hidden": comment.hidden,
        "parent": comment.parent,
        "edited": None if comment.edited is None else iso_utc(comment.edited),
        "deleted": comment.deleted,
        "anchor": anchor_json(comment, passages),
    }


def anchor_json(comment: Comment, passages: Mapping[int, Passage]) -> dict[str, object] | None:
    """A comment's anchor as the API gives it, with ``orphaned`` (its passage is gone from the
    text now); null for a comment on the whole text, or a hidden or deleted one."""
    if comment.anchor is None or comment.hidden or comment.deleted:
        return None
    passage = passages.get(comment.id)
    return {**as_dict(comment.anchor), "orphaned": passage is None or passage.orphaned}


def _anchor(data: Mapping[str, Any]) -> Anchor | None:
    """The ``anchor`` of a comment's JSON body, or None; ``BadInput`` when it is not an object."""
    raw = data.get("anchor")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadInput(N_("'anchor' must be an object with revision, path and exact (and prefix, suffix, start, end)."))
    return anchor_from(raw)


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


Shown = tuple[list[Comment], Mapping[int, Passage]]


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


def _shown(request: Request) -> Callable[[Site], Shown]:
    """How to read the comments of the discussion the address names, with where their
    passages are in the text now (in the thread pool: a missing page or proposal is 404)."""
    if "id" in request.path_params:
        number = proposal_id(request)

        def proposal(site: Site) -> Shown:
            found = site.proposals.get(number)
            comments = site.discussion.comments(proposal_target(number))
            return comments, site.views.proposal_passages(found, comments)

        return proposal
    name = request.path_params["path"]

    def page(site: Site) -> Shown:
        _page, comments, passages = site.views.page_passages(name)
        return comments, passages

    return page


def _listing(shown: Shown) -> dict[str, Any]:
    comments, passages = shown
    return {"comments": [comment_json(c, passages) for c in comments]}


async def listing(request: Request) -> Response:
    """``GET /api/discussions/{path}/comments`` -> ``{"comments": [...]}``, oldest first."""
    site, shown = site_of(request), _shown(request)
    return JSONResponse(await run_in_threadpool(lambda: _listing(shown(site))))


async def add(request: Request) -> Response:
    """``POST .../comments`` ``{"body", "parent"?, "anchor"?}`` -> 201 ``{"id"}``; the anchor (a
    passage of the page's text, or of one of the proposal's texts) as the README describes it."""
    user = await signed_in(request, Action.COMMENT)
    site = site_of(request)
    data = await json_object(request)
    body = string(data, "body", required=True) or ""
    parent, anchor = _parent(data), _anchor(data)
    if "id" in request.path_params:
        number = proposal_id(request)
        comment_id = await run_in_threadpool(
            lambda: site.views.comment_on_proposal(number, user, body, parent=parent, anchor=anchor)
        )
    else:
        name = request.path_params["path"]
        _page, comment_id = await run_in_threadpool(
            lambda: site.views.comment_on_page(name, user, body, parent=parent, anchor=anchor)
        )
    return JSONResponse({"id": comment_id}, status_code=201)


async def change(request: Request) -> Response:
    """``PATCH .../comments/{comment}`` ``{"body"}`` (its author) -> the comment."""
    user = await signed_in(request, Action.COMMENT)
    site, where, shown = site_of(request), _where(request), _shown(request)
    number = _comment_id(request)
    data = await json_object(request)
    body = string(data, "body", required=True) or ""

    def changed() -> dict[str, Any]:
        site.discussion.edit(number, user, body, target=where(site))
        comments, passages = shown(site)
        return next(comment_json(c, passages) for c in comments if c.id == number)

    return JSONResponse(await run_in_threadpool(changed))


async def delete(request: Request) -> Response:
    """``DELETE .../comments/{comment}`` (its author) -> 204."""
    user = await signed_in(request, Action.COMMENT)
    site, where, number = site_of(request), _where(request), _comment_id(request)
    await run_in_threadpool(lambda: site.discussion.delete(number, user, target=where(site)))
    return Response(status_code=204)


async def restore(request: Request) -> Response:
    """``POST .../comments/{comment}/restore`` ``{"reason"}`` (maintainers) -> the comments."""
    user = await signed_in(request, Action.HIDE_COMMENT)
    site, where, shown = site_of(request), _where(request), _shown(request)
    number = _comment_id(request)
    data = await json_object(request)
    reason = string(data, "reason") or ""

    def restored() -> dict[str, Any]:
        target = where(site)
        site.moderation.restore(number, user, reason, target=target)
        return _listing(shown(site))

    return JSONResponse(await run_in_threadpool(restored))


async def hide(request: Request) -> Response:
    """``POST /api/discussions/{path}/comments/{comment}/hide`` ``{"reason"}`` (maintainers)."""
    user = await signed_in(request, Action.HIDE_COMMENT)
    site, where, shown = site_of(request), _where(request), _shown(request)
    number = _comment_id(request)
    data = await json_object(request)
    reason = string(data, "reason") or ""

    def hidden() -> dict[str, Any]:
        target = where(site)
        site.discussion.hide(target, number, user, reason)
        return _listing(shown(site))

    return JSONResponse(await run_in_threadpool(hidden))
