"""The discussion beside the pages and proposals: a page's comments, adding one (perhaps a
reply), editing and deleting one's own, the earlier versions of an edited one, and hiding one
(maintainers) on either kind of target; a proposal's own comments are added in
``web/proposals``, where its page is shown.  Restoring and second looks: ``web/moderation``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.errors import N_, NotFound
from wiki.models import Page
from wiki.numbers import is_whole_number
from wiki.services.discussion import page_target
from wiki.services.moderation import discussion_url
from wiki.services.permissions import Action, allowed, require
from wiki.web.errorhandling import keep_form, keeps_form
from wiki.web.forms import checked_form, field, parent_of
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
    return NoticeRedirect(f"{discussion_url(target)}#comment-{raw}", "hidden")


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
    parent = parent_of(form)
    page, posted = await run_in_threadpool(lambda: site.views.comment_on_page(name, user, typed, parent=parent))
    return NoticeRedirect(f"/discuss/{quote(page.path)}#comment-{posted}", "commented")


def comment_number(request: Request) -> int:
    """The comment number in the address; ``NotFound`` for anything but a plain integer."""
    raw = request.path_params["comment"]
    if not is_whole_number(raw) or len(raw) > 18:
        raise NotFound(N_("No such comment."))
    return int(raw)


async def edit_form(request: Request) -> Response:
    """The form to change (or delete) one's own comment."""
    user = require(current_user(request), Action.COMMENT)
    row = await run_in_threadpool(site_of(request).discussion.own, comment_number(request), user)
    return render(request, "comment_edit.html", {"comment": row, "back": discussion_url(row.target)})


@keeps_form
async def edit(request: Request) -> Response:
    """Change one's own comment; its earlier text is kept for its author and maintainers."""
    form, user = await checked_form(request, Action.COMMENT)
    number = comment_number(request)
    site = site_of(request)
    typed = field(form, "body")

    def again() -> dict[str, Any]:
        row = site.discussion.own(number, user)
        return {"comment": replace(row, body=typed), "back": discussion_url(row.target)}

    keep_form(request, "comment_edit.html", {}, again)
    target = await run_in_threadpool(site.discussion.edit, number, user, typed)
    return NoticeRedirect(f"{discussion_url(target)}#comment-{number}", "comment-edited")


async def delete(request: Request) -> Response:
    """Delete one's own comment (a placeholder stays where it has replies)."""
    _form, user = await checked_form(request, Action.COMMENT)
    number = comment_number(request)
    target = await run_in_threadpool(site_of(request).discussion.delete, number, user)
    return NoticeRedirect(f"{discussion_url(target)}#discussion", "comment-deleted")


async def versions(request: Request) -> Response:
    """The earlier versions of an edited comment (its author and maintainers only)."""
    user = require(current_user(request), Action.COMMENT)
    shown = await run_in_threadpool(site_of(request).discussion.versions, comment_number(request), user)
    return render(request, "comment_versions.html", {"shown": shown, "back": discussion_url(shown.target)})
