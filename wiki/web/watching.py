"""Watching: the one watch/unwatch button (a form, no JavaScript), ``/account/watching``, and
the API's ``/api/watch`` and ``PUT /api/account/mail``.

Each route makes one call into ``site.watching`` (``wiki.services.watching``) in the thread
pool; the API resolves its bearer token in that same call.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, BadInput, Unauthorized
from wiki.models import User
from wiki.services.site import Site
from wiki.web.api import json_object, string
from wiki.web.forms import field, read_form
from wiki.web.notices import NoticeRedirect
from wiki.web.session import current_user, require_csrf, site_of
from wiki.web.targets import local_target
from wiki.web.templating import render


def signed_in(request: Request) -> User:
    """The signed-in person; ``Unauthorized`` for anyone else."""
    user = current_user(request)
    if user is None:
        raise Unauthorized(N_("Sign in first."))
    return user


async def watch_button(request: Request) -> Response:
    """``POST /watch``: watch (``watch=yes``) or stop watching something, then back to the
    page the button was on (a path on this site only), with a notice."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    user = signed_in(request)
    watching = site_of(request).watching
    kind, target = field(form, "kind"), field(form, "target")
    wanted = field(form, "watch") != "no"
    change = watching.watch if wanted else watching.unwatch
    await run_in_threadpool(change, user, kind, target)
    return NoticeRedirect(local_target(field(form, "next")), "watching" if wanted else "unwatched")


async def watching_page(request: Request) -> Response:
    """``/account/watching``: what one watches, each with a button to stop."""
    user = signed_in(request)
    watched = await run_in_threadpool(site_of(request).watching.watched, user)
    return render(request, "watching.html", {"watched": watched})


# -- the API (bearer tokens only) ---------------------------------------------------------


def bearer(request: Request) -> str:
    """The request's bearer token (not yet checked: that happens in the route's one call);
    ``Unauthorized`` without one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(N_("This needs a personal API token."))
    return token.strip()


def token_owner(site: Site, token: str) -> User:
    """The account of ``token`` (call in the thread pool); ``Unauthorized`` for a bad one."""
    user = site.accounts.user_for_token(token)
    if user is None:
        raise Unauthorized(N_("The token is not valid."))
    return user


def _watched(data: dict[str, Any]) -> tuple[str, str]:
    kind = string(data, "kind", required=True) or ""
    target = data.get("target", "")
    if isinstance(target, int) and not isinstance(target, bool):
        target = str(target)
    if not isinstance(target, str):
        raise BadInput(N_("'{key}' must be a string.", key="target"))
    return kind, target


async def api_watch(request: Request) -> Response:
    """``PUT /api/watch`` ``{"kind", "target"}`` -> ``{"watching": true}``; ``DELETE`` with
    the same body -> ``{"watching": false}``."""
    token = bearer(request)
    kind, target = _watched(await json_object(request))
    site = site_of(request)
    change = site.watching.watch if request.method == "PUT" else site.watching.unwatch
    watching = await run_in_threadpool(lambda: change(token_owner(site, token), kind, target))
    return JSONResponse({"watching": watching})


async def api_watches(request: Request) -> Response:
    """``GET /api/watch`` -> ``{"watching": [{"kind", "target"}]}``."""
    token = bearer(request)
    site = site_of(request)
    watches = await run_in_threadpool(lambda: site.watching.watch_list(token_owner(site, token)))
    return JSONResponse({"watching": [{"kind": kind, "target": target} for kind, target in watches]})


async def api_mail(request: Request) -> Response:
    """``PUT /api/account/mail`` ``{"frequency"}`` (and optionally ``"auto_watch"``) ->
    ``{"frequency", "auto_watch", "mail_on"}``."""
    token = bearer(request)
    data = await json_object(request)
    frequency = string(data, "frequency", required=True) or ""
    auto_watch = data.get("auto_watch")
    if auto_watch is not None and not isinstance(auto_watch, bool):
        raise BadInput(N_("'auto_watch' must be true or false."))
    site = site_of(request)
    settings = await run_in_threadpool(lambda: site.watching.set_mail(token_owner(site, token), frequency, auto_watch))
    return JSONResponse(
        {"frequency": settings.frequency, "auto_watch": settings.auto_watch, "mail_on": settings.mail_on}
    )
