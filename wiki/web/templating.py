"""Jinja2 set-up and the one function that renders a page for a request.

Autoescaping is on for every template; user content reaches templates either
as plain strings (escaped) or as HTML the Markdown renderer produced (marked
safe in exactly one place: ``page.html``'s ``|safe`` on ``html``).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from wiki.errors import N_
from wiki.logs import REQUEST_ID
from wiki.models import Role
from wiki.names import PAGE_NAME_RULE
from wiki.resources import folder
from wiki.services.discussion import threads
from wiki.services.gittexts import proposal_number
from wiki.services.history import FORMER_AUTHOR
from wiki.web import i18n, notices, shells, targets
from wiki.web.session import csrf_token, current_user, finish_response, visitor
from wiki.web.static import STATIC, STYLESHEETS

STATUS_LABELS = {
    "open": N_("open"),
    "under_consideration": N_("under consideration"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "withdrawn": N_("withdrawn"),
}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder("templates")),
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
    env.filters["day"] = i18n.format_day
    env.filters["page_url"] = lambda name: "/p/" + quote(name)
    env.filters["edit_url"] = lambda name: "/edit/" + quote(name)
    env.filters["url_path"] = quote
    env.filters["size_change"] = i18n.format_size_change
    env.filters["short"] = lambda revision: revision[:8]
    env.filters["proposal_number"] = proposal_number
    env.filters["author"] = lambda name: i18n.gettext(name) if name == FORMER_AUTHOR else name
    env.filters["status_label"] = lambda status: i18n.gettext(STATUS_LABELS.get(status) or status)
    env.filters["timestamp"] = lambda seconds: datetime.fromtimestamp(int(seconds), UTC)
    env.filters["isodate"] = lambda seconds: datetime.fromtimestamp(int(seconds), UTC).isoformat()
    env.filters["threads"] = threads
    env.globals["static_url"] = STATIC.url
    env.globals["stylesheets"] = STYLESHEETS
    env.globals["page_name_rule"] = PAGE_NAME_RULE
    env.globals["request_id"] = REQUEST_ID.get  # (error pages show it, for the help desk)
    return env


ENVIRONMENT = _environment()
TEMPLATES = Jinja2Templates(env=ENVIRONMENT)


def _sign_in_ways(request: Request) -> dict[str, bool]:
    """Whether pages offer password sign-in and single sign-on (an error page shown before the
    site opened offers passwords, as the default is)."""
    site = getattr(request.state, "site", None)
    if site is None:
        return {"passwords_on": True, "sso_on": False}
    return {"passwords_on": site.settings.passwords, "sso_on": site.settings.oidc_on}


class LiveParts:
    """This request's person's own parts of a page, made now: the form token (made once per
    page, however many forms it has), the header's name and bell, watch buttons."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self._token: str | None = None

    def csrf_token(self) -> str:
        if self._token is None:
            self._token = csrf_token(self.request)
        return self._token

    def person_links(self) -> Markup:
        user = current_user(self.request)
        assert user is not None  # (base.html asks only for someone signed in)
        maintainer = user.role is Role.MAINTAINER
        unread, path, language = visitor(self.request).unread, self.request.url.path, i18n.current_language()
        return _person_links(user.display_name, maintainer, unread, self.csrf_token(), path, language=language)

    def watch_hole(self, kind: str, target: str) -> Markup:
        url = self.request.url
        here = url.path + ("?" + url.query if url.query else "")
        watching = (kind, target) in visitor(self.request).watches
        return _watch_form(kind, target, watching, self.csrf_token(), here, language=i18n.current_language())


# The person's parts, rendered once for each set of what they show (the language included,
# as the macros translate): a kept page is filled with them on every view.
@functools.lru_cache(maxsize=4096)
def _person_links(name: str, maintainer: bool, unread: int, token: str, path: str, *, language: str) -> Markup:
    links: Markup = _macro("_person.html", "person_links")(name, maintainer, unread, token, path)
    return links


@functools.lru_cache(maxsize=4096)
def _watch_form(kind: str, target: str, watching: bool, token: str, here: str, *, language: str) -> Markup:
    button: Markup = _macro("_watch.html", "watch_form")(kind, target, watching, token, here)
    return button


def _macro(template: str, name: str) -> Any:
    """A macro of a template, to call from Python (the template's module is made once)."""
    return getattr(ENVIRONMENT.get_template(template).module, name)


def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    """Render ``template`` with the request's user, language and form token; while a page is
    recorded for people (``wiki.web.personal``), each person's own parts as holes."""
    recording: shells.Recording | None = getattr(request.state, "recording", None)
    parts: shells.Parts = recording if recording is not None else LiveParts(request)
    full = {
        "request": request,
        "user": current_user(request),
        "visitor": visitor(request),
        "language": i18n.current_language(),
        "languages": i18n.LANGUAGES,
        "csrf_token": parts.csrf_token,
        "person_links": parts.person_links,
        "watch_hole": parts.watch_hole,
        "path": request.url.path,
        "return_to": lambda: targets.return_to(request),
        "came_from": lambda: targets.came_from(request),
        "query": request.url.query,
        "notice": notices.take(request),
        "error": None,
        "ask_sign_in": False,
        **_sign_in_ways(request),
        "creating": False,
        **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(request, template, full, status_code=status)
    finish_response(request, response)
    notices.clear(request, response)
    return response
