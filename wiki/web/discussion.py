"""The discussion beside the pages and proposals: a page's comments, adding one, and hiding
one (maintainers) on either kind of target; a proposal's own comments are added in
``web/proposals``, where its page is shown."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.errors import N_, NotFound
from wiki.models import Page
from wiki.numbers import is_whole_number
from wiki.services.discussion import page_target
from wiki.services.permissions import Action, allowed
from wiki.web.errorhandling import keep_form, keeps_form
from wiki.web.forms import checked_form, field
from wiki.web.notices import NoticeRedirect
from wiki.web.session import current_user, site_of
from wiki.web.templating import render


async def hide_comment(request: Request) -> Response:
    """A maintainer hides a comment; a placeholder with the reason stays."""
    form, user = await checked_form(request, Action.HIDE_COMMENT)
    target = field(form, "target")
    if not (target.startswith("proposal:") or target.startswith("page:")):
        raise NotFound(N_("No such comment."))
    raw = request.path_params["comment"]
    if not is_whole_number(raw):
        raise NotFound(N_("No such comment."))
    await run_in_threadpool(site_of(request).discussion.hide, target, int(raw), user, field(form, "reason"))
    kind, _sep, rest = target.partition(":")
    back = f"/proposals/{rest}" if kind == "proposal" else f"/discuss/{quote(rest)}"
    return NoticeRedirect(back + "#discussion", "hidden")


async def page_discussion(request: Request) -> Response:
    """The discussion of a page, like the comments under the blog post the principles grew from."""
    name = request.path_params["name"]
    site = site_of(request)
    context = await run_in_threadpool(lambda: _discussion_context(request, site.pages.get(name)[0]))
    return render(request, "discussion.html", context)


def _discussion_context(request: Request, page: Page) -> dict[str, Any]:
    """What the discussion page shows; run in the thread pool (it reads the comments)."""
    user = current_user(request)
    return {
        "page": page,
        "comments": site_of(request).discussion.comments(page_target(page.path)),
        "can_comment": allowed(user, Action.COMMENT),
        "can_hide": allowed(user, Action.HIDE_COMMENT),
        "comment_target": page_target(page.path),
    }


@keeps_form
async def page_comment(request: Request) -> Response:
    """Add a comment to a page's discussion."""
    form, user = await checked_form(request, Action.COMMENT)
    site = site_of(request)
    name = request.path_params["name"]
    typed = field(form, "body")
    keep_form(
        request,
        "discussion.html",
        {"comment_body": typed},
        lambda: _discussion_context(request, site.pages.get(name)[0]),
    )
    page = await run_in_threadpool(site.views.comment_on_page, name, user, typed)
    return NoticeRedirect(f"/discuss/{quote(page.path)}#discussion", "commented")
