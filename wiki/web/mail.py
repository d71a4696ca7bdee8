"""Mail pages: the queue for maintainers (/admin/mail), and the one-click unsubscribe.

``/unsubscribe/<token>`` needs no sign-in and no form token: the signed token in the address
is the authority (RFC 8058; the mail program POSTs ``List-Unsubscribe=One-Click`` to it).
Opening the link (GET, which mail scanners do) only shows a button; the POST unsubscribes.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.services.permissions import Action, require
from wiki.web.session import current_user, site_of
from wiki.web.templating import render


async def admin_mail(request: Request) -> Response:
    """Maintainers: whether mail is on, what waits, what failed (and why), what went."""
    require(current_user(request), Action.MANAGE_ACCOUNTS)
    status = await run_in_threadpool(site_of(request).mail.status)
    return render(request, "admin_mail.html", {"status": status})


async def unsubscribe_form(request: Request) -> Response:
    """The confirm button of an unsubscribe link; a bad token: 404 with why."""
    token = request.path_params["token"]
    await run_in_threadpool(site_of(request).mail.check_unsubscribe, token)
    return render(request, "unsubscribe.html", {"token": token, "done": False})


async def unsubscribe(request: Request) -> Response:
    """Unsubscribe the token's account from all notification mail (the body, a one-click
    ``List-Unsubscribe=One-Click`` or the confirm form's, says nothing more)."""
    token = request.path_params["token"]
    await run_in_threadpool(site_of(request).mail.unsubscribe, token)
    return render(request, "unsubscribe.html", {"token": token, "done": True})
