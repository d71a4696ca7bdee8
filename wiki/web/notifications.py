"""``/notifications``: what a person was told, grouped per page or proposal, newest first, each
with a link to exactly what changed and a way to mark it as read; and the same for scripts
(``GET /api/notifications``, ``POST /api/notifications/read``).

The service hands over plain values; the sentences a person reads ("3 wijzigingen in 'Neem
initiatief' door Anna en Bert") are made here, in the request's language, with proper plurals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, BadInput
from wiki.numbers import is_whole_number
from wiki.services.event_words import sentence
from wiki.services.history import FORMER_AUTHOR, iso_utc
from wiki.services.watching import MAX_IDS, Notification, NotificationGroup
from wiki.web.api import json_object
from wiki.web.forms import field, read_form
from wiki.web.i18n import gettext as _
from wiki.web.i18n import ngettext
from wiki.web.notices import NoticeRedirect
from wiki.web.session import require_csrf, site_of
from wiki.web.templating import render
from wiki.web.watching import bearer, signed_in, token_owner

_COMMENTS = frozenset({"comment", "mention", "reply"})


def actor_name(actor: str) -> str:
    """An actor's name; an erased account reads as a former participant."""
    return actor or _(FORMER_AUTHOR)


def people(names: tuple[str, ...]) -> str:
    """The names of who acted: "Anna", "Anna en Bert", "Anna, Bert en Cor", "Anna, Bert en 3 anderen"."""
    shown = [actor_name(name) for name in names]
    if len(shown) == 1:
        return shown[0]
    if len(shown) <= 3:
        return _("{names} and {last}").format(names=", ".join(shown[:-1]), last=shown[-1])
    others = len(shown) - 2
    return ngettext("%(names)s and %(num)d other", "%(names)s and %(num)d others", others) % {
        "names": ", ".join(shown[:2]),
        "num": others,
    }


def summary(item: Notification) -> str:
    """One notification in words, in the request's language."""
    return _(sentence(item.kind)).format(actor=actor_name(item.actor), title=item.title)


def group_summary(group: NotificationGroup) -> str:
    """A group in words: one notification as itself, several counted ("3 changes to 'Neem
    initiatief' by Anna and Bert"); comments and changes each have their own words."""
    if len(group.items) == 1:
        return summary(group.items[0])
    count = len(group.items)
    if all(item.kind in _COMMENTS for item in group.items):
        words = ngettext(
            "%(num)d comment on '%(title)s' by %(people)s", "%(num)d comments on '%(title)s' by %(people)s", count
        )
    elif not any(item.kind in _COMMENTS for item in group.items):
        words = ngettext(
            "%(num)d change to '%(title)s' by %(people)s", "%(num)d changes to '%(title)s' by %(people)s", count
        )
    else:
        words = ngettext(
            "%(num)d update on '%(title)s' by %(people)s", "%(num)d updates on '%(title)s' by %(people)s", count
        )
    return words % {"num": count, "title": group.title, "people": people(group.actors)}


async def notifications_page(request: Request) -> Response:
    """``/notifications``: one's own notifications, grouped, newest first."""
    user = signed_in(request)
    groups = await run_in_threadpool(site_of(request).watching.groups, user)
    shown = [
        {"group": group, "summary": group_summary(group), "items": [(item, summary(item)) for item in group.items]}
        for group in groups
    ]
    return render(request, "notifications.html", {"groups": shown})


def _ids(values: list[str]) -> list[int]:
    if len(values) > MAX_IDS or not all(is_whole_number(value) for value in values):
        raise BadInput(N_("Choose which notifications to mark as read."))
    return [int(value) for value in values]


async def mark_read(request: Request) -> Response:
    """``POST /notifications/read``: mark the form's ``id`` fields (or, with ``all``, every
    notification) as read; then back to the list."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    user = signed_in(request)
    ids = None if field(form, "all") else _ids([value for value in form.getlist("id") if isinstance(value, str)])
    await run_in_threadpool(site_of(request).watching.mark_read, user, ids)
    return NoticeRedirect("/notifications", "marked-read")


# -- the API (bearer tokens only) ---------------------------------------------------------


def _json(item: Notification) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "target": item.target,
        "actor": actor_name(item.actor),
        "date": iso_utc(datetime.fromtimestamp(item.date, UTC)),
        "summary": summary(item),
        "url": item.url,
        "read": item.read,
    }


async def api_notifications(request: Request) -> Response:
    """``GET /api/notifications?unread=1`` -> ``{"notifications": [...], "unread": N}``,
    newest first."""
    token = bearer(request)
    unread_only = request.query_params.get("unread") in ("1", "true")
    site = site_of(request)

    def read() -> tuple[list[Notification], int]:
        user = token_owner(site, token)
        return site.watching.notifications(user, unread_only=unread_only), site.watching.unread(user)

    items, unread = await run_in_threadpool(read)
    return JSONResponse({"notifications": [_json(item) for item in items], "unread": unread})


def _is_id(value: object) -> bool:
    """A notification id as JSON may send it: a whole number the database can store."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**18


async def api_mark_read(request: Request) -> Response:
    """``POST /api/notifications/read`` ``{"ids": [...]}`` or ``{"all": true}`` ->
    ``{"marked": N, "unread": N}``."""
    token = bearer(request)
    data = await json_object(request)
    if data.get("all") is True:
        ids = None
    else:
        raw = data.get("ids")
        if not isinstance(raw, list) or not all(_is_id(i) for i in raw):
            raise BadInput(N_("Send 'ids' with a list of whole numbers, or 'all' with true."))
        ids = raw
    site = site_of(request)

    def mark() -> tuple[int, int]:
        user = token_owner(site, token)
        return site.watching.mark_read(user, ids), site.watching.unread(user)

    marked, unread = await run_in_threadpool(mark)
    return JSONResponse({"marked": marked, "unread": unread})
