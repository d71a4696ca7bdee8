"""The discussion beside the pages and proposals: a page's comments beside its text, adding
one (perhaps a reply, perhaps on a passage of the text), editing and deleting one's own, the
earlier versions of an edited one, and hiding one (maintainers) on either kind of target; a
proposal's own comments are added in ``web/proposals``, where its page is shown.  Restoring
and second looks: ``web/moderation``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from wiki.errors import N_, NotFound
from wiki.numbers import is_whole_number
from wiki.services.anchors import ANCHOR_FIELDS, Anchor, anchor_from
from wiki.services.discussion import Comment, page_target
from wiki.services.moderation import discussion_url
from wiki.services.page_views import DiscussionPage
from wiki.services.passages import Labels, Passage
from wiki.services.permissions import Action, allowed, require
from wiki.web.errorhandling import keep_form, keeps_form
from wiki.web.forms import checked_form, field, parent_of
from wiki.web.i18n import gettext as _
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


def passage_labels() -> Labels:
    """The words a text gains for its passages, in the reader's language."""
    return Labels(_("Comment on this paragraph"), _("paragraph"), _("comment"))


def query_number(request: Request, key: str) -> int | None:
    """A small whole number in the query (a paragraph), or None when absent or not one."""
    raw = request.query_params.get(key, "")
    return int(raw) if is_whole_number(raw) and len(raw) <= 6 else None


def form_anchor(form: FormData) -> Anchor | None:
    """The passage a comment is about (the ``anchor-*`` fields), or None for the whole text;
    ``BadInput`` when the fields are there but wrong."""
    if not field(form, "anchor-exact"):
        return None
    return anchor_from({key: field(form, f"anchor-{key}") for key in ANCHOR_FIELDS})


def passage_context(
    comments: list[Comment], passages: Mapping[int, Passage], paragraph: int | None, path: str | None
) -> dict[str, Any]:
    """What ``_comments.html`` shows of passages: the comments (when a paragraph is asked for,
    only those on ``paragraph`` of the text ``path`` and the replies under them), where each
    passage is, and the filter."""
    if paragraph is not None:
        kept: set[int] = set()
        for c in comments:  # oldest first: a parent comes before its replies
            on = (p := passages.get(c.id)) is not None and p.paragraph == paragraph and p.path == path
            if on or c.parent in kept:
                kept.add(c.id)
        comments = [c for c in comments if c.id in kept]
    return {"comments": comments, "passages": passages, "paragraph": paragraph}


async def page_discussion(request: Request) -> Response:
    """The discussion of a page, like the comments under the blog post the principles grew from,
    beside the page's text: passages highlighted, and a link to comment on each paragraph."""
    name = request.path_params["name"]
    site = site_of(request)
    shown = await run_in_threadpool(
        site.views.page_discussion, name, passage_labels(), query_number(request, "passage")
    )
    return render(request, "discussion.html", _discussion_context(request, shown))


def _discussion_context(request: Request, shown: DiscussionPage) -> dict[str, Any]:
    """What the discussion page shows."""
    user = current_user(request)
    paragraph = query_number(request, "paragraph")
    return {
        "page": shown.page,
        "text": shown.text,
        "passage": shown.passage,
        **passage_context(shown.comments, shown.passages, paragraph, shown.page.path),
        "can_comment": allowed(user, Action.COMMENT),
        "can_hide": allowed(user, Action.HIDE_COMMENT),
        "comment_target": page_target(shown.page.path),
    }


@keeps_form
async def page_comment(request: Request) -> Response:
    """Add a comment to a page's discussion (on a passage of its text, when the form says one)."""
    form, user = await checked_form(request, Action.COMMENT)
    site = site_of(request)
    name = request.path_params["name"]
    typed = field(form, "body")
    anchor: Anchor | None = None  # given back with the refused comment once it is read
    keep_form(
        request,
        "discussion.html",
        {"comment_body": typed},
        lambda: {**_discussion_context(request, site.views.page_discussion(name, passage_labels())), "passage": anchor},
    )
    parent, anchor = parent_of(form), form_anchor(form)
    page, posted = await run_in_threadpool(
        lambda: site.views.comment_on_page(name, user, typed, parent=parent, anchor=anchor)
    )
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
