"""A forgotten password: asking for a reset link (a form and ``POST /api/password-reset``) and
using the link to choose a new password.

Asking answers the same whatever was typed, and before anything is looked up: the work (who
matches, the limits, the mail) runs as a background task after the answer is sent, so neither
the answer nor the time it takes tells whether an account exists.
"""

from __future__ import annotations

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, BadInput
from wiki.web.api import json_object
from wiki.web.errorhandling import keep_form, keeps_form
from wiki.web.forms import field, read_form
from wiki.web.i18n import gettext as _
from wiki.web.notices import NoticeRedirect
from wiki.web.session import public_base, require_csrf, sign_in, site_of
from wiki.web.templating import render

#: What asking answers, whatever was asked.
SENT = N_(
    "If an account with a password has this username or e-mail address, we sent a link to its"
    " e-mail address. The link works for one hour. No mail? Check your spam folder, or ask a maintainer."
)
UNAVAILABLE = N_("Resetting your password by e-mail is not possible on this wiki. Ask a maintainer.")
_STATUS = {"valid": 200, "used": 410, "expired": 410, "unknown": 404}


def _wanted(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadInput(N_("Fill in your username or e-mail address."))
    return value


def _asked(request: Request, wanted: str) -> BackgroundTask:
    """The request for links, to run once the answer is out."""
    return BackgroundTask(site_of(request).resets.request, wanted, public_base(request))


async def reset_form(request: Request) -> Response:
    """Ask for a link: a username or e-mail address (or why resetting by mail is not possible)."""
    available = site_of(request).resets.available()
    return render(request, "password_reset.html", {"available": available, "sent": False, "value": ""})


@keeps_form
async def reset_request(request: Request) -> Response:
    """The same page for anyone who asks; the links go out after it was sent."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    available = site_of(request).resets.available()
    value = field(form, "username_or_email")
    keep_form(request, "password_reset.html", {"available": available, "sent": False, "value": value})
    wanted = _wanted(value)
    response = render(request, "password_reset.html", {"available": available, "sent": available, "value": ""})
    response.background = _asked(request, wanted)
    return response


async def api_reset(request: Request) -> Response:
    """``POST /api/password-reset`` ``{"username_or_email"}``: 202 ``{"message"}``, always the
    same for the same wiki (mail on or off), whatever was asked."""
    wanted = _wanted((await json_object(request)).get("username_or_email"))
    available = site_of(request).resets.available()
    return JSONResponse(
        {"message": _(SENT if available else UNAVAILABLE)}, status_code=202, background=_asked(request, wanted)
    )


def _link_page(request: Request, state: str) -> Response:
    response = render(request, "password_reset_new.html", {"state": state}, status=_STATUS[state])
    response.headers["Cache-Control"] = "no-store"
    return response


async def reset_link(request: Request) -> Response:
    """The link from the mail: a form for the new password, or why the link no longer works.
    Opening it spends nothing (mail scanners open links too)."""
    state = await run_in_threadpool(site_of(request).resets.link_state, request.path_params["token"])
    return _link_page(request, state)


@keeps_form
async def reset_submit(request: Request) -> Response:
    """Set the new password: every session of the account ends, the person is signed in anew
    (unless the account is disabled or waiting) and told what happened to their tokens."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    keep_form(request, "password_reset_new.html", {"state": "valid"})
    done = await run_in_threadpool(site_of(request).resets.reset, request.path_params["token"], field(form, "password"))
    if done.user is None:
        return _link_page(request, done.state)
    if not done.may_sign_in:
        return NoticeRedirect("/signin", "password-reset-sign-in")
    response = NoticeRedirect("/account", "password-reset")
    await sign_in(request, response, done.user)
    return response
