"""Signing in with the organisation's account: ``/signin/oidc`` sends the browser to the
OpenID Connect provider, ``/signin/oidc/callback`` (the redirect URI operators register, on
``WIKI_PUBLIC_URL``) takes it back.  HTTP only: the checks are in ``wiki.services.sso``.

The ``state`` of a sign-in under way travels in a short-lived cookie limited to the callback's
path as well as in the address, so only the browser that started a sign-in can finish it.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from wiki.errors import N_, Unauthorized
from wiki.services.sso import Finished, Started
from wiki.store.sso import REQUEST_SECONDS
from wiki.web.forms import field, read_form
from wiki.web.i18n import current_language
from wiki.web.notices import NoticeRedirect
from wiki.web.session import (
    SESSION_COOKIE,
    current_user,
    public_base,
    require_csrf,
    secure_cookies,
    sign_in,
    site_of,
)
from wiki.web.targets import local_target

CALLBACK = "/signin/oidc/callback"
STATE_COOKIE = "wiki_oidc_state"


def _redirect_uri(request: Request) -> str:
    return public_base(request) + CALLBACK


def _to_provider(request: Request, started: Started) -> Response:
    response = RedirectResponse(started.url, status_code=303)
    response.set_cookie(
        STATE_COOKIE,
        started.state,
        max_age=int(REQUEST_SECONDS),
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET: the cookie comes along
        secure=secure_cookies(request),
        path=CALLBACK,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def start(request: Request) -> Response:
    """Sign in: off to the provider, and back to ``next`` afterwards."""
    site = site_of(request)
    target = local_target(request.query_params.get("next"))
    redirect_uri, language = _redirect_uri(request), current_language()
    started = await run_in_threadpool(lambda: site.sso.start("signin", redirect_uri, language, target=target))
    return _to_provider(request, started)


async def start_for_account(request: Request) -> Response:
    """From ``/account``: link this account (the password confirmed first) or delete an account
    without a password (confirmed by signing in at the provider again)."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    user = current_user(request)
    if user is None:
        raise Unauthorized(N_("Sign in first."))
    site = site_of(request)
    action, password = field(form, "action"), field(form, "password")
    redirect_uri, language = _redirect_uri(request), current_language()
    session_id = request.cookies.get(SESSION_COOKIE, "")
    started = await run_in_threadpool(
        lambda: site.sso.start(action, redirect_uri, language, user=user, session_id=session_id, password=password)
    )
    return _to_provider(request, started)


async def callback(request: Request) -> Response:
    """Back from the provider: finish what was started, then sign in, or say what happened."""
    site = site_of(request)
    query = request.query_params
    state, browser_state, code = query.get("state", ""), request.cookies.get(STATE_COOKIE, ""), query.get("code", "")
    redirect_uri, language = _redirect_uri(request), current_language()
    session_id = request.cookies.get(SESSION_COOKIE, "")
    finished: Finished = await run_in_threadpool(
        lambda: site.sso.finish(
            state, browser_state, code, redirect_uri=redirect_uri, language=language, session_id=session_id
        )
    )
    if finished.outcome == "signed-in" and finished.user is not None:
        response: Response = NoticeRedirect(finished.target, "signed-in")
        await sign_in(request, response, finished.user, finished.expires)
    elif finished.outcome == "pending":
        response = NoticeRedirect("/", "signup-pending")
    elif finished.outcome == "linked":
        response = NoticeRedirect("/account", "account-linked")
    else:
        response = NoticeRedirect("/", "account-deleted")
        response.delete_cookie(SESSION_COOKIE, path="/")  # the account and its sessions are gone
    response.delete_cookie(STATE_COOKIE, path=CALLBACK)
    return response
