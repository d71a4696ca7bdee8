"""Moderation in the open: the public log (``/moderation``), restoring a hidden comment
(maintainers), and the second look its author may ask for once, answered by another
maintainer."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.errors import N_, BadInput
from wiki.services.moderation import discussion_url
from wiki.services.permissions import Action, allowed
from wiki.web.discussion import comment_number
from wiki.web.forms import checked_form, field
from wiki.web.notices import NoticeRedirect
from wiki.web.session import current_user, site_of
from wiki.web.templating import render


async def moderation_log(request: Request) -> Response:
    """Every hide and restore, with who, when and why (never the hidden text); maintainers
    also see the requests for a second look they may answer."""
    user = current_user(request)
    maintainer = allowed(user, Action.HIDE_COMMENT)
    shown = await run_in_threadpool(site_of(request).moderation.page, user, maintainer=maintainer)
    return render(request, "moderation.html", {"shown": shown, "maintainer": maintainer})


async def restore(request: Request) -> Response:
    """A maintainer shows a hidden comment again (logged, with the reason given)."""
    form, user = await checked_form(request, Action.HIDE_COMMENT)
    number = comment_number(request)
    target = await run_in_threadpool(site_of(request).moderation.restore, number, user, field(form, "reason"))
    return NoticeRedirect(f"{discussion_url(target)}#comment-{number}", "comment-restored")


async def ask_second_look(request: Request) -> Response:
    """The author of a hidden comment asks, once, for another maintainer to look at it."""
    form, user = await checked_form(request, Action.COMMENT)
    number = comment_number(request)
    target = await run_in_threadpool(site_of(request).moderation.ask, number, user, field(form, "note"))
    return NoticeRedirect(f"{discussion_url(target)}#comment-{number}", "second-look-asked")


async def answer_second_look(request: Request) -> Response:
    """A maintainer (not the one who hid it, unless there is no other) answers a request."""
    form, user = await checked_form(request, Action.HIDE_COMMENT)
    number = comment_number(request)
    outcome = field(form, "outcome")
    if outcome not in ("restore", "keep"):
        raise BadInput(N_("Choose whether the comment is shown again or stays hidden."))
    await run_in_threadpool(
        lambda: site_of(request).moderation.answer(
            number, user, restore=outcome == "restore", reason=field(form, "reason")
        )
    )
    return NoticeRedirect("/moderation", "second-look-answered")
