"""Jinja2 set-up and the one function that renders a page for a request.

Autoescaping is on for every template; user content reaches templates either
as plain strings (escaped) or as HTML the Markdown renderer produced (marked
safe in exactly one place: ``page.html``'s ``|safe`` on ``html``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from wiki import PROJECT_ROOT
from wiki.errors import N_
from wiki.services.history import FORMER_AUTHOR
from wiki.web import i18n
from wiki.web.session import csrf_token, current_user, finish_response
from wiki.web.static import STATIC, STYLESHEETS

STATUS_LABELS = {
    "open": N_("open"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "withdrawn": N_("withdrawn"),
}


_ACCEPTED = re.compile(r"Accept proposal #(\d+)")


def proposal_number(message: str) -> str | None:
    """The proposal a merge commit accepted (its message starts "Accept proposal #N"), or None."""
    match = _ACCEPTED.match(message)
    return match.group(1) if match else None


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates change only with a release: no stat() of every included file per render.
        auto_reload=False,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = i18n.format_date
    env.filters["page_url"] = lambda name: "/p/" + quote(name)
    env.filters["edit_url"] = lambda name: "/edit/" + quote(name)
    env.filters["url_path"] = quote
    env.filters["signed"] = i18n.format_signed
    env.filters["short"] = lambda revision: revision[:8]
    env.filters["proposal_number"] = proposal_number
    env.filters["author"] = lambda name: i18n.gettext(name) if name == FORMER_AUTHOR else name
    env.filters["status_label"] = lambda status: i18n.gettext(STATUS_LABELS.get(status) or status)
    env.filters["timestamp"] = lambda seconds: datetime.fromtimestamp(int(seconds), UTC)
    env.filters["isodate"] = lambda seconds: datetime.fromtimestamp(int(seconds), UTC).isoformat()
    env.globals["static_url"] = STATIC.url
    env.globals["stylesheets"] = STYLESHEETS
    return env


ENVIRONMENT = _environment()
TEMPLATES = Jinja2Templates(env=ENVIRONMENT)

#: Messages shown after a redirect, by key, so no text travels in the URL.
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
    "updated": N_("The proposal is up to date with the current text."),
    "hidden": N_("The comment was hidden."),
    "signed-up": N_("Welcome! Your account is ready and you are signed in."),
    "signup-pending": N_("Thank you. A maintainer will look at your request; you can sign in once it is approved."),
    "account-saved": N_("Saved."),
    "account-deleted": N_("Your account was deleted. Your comments and supports are erased."),
}


def notice(request: Request) -> str | None:
    """The translated notice named in ``?notice=``, if any."""
    key = request.query_params.get("notice", "")
    return i18n.gettext(NOTICES[key]) if key in NOTICES else None


def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    """Render ``template`` with the request's user, language and form token."""
    full = {
        "request": request,
        "user": current_user(request),
        "language": i18n.current_language(),
        "languages": i18n.LANGUAGES,
        "csrf_token": lambda: csrf_token(request),
        "path": request.url.path,
        "query": request.url.query,
        "notice": notice(request),
        "error": None,
        "ask_sign_in": False,
        "creating": False,
        **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(request, template, full, status_code=status)
    finish_response(request, response)
    return response
