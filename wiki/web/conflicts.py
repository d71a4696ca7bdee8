"""The conflict page: two overlapping edits, combined passage by passage, nothing lost.

Its form carries what is needed to rebuild the merge on every answer (the revision the
person started from, the one the overlap was met at, and their own text), so choosing
versions, previewing and refused saves all work without JavaScript and never drop the
text in the box.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from wiki.models import User
from wiki.numbers import is_whole_number
from wiki.services import diff
from wiki.services.accounts import commit_author
from wiki.services.conflicts import CHOICES, Attempt, ConflictView, Labels, Overlapped, Resolution, Unresolved
from wiki.services.pages import Conflicted
from wiki.services.permissions import Action, allowed
from wiki.web.errorhandling import keep_form_with
from wiki.web.forms import field
from wiki.web.i18n import gettext as _
from wiki.web.notices import NoticeRedirect
from wiki.web.session import csrf_ok, site_of
from wiki.web.templating import render

SignIn = Callable[[Request, FormData], Awaitable[tuple[User | None, str | None]]]


def labels() -> Labels:
    """The marker words in the person's language."""
    return Labels(_("Your version"), _("Version by %(name)s"), _("End of the two versions"))


def _choices(form: FormData) -> dict[int, str]:
    """The version chosen per passage, from radio buttons named ``choice-N``."""
    found = {}
    for key, value in form.multi_items():
        number = key.removeprefix("choice-")
        if number != key and is_whole_number(number) and len(number) <= 5 and value in CHOICES:
            found[int(number)] = str(value)
    return found


def _page(request: Request, view: ConflictView, values: dict[str, Any], status: int) -> Response:
    context = {
        "name": view.attempt.name,
        "view": view,
        "changes": diff.compare(view.base_body, view.current_body),
        "title_changed": values["title"] != view.current_title,
        "base": view.attempt.current_revision,
        "section": "",
        "missing": (),
        "applied": False,
        "confirmed": False,
        **values,
    }
    return render(request, "conflict.html", context, status=status)


async def show(request: Request, context: dict[str, Any], conflict: Conflicted) -> Response:
    """The conflict page after a save met an overlap: the merge, both versions of each passage."""
    site = site_of(request)
    if conflict.current_text is None or conflict.current_revision is None:  # the page was deleted meanwhile
        values = {**context, "base": None, "creating": True, "section": "", "body": conflict.mine}
        error = _("This page was deleted while you were editing. Save to create it again.")
        return render(request, "edit.html", {**values, "error": error}, status=409)
    attempt = Attempt(context["name"], context["base"], conflict.current_revision, conflict.mine)
    view = await run_in_threadpool(site.conflicts.view, attempt, labels())
    values = {"title": context["title"], "body": view.text, "message": context["message"]}
    return _page(request, view, values, 409)


async def submit(request: Request, form: FormData, name: str, signed_in: SignIn) -> Response:
    """Choose versions, preview or save from the conflict page; refused saves show it again."""
    site = site_of(request)
    attempt = Attempt(name, field(form, "started") or None, field(form, "base"), field(form, "mine"))
    choices = _choices(form)
    values: dict[str, Any] = {
        "title": field(form, "title"),
        "body": field(form, "body"),
        "message": field(form, "message"),
        "confirmed": field(form, "confirm_removal") == "yes",
    }

    async def again(status: int, **extra: Any) -> Response:
        view = await run_in_threadpool(site.conflicts.view, attempt, labels(), choices)
        return _page(request, view, {**values, **extra}, status)

    keep_form_with(request, lambda message, status: again(status, error=message))

    if not csrf_ok(request, form.get("csrf_token")):
        return await again(400, error=_("The form had expired. Your text is kept: press Save again."))
    user, sign_in_error = await signed_in(request, form)
    if user is None:
        return await again(401, error=sign_in_error or "", ask_sign_in=True)
    if not allowed(user, Action.EDIT):
        return await again(403, error=_("Your role does not allow this. Ask a maintainer if you need it."))
    action = field(form, "action")
    if action == "choose":
        view = await run_in_threadpool(site.conflicts.view, attempt, labels(), choices)
        return _page(request, view, {**values, "body": view.text, "applied": True}, 200)
    if action == "preview":
        preview = await run_in_threadpool(site.renderer.render, values["body"])
        return await again(200, preview=preview)
    resolution = Resolution(
        attempt, values["title"], values["body"], values["message"], choices, values["confirmed"], commit_author(user)
    )
    try:
        result = await run_in_threadpool(site.edits.resolve, user, resolution, labels())
    except Unresolved as refused:  # shown with the text as the merge left it and what is missing
        return await again(refused.status, error=_(refused.message), body=refused.text, missing=refused.missing)
    except Overlapped as conflict:  # someone saved again meanwhile: a new round on the new revision
        context = {"name": name, "base": attempt.current_revision, **values}
        again_conflicted = Conflicted(conflict.message, conflict.current_revision, conflict.current_body, conflict.text)
        return await show(request, context, again_conflicted)
    key = "merged" if result.merged else "saved" if result.changed else "unchanged"
    return NoticeRedirect(f"/p/{quote(name)}", key)
