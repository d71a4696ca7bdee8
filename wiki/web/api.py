"""The JSON API for scripts: bearer tokens only (no cookies), so no form tokens are needed.

Shapes are a contract (see the README): outside scripts rely on them.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.controls import without_controls
from wiki.errors import N_, BadInput, Unauthorized
from wiki.models import User
from wiki.numbers import is_whole_number
from wiki.services.accounts import commit_author
from wiki.services.history import iso_utc
from wiki.services.pages import EditRequest
from wiki.services.permissions import Action, require
from wiki.web import jsonbody
from wiki.web.session import site_of


async def token_user(request: Request) -> User | None:
    """The account of the request's bearer token; ``Unauthorized`` for a bad token."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(N_("Use 'Authorization: Bearer TOKEN'."))
    user = await run_in_threadpool(site_of(request).accounts.user_for_token, token.strip())
    if user is None:
        raise Unauthorized(N_("The token is not valid."))
    request.state.api_user = user  # (the access log names the account by its id)
    return user


async def signed_in(request: Request, action: Action) -> User:
    """The person of the request's API token, allowed to ``action``; ``Unauthorized`` without one."""
    user = await token_user(request)
    if user is None:
        raise Unauthorized(N_("This needs a personal API token."))
    return require(user, action)


async def list_pages(request: Request) -> Response:
    """``{"pages": [{"path", "title", "number", "revision"}]}``, principles first."""
    pages = await run_in_threadpool(site_of(request).pages.list_pages)
    return JSONResponse(
        {"pages": [{"path": p.path, "title": p.title, "number": p.number, "revision": p.revision} for p in pages]}
    )


async def get_page(request: Request) -> Response:
    """``{"path", "title", "body", "revision"}``; ``?revision=R`` for the page as it was at R."""
    await token_user(request)
    revision = request.query_params.get("revision")
    page, _blob = await run_in_threadpool(site_of(request).pages.get, request.path_params["name"], revision)
    return JSONResponse({"path": page.path, "title": page.title, "body": page.text, "revision": page.revision})


async def json_object(request: Request) -> dict[str, Any]:
    """The request's JSON object (see :func:`parsed_object`)."""
    return parsed_object(await request.body())


def parsed_object(body: bytes) -> dict[str, Any]:
    """A request body's JSON object (nesting bounded, see ``jsonbody``), control characters
    removed from every string in it (every JSON body of the API is read here)."""
    cleaned: dict[str, Any] = _without_controls(jsonbody.parse_object(body))
    return cleaned


def _without_controls(data: Any) -> Any:
    """A copy of parsed JSON with ``wiki.controls.without_controls`` applied to every key and
    string; walked with a list rather than recursion, so depth costs no stack."""
    root: list[Any] = [data]
    pending: list[tuple[list[Any] | dict[str, Any], Any]] = [(root, 0)]
    while pending:
        container, key = pending.pop()
        value = container[key]
        if isinstance(value, str):
            container[key] = without_controls(value)
        elif isinstance(value, list):
            copy = list(value)
            container[key] = copy
            pending.extend((copy, index) for index in range(len(copy)))
        elif isinstance(value, dict):
            copy_of_object = {without_controls(name): item for name, item in value.items()}
            container[key] = copy_of_object
            pending.extend((copy_of_object, name) for name in copy_of_object)
    return root[0]


def string(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise BadInput(N_("'{key}' must be a string.", key=key))
    return value


async def put_page(request: Request) -> Response:
    """Save a page: 200 ``{"revision", "merged"}``, 201 ``{"revision"}`` when created, 409 on conflict."""
    user = await token_user(request)
    if user is None:
        raise Unauthorized(N_("This needs a personal API token."))
    data = await json_object(request)
    body = string(data, "body", required=True)
    assert body is not None
    base = string(data, "base_revision")
    edit = EditRequest(request.path_params["name"], body, base, string(data, "message") or "", commit_author(user))
    result = await run_in_threadpool(site_of(request).edits.save_as, user, edit)
    if result.created:
        return JSONResponse({"revision": result.revision}, status_code=201)
    return JSONResponse({"revision": result.revision, "merged": result.merged})


def _limit(request: Request) -> int | None:
    raw = request.query_params.get("limit")
    if raw is None:
        return None
    if not is_whole_number(raw):
        raise BadInput(N_("'limit' must be a whole number."))
    return int(raw)


async def page_history(request: Request) -> Response:
    """``{"revisions": [{"revision", "path", "author", "date", "message"}], "next"}``, newest first."""
    window = await run_in_threadpool(
        site_of(request).history.page_history,
        request.path_params["name"],
        _limit(request),
        request.query_params.get("before") or None,
    )
    revisions = [
        {
            "revision": r.revision,
            "path": r.path,
            "author": r.author,
            "date": iso_utc(r.date),
            "message": r.message,
        }
        for r in window.items
    ]
    return JSONResponse({"revisions": revisions, "next": window.older})


async def changes(request: Request) -> Response:
    """``{"changes": [{"revision", "author", "date", "message", "paths"}], "next"}``, newest first."""
    window = await run_in_threadpool(
        site_of(request).history.recent_changes,
        _limit(request),
        request.query_params.get("before") or None,
        None,
        request.query_params.get("author") or None,
    )
    items = [
        {
            "revision": c.revision,
            "author": c.author,
            "date": iso_utc(c.date),
            "message": c.message,
            "paths": list(c.paths),
        }
        for c in window.items
    ]
    return JSONResponse({"changes": items, "next": window.older})
