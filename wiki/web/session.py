"""Who is asking: the session cookie for people, bearer tokens for scripts; and form tokens.

The session cookie holds only a random id (HttpOnly, SameSite=Lax); the
session itself lives in the database, so signing out ends it everywhere.  Form
tokens (CSRF) are an HMAC of the session id, or of an anonymous visitor cookie
for forms shown before sign-in, so they need no storage.
"""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from wiki.errors import N_, Forbidden, WikiError
from wiki.models import User
from wiki.services.site import Site
from wiki.services.watching import Visitor

SESSION_COOKIE = "wiki_session"
VISITOR_COOKIE = "wiki_visitor"


def site_of(request: Request) -> Site:
    """The site opened in the app's lifespan."""
    site: Site = request.state.site
    return site


def public_base(request: Request) -> str:
    """The address people use, without a trailing slash: ``WIKI_PUBLIC_URL``, or else this
    request's own (behind a proxy that rewrites the host, only the setting is right)."""
    configured = site_of(request).settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


class SignedIn:
    """Looks up the session of each request with a session cookie, in the thread pool (on
    PostgreSQL it is a network round trip), before the route runs; ``current_user`` reads it.
    The same call brings the bell's unread count and what the person watches (``visitor``),
    so no page needs a trip of its own for them, and for a GET the reader edition (``edition``:
    the commit and names a page kept for people is keyed by, ``wiki.web.personal``), so a kept
    page needs no trip at all.

    A lookup that fails (the database is away) fails the route that asks who is signed in,
    so that route answers with the error as it would have looked the person up itself.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "state" in scope:
            request = Request(scope)
            session_id = request.cookies.get(SESSION_COOKIE)
            if session_id and "site" in scope["state"]:
                site = site_of(request)
                known = site.known_person_edition() if scope["method"] == "GET" else None
                # A GET whose person and edition were known a moment ago needs no trip to the
                # thread pool (``beliefs``); a form sent is always checked in the database.
                believed = site.watching.believed_visitor(session_id) if known is not None else None
                try:
                    if believed is not None:
                        visitor, edition = believed, known
                    else:
                        visitor, edition = await run_in_threadpool(_visit, site, session_id, scope["method"], known)
                    scope["state"]["user"] = visitor.user
                    scope["state"]["visitor"] = visitor
                    scope["state"]["edition"] = edition
                except WikiError as error:
                    scope["state"]["user_error"] = error
        await self.app(scope, receive, send)


def _visit(
    site: Site, session_id: str, method: str, known: tuple[str, str] | None
) -> tuple[Visitor, tuple[str, str] | None]:
    """The session's visitor and, for a GET, the person edition (``known`` when it was).  An
    edition that cannot be read is None: a kept view then asks itself, and fails as it would
    have, while every other page still knows who is signed in."""
    visitor = site.watching.visitor(session_id)
    if method != "GET" or visitor.user is None:
        return visitor, None
    try:
        return visitor, known or site.person_edition(catch_up=True)
    except WikiError:
        return visitor, None


def current_user(request: Request) -> User | None:
    """The signed-in person of this request (looked up by ``SignedIn``), or None."""
    error: WikiError | None = getattr(request.state, "user_error", None)
    if error is not None:
        raise error
    user: User | None = getattr(request.state, "user", None)
    return user


def visitor(request: Request) -> Visitor:
    """The signed-in person with their unread count and watches (an anonymous visitor: none)."""
    found: Visitor | None = getattr(request.state, "visitor", None)
    return found if found is not None and found.user is not None else Visitor(None)


def _anchor(request: Request) -> str:
    """What form tokens are bound to: the session cookie, else a visitor cookie (made when missing)."""
    anchor = request.cookies.get(SESSION_COOKIE) or request.cookies.get(VISITOR_COOKIE)
    if not anchor:
        anchor = getattr(request.state, "new_visitor", None)
        if anchor is None:
            anchor = secrets.token_urlsafe(24)
            request.state.new_visitor = anchor
    return anchor


def csrf_token(request: Request) -> str:
    """The form token for this request's visitor."""
    return site_of(request).accounts.csrf_token(_anchor(request))


def csrf_ok(request: Request, token: object) -> bool:
    """True when ``token`` is this visitor's form token (forms that keep text check this)."""
    anchor = request.cookies.get(SESSION_COOKIE) or request.cookies.get(VISITOR_COOKIE) or ""
    return isinstance(token, str) and site_of(request).accounts.csrf_valid(anchor, token)


def require_csrf(request: Request, token: object) -> None:
    """Raise ``Forbidden`` unless ``token`` is this visitor's form token."""
    if not csrf_ok(request, token):
        raise Forbidden(N_("The form has expired. Please try again."))


def secure_cookies(request: Request) -> bool:
    """True when cookies must be marked Secure (the site's setting, or https)."""
    return site_of(request).settings.secure_cookies or request.url.scheme == "https"


def finish_response(request: Request, response: Response) -> None:
    """Set the visitor cookie a rendered form relies on; keep signed-in pages out of caches."""
    new_visitor = getattr(request.state, "new_visitor", None)
    if new_visitor:
        response.set_cookie(
            VISITOR_COOKIE,
            new_visitor,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(request),
            path="/",
        )
    if new_visitor:
        response.headers["Cache-Control"] = "no-store"


async def sign_in(request: Request, response: Response, user: User, expires: float | None = None) -> None:
    """Start a new session (never reuse one: no fixation) and set its cookie; one from single
    sign-on ends at ``expires`` at the latest."""
    session_id = await run_in_threadpool(
        site_of(request).accounts.replace_session, request.cookies.get(SESSION_COOKIE), user, expires
    )
    response.set_cookie(
        SESSION_COOKIE, session_id, httponly=True, samesite="lax", secure=secure_cookies(request), path="/"
    )
    response.headers["Cache-Control"] = "no-store"


async def sign_out(request: Request, response: Response) -> None:
    """End the session on the server and drop its cookie."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        await run_in_threadpool(site_of(request).accounts.end_session, session_id)
    response.delete_cookie(SESSION_COOKIE, path="/")
