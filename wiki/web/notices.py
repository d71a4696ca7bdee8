"""Messages shown once after a redirect ("Saved."), carried by a signed, short-lived cookie.

A notice named in the address could be forged (``/proposals/3?notice=accepted`` above a
declined proposal) and travelled with every copied link, so the address never carries one:
the redirect sets a cookie holding the notice's key and an expiry, sealed with the site's
key, and the next page rendered shows it and clears it.  The cookie needs no session, so it
also works right after signing out or deleting an account.  A page that shows a notice is
made for one person: it is never kept for readers nor stored by a browser cache.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from wiki.errors import N_
from wiki.numbers import is_whole_number
from wiki.web import i18n
from wiki.web.session import secure_cookies, site_of

NOTICE_COOKIE = "wiki_notice"
#: Seconds a notice waits for the page it belongs to (a redirect is followed at once).
LIFETIME = 120
_PURPOSE = "notice"

#: Messages shown after a redirect, by key, so no text travels in the cookie.
NOTICES = {
    "saved": N_("Saved."),
    "merged": N_("Saved. Someone changed another part of this page meanwhile; both changes are kept."),
    "unchanged": N_("Nothing changed, so nothing was saved."),
    "created": N_("The page was created."),
    "signed-in": N_("You are signed in."),
    "signed-out": N_("You are signed out."),
    "restored": N_("The page was put back as it was. This is a new change in the history."),
    "undone": N_("The change was taken out. This is a new change in the history."),
    "renamed": N_("The page has a new name. The old address leads here."),
    "deleted": N_("The page was deleted. It can be brought back from this list."),
    "version-named": N_("The version was named."),
    "proposed": N_("Proposal submitted. Others can now discuss and support it."),
    "revised": N_("The proposal was revised."),
    "commented": N_("Your comment was posted."),
    "supported": N_("You support this proposal."),
    "unsupported": N_("You no longer support this proposal."),
    "accepted": N_("The proposal was accepted and is now part of the principles."),
    "declined": N_("The proposal was declined."),
    "withdrawn": N_("The proposal was withdrawn."),
    "status_set": N_("The status of the proposal was changed."),
    "updated": N_("The proposal is up to date with the current text."),
    "hidden": N_("The comment was hidden."),
    "suggested": N_("Your suggestion was sent. The proposal's author can take it over or decline it."),
    "suggestion-taken": N_("The suggestion is taken over in the proposal."),
    "suggestion-declined": N_("The suggestion was declined."),
    "suggestion-hidden": N_("The suggestion was hidden."),
    "comment-edited": N_("Your comment was changed."),
    "comment-deleted": N_("Your comment was deleted."),
    "comment-restored": N_("The comment is shown again."),
    "second-look-asked": N_("You asked for a second look. Another maintainer will answer."),
    "second-look-answered": N_("Your answer is in the moderation log."),
    "signed-up": N_("Welcome! Your account is ready and you are signed in."),
    "signup-pending": N_("Thank you. A maintainer will look at your request; you can sign in once it is approved."),
    "account-saved": N_("Saved."),
    "account-linked": N_("Your account is linked. From now on you can sign in with your organisation's account."),
    "account-deleted": N_("Your account was deleted. Your comments and supports are erased."),
    "password-reset": N_(
        "Your new password is set and you are signed in. Your other sessions were signed out."
        " Your API tokens still work: revoke them below if needed."
    ),
    "password-reset-sign-in": N_(
        "Your new password is set. All sessions of your account were signed out."
        " Your API tokens still work. You can sign in once your account is active."
    ),
    "confirmation-sent": N_("We sent you a new link. Open it to confirm your e-mail address."),
    "watching": N_("You now watch this. You get a notification when it changes."),
    "unwatched": N_("You no longer watch this."),
    "marked-read": N_("Marked as read."),
}


class NoticeRedirect(RedirectResponse):
    """A 303 to ``url`` that leaves the notice ``key`` for the page there.

    The cookie is sealed when the answer is sent, where the site (and its key) is at hand,
    so a route returns one of these without passing the request along.
    """

    def __init__(self, url: str, key: str) -> None:
        if key not in NOTICES:
            raise ValueError(f"unknown notice {key!r}")
        super().__init__(url, status_code=303)
        self.key = key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        leave(Request(scope), self, self.key)
        await super().__call__(scope, receive, send)


def leave(request: Request, response: Response, key: str) -> None:
    """Set the sealed cookie that makes the next page show notice ``key``."""
    value = f"{key}.{int(time.time()) + LIFETIME}"
    sealed = f"{value}.{site_of(request).accounts.seal(_PURPOSE, value)}"
    response.set_cookie(
        NOTICE_COOKIE,
        sealed,
        max_age=LIFETIME,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )


def take(request: Request) -> str | None:
    """The translated notice this request's cookie carries, when its seal is good and it has
    not expired; anything else in the cookie shows nothing."""
    parts = request.cookies.get(NOTICE_COOKIE, "").split(".")
    if len(parts) != 3 or parts[0] not in NOTICES or not is_whole_number(parts[1]):
        return None
    key, expires, signature = parts
    if int(expires) < time.time() or not site_of(request).accounts.sealed(_PURPOSE, f"{key}.{expires}", signature):
        return None
    return i18n.gettext(NOTICES[key])


def clear(request: Request, response: Response) -> None:
    """Drop the notice cookie once a page was made for it (shown once), and keep that page
    out of every cache: it was made for this one person."""
    if NOTICE_COOKIE in request.cookies:
        response.delete_cookie(NOTICE_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request))
        response.headers["Cache-Control"] = "no-store"
