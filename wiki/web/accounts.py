"""Signing in and out, and choosing the interface language."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from wiki.web.errorhandling import keep_form, keeps_form
from wiki.web.forms import read_form
from wiki.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from wiki.web.i18n import gettext as _
from wiki.web.notices import NoticeRedirect
from wiki.web.session import SESSION_COOKIE, current_user, public_base, require_csrf, sign_in, site_of
from wiki.web.targets import local_target
from wiki.web.templating import render


async def signin_form(request: Request) -> Response:
    """The sign-in form."""
    return render(
        request,
        "signin.html",
        {"next": local_target(request.query_params.get("next")), "username": ""},
    )


@keeps_form
async def signin_submit(request: Request) -> Response:
    """Check the password and start a new session; the same message for any failure."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    username = str(form.get("username") or "")
    password = str(form.get("password") or "")
    target = local_target(str(form.get("next") or ""))
    address = request.client.host if request.client else ""
    keep_form(request, "signin.html", {"next": target, "username": username})
    user = await run_in_threadpool(site_of(request).accounts.authenticate, username, password, address)
    if user is None:
        context = {
            "next": target,
            "username": username,
            "error": _("The username or password is not right."),
        }
        return render(request, "signin.html", context, status=401)
    response = NoticeRedirect(target, "signed-in")
    await sign_in(request, response, user)
    return response


async def signout(request: Request) -> Response:
    """End the session on the server; after single sign-on, at the provider too when it offers
    RP-initiated logout (it sends the person back to the home page)."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    session_id = request.cookies.get(SESSION_COOKIE, "")
    logout = await run_in_threadpool(site_of(request).sso.sign_out, session_id, public_base(request) + "/")
    response = RedirectResponse(logout, status_code=303) if logout else NoticeRedirect("/", "signed-out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def choose_language(request: Request) -> Response:
    """Remember the interface language (on the account too, for mail, when someone is signed
    in) and go back where the person was."""
    language = request.path_params["language"]
    target = local_target(request.query_params.get("next"))
    response = RedirectResponse(target if language in LANGUAGES else "/", status_code=303)
    if language in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax", path="/")
        user = current_user(request)
        if user is not None:
            await run_in_threadpool(site_of(request).accounts.set_language, user, language)
    return response


def signin_url(next_path: str) -> str:
    """Where to send a person who must sign in first."""
    return "/signin?next=" + quote(next_path)
