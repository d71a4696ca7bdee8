"""Domain errors as answers, in one place: JSON for the API, a page for people, and the
person's own form again when a form view fails.

Views do not catch ``WikiError`` to build answers: a form view says which form to show
again (:func:`keep_form`) before it calls the service, and :func:`keeps_form` shows it
with the typed values and the translated message when that call fails.  Everything here
is built per request; no error object is shared between requests.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, Busy, EditConflict, WikiError
from wiki.logs import REQUEST_ID
from wiki.web.i18n import gettext
from wiki.web.templating import render

#: Shows a form again: given the translated message and the status, the answer.
Again = Callable[[str, int], Awaitable[Response]]
View = Callable[[Request], Awaitable[Response]]


class HttpError(WikiError):
    """One of Starlette's own refusals (no such route, wrong method) as a domain error;
    a new one for every request, so concurrent requests never share one."""

    def __init__(self, message: str, status: int, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def is_api(request: Request) -> bool:
    """Scripts get JSON; people get pages."""
    return request.url.path.startswith("/api/")


def error_page(request: Request, error: WikiError) -> Response:
    """An error for people, in their language (with the request's id to quote to the help desk)."""
    return render(request, "error.html", {"status": error.status, "message": gettext(error.message)}, error.status)


def error_response(error: WikiError) -> JSONResponse:
    """``{"error": CODE, "message": TEXT, "request_id": ID}``, plus the current page for a
    conflict; the code is for scripts, the text for the person reading it, so it is in the
    request's language, and the id is what a help desk finds the request's log lines by."""
    content: dict[str, Any] = {"error": error.code, "message": gettext(error.message), "request_id": REQUEST_ID.get()}
    if isinstance(error, EditConflict):
        content["current_revision"] = error.current_revision
        content["current_body"] = error.current_body
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return JSONResponse(content, status_code=error.status, headers=headers)


def _finished(response: Response, error: WikiError) -> Response:
    if isinstance(error, Busy):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


async def wiki_error(request: Request, error: Exception) -> Response:
    """Every domain error no form view kept: as JSON for the API and as a page for people."""
    assert isinstance(error, WikiError)
    return _finished(error_response(error) if is_api(request) else error_page(request, error), error)


def http_error(status: int) -> HttpError:
    """The domain error for a refusal of Starlette's own (made fresh for each request)."""
    if status == 404:
        return HttpError(N_("This page does not exist."), 404, "not_found")
    if status == 405:
        return HttpError(N_("This address does not accept that kind of request."), 405, "method_not_allowed")
    return HttpError(N_("This request could not be handled (error {status}).", status=status), status, "error")


async def starlette_error(request: Request, error: Exception) -> Response:
    """Starlette's own errors (no such route, wrong method) in the wiki's shapes."""
    assert isinstance(error, HTTPException)
    return await wiki_error(request, http_error(error.status_code))


def keep_form(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    more: Callable[[], Mapping[str, Any]] | None = None,
) -> None:
    """Show ``template`` with ``context`` (the typed values) again if this request fails with
    a ``WikiError``; ``more`` adds what the form shows besides (read in the thread pool, and
    only when it is needed)."""

    async def again(message: str, status: int) -> Response:
        extra = await run_in_threadpool(more) if more is not None else {}
        return render(request, template, {**context, **extra, "error": message}, status=status)

    keep_form_with(request, again)


def keep_form_with(request: Request, again: Again) -> None:
    """Like :func:`keep_form`, for a form that is shown again by a function of its own."""
    request.state.kept_form = again


def keeps_form(view: View) -> View:
    """A form view whose failures show the person's form again (the one it named with
    :func:`keep_form`) with the message, at the error's status; errors before it named
    one go to :func:`wiki_error`."""

    @functools.wraps(view)
    async def kept(request: Request) -> Response:
        try:
            return await view(request)
        except WikiError as error:
            again: Again | None = getattr(request.state, "kept_form", None)
            if again is None:
                raise
            return _finished(await again(gettext(error.message), error.status), error)

    return kept
