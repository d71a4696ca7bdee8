"""Pages for people: the list of principles, a page, editing, creating (conflicts: ``conflicts``).

An edit form that cannot be saved (expired form, expired session, bad input,
a conflict) always comes back with the person's text in it: nothing typed is
ever dropped.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from wiki import pagefile
from wiki.errors import (
    N_,
    BadInput,
    NameTaken,
    TooManyAttempts,
    Unauthorized,
)
from wiki.models import User
from wiki.names import is_page_name, slugify
from wiki.numbers import is_whole_number
from wiki.services.accounts import commit_author
from wiki.services.drafts import DraftService
from wiki.services.keeping import KeptView
from wiki.services.page_actions import page_actions
from wiki.services.page_views import MissingPage
from wiki.services.pages import Conflicted, EditRequest, check_title
from wiki.services.permissions import Action, allowed
from wiki.services.preview import person_key
from wiki.services.render import table_of_contents
from wiki.web import conflicts, personal, readers
from wiki.web.accounts import signin_url
from wiki.web.errorhandling import keep_form, keeps_form
from wiki.web.forms import field, read_form
from wiki.web.i18n import gettext as _
from wiki.web.notices import NoticeRedirect
from wiki.web.session import csrf_ok, current_user, require_csrf, sign_in, site_of
from wiki.web.templating import render


async def home(request: Request) -> Response:
    """The principles in their order, each with its first sentence, then the other pages."""
    listing = await run_in_threadpool(site_of(request).home.listing)
    return render(
        request,
        "home.html",
        {
            "principles": listing.principles,
            "intros": listing.intros,
            "others": listing.others,
            **asdict(page_actions(current_user(request))),
        },
    )


@personal.kept_for_people("revision")
@readers.kept_for_readers(KeptView.PAGE, "revision")
async def view(request: Request) -> Response:
    """One page, now or at an earlier ``?revision=``, rendered from Markdown."""
    name = request.path_params["name"]
    revision = request.query_params.get("revision")
    may = page_actions(current_user(request))
    section_label = _("Edit section") if not revision and may.can_edit else None
    why_words = (_("why is this here?"), _("(paragraph %(number)s)"))
    shown = await run_in_threadpool(site_of(request).views.page, name, revision, section_label, why_words)
    if isinstance(shown, MissingPage):
        if shown.moved_to:
            return RedirectResponse("/p/" + quote(shown.moved_to), status_code=301)
        user = current_user(request)
        valid = is_page_name(name)
        context = {
            "status": 404,
            "message": _(shown.message),
            "create_name": name if valid and allowed(user, Action.CREATE) else None,
            "propose_title": shown.wanted.capitalize() if valid and allowed(user, Action.PROPOSE) else None,
            "similar": shown.similar,
        }
        return render(request, "error.html", context, status=404)
    page, html = shown.page, shown.html
    headings = table_of_contents(html)
    return render(
        request,
        "page.html",
        {
            "page": page,
            "name": name,
            "html": html,
            "info": shown.info,
            "last_change": shown.last_change,
            "previous": shown.previous,
            "following": shown.following,
            "backlinks": shown.backlinks,
            "toc": headings if len(headings) >= 3 else [],
            **asdict(may),
        },
    )


def _edit_context(name: str, title: str, body: str, message: str, base: str | None, **extra: Any) -> dict[str, Any]:
    defaults = {"section": "", "draft": None}
    return {**defaults, "name": name, "title": title, "body": body, "message": message, "base": base, **extra}


async def edit_form(request: Request) -> Response:
    """The edit form, holding the revision the text was read at."""
    user = current_user(request)
    name = request.path_params["name"]
    if user is None:
        return RedirectResponse(signin_url(request.url.path), status_code=303)
    site = site_of(request)
    page, draft = await run_in_threadpool(site.views.page_and_draft, user, name)
    if not allowed(user, Action.EDIT):
        return _not_allowed(request)
    if draft is not None and request.query_params.get("draft") == "1":
        context = _edit_context(page.path, draft.title, draft.body, "", draft.base, draft_restored=True)
        return render(request, "edit.html", context)
    section = request.query_params.get("section", "")
    body = page.body
    if is_whole_number(section):
        parts = pagefile.sections(page.body)
        if 0 < int(section) < len(parts):
            body = parts[int(section)]
        else:
            section = ""
    context = _edit_context(page.path, page.title, body, "", page.revision, section=section, draft=draft)
    return render(request, "edit.html", context)


def _not_allowed(request: Request) -> Response:
    return render(
        request,
        "error.html",
        {
            "status": 403,
            "message": _("Your role does not allow this. Ask a maintainer if you need it."),
        },
        status=403,
    )


async def _signed_in_for_form(request: Request, form: FormData) -> tuple[User | None, str | None]:
    """The person saving: the session's, or one signing in inside the form itself.

    Returns the user (None when they still need to sign in) and an error to show.
    """
    user = current_user(request)
    if user is not None:
        return user, None
    username, password = field(form, "username"), field(form, "password")
    if not username:
        return None, _("Your session has ended. Your text is kept below: sign in to save it.")
    address = request.client.host if request.client else ""
    try:
        user = await run_in_threadpool(site_of(request).accounts.authenticate, username, password, address)
    except TooManyAttempts as error:
        return None, _(error.message) + " " + _("Your text is kept below.")
    if user is None:
        return None, _("The username or password is not right. Your text is kept below.")
    request.state.user = user
    request.state.signed_in_now = user
    return user, None


async def edit_submit(request: Request) -> Response:
    """Preview or save an edit; on any problem, show the form again with the text in it.

    When the person signed in inside the form (their session had ended), the
    answer, whatever it is, starts their new session.
    """
    response = await _edit_submit(request)
    signed_in_now = getattr(request.state, "signed_in_now", None)
    if signed_in_now is not None:
        await sign_in(request, response, signed_in_now)
    return response


@keeps_form
async def _edit_submit(request: Request) -> Response:
    form = await read_form(request)
    name = request.path_params.get("name", "")
    creating = name == ""
    if creating:
        name = field(form, "name").strip() or slugify(field(form, "title"))
    title, body, message = field(form, "title"), field(form, "body"), field(form, "message")
    base = field(form, "base") or None
    section = field(form, "section")
    context = _edit_context(name, title, body, message, base, creating=creating, section=section)
    if field(form, "conflict") and not creating:
        return await conflicts.submit(request, form, name, _signed_in_for_form)

    def again(error: str, status: int, **extra: Any) -> Response:
        return render(request, "edit.html", {**context, "error": error, **extra}, status=status)

    if not csrf_ok(request, form.get("csrf_token")):
        return again(_("The form had expired. Your text is kept: press Save again."), 400)
    user, sign_in_error = await _signed_in_for_form(request, form)
    if user is None:
        return again(sign_in_error or "", 401, ask_sign_in=True)
    if not allowed(user, Action.CREATE if creating else Action.EDIT):
        return again(_("Your role does not allow this. Ask a maintainer if you need it."), 403)
    site = site_of(request)
    keep_form(request, "edit.html", context)
    number = int(section) if is_whole_number(section) and base else None
    if field(form, "action") == "preview":
        check_title(title)
        preview = await run_in_threadpool(site.previews.preview, person_key(user), body)
        return render(request, "edit.html", {**context, "preview": preview})
    edit = EditRequest(name, body, base, message, commit_author(user), title, number)
    outcome = await run_in_threadpool(site.edits.save, user, edit)
    if isinstance(outcome, Conflicted):
        if creating:
            raise NameTaken(N_("A page with this name exists already. Choose another name."))
        return await conflicts.show(request, context, outcome)
    key = "created" if outcome.created else "merged" if outcome.merged else "saved"
    if not outcome.changed:
        key = "unchanged"
    return NoticeRedirect(f"/p/{quote(name)}", key)


async def new_form(request: Request) -> Response:
    """The form to create a page; ``?name=`` prefills the name (from a link to a missing page),
    ``?title=`` the title (from a search that found nothing)."""
    user = current_user(request)
    if user is None:
        return RedirectResponse(signin_url(request.url.path), status_code=303)
    if not allowed(user, Action.CREATE):
        return _not_allowed(request)
    name = request.query_params.get("name", "")
    title = request.query_params.get("title", "")[:200]
    return render(request, "edit.html", _edit_context(name, title, "", "", None, creating=True))


async def preview(request: Request) -> Response:
    """The rendered HTML of a text being typed (the editor's live preview), as JSON."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    user = current_user(request)
    if user is None:
        raise Unauthorized(N_("Sign in first."))
    html = await run_in_threadpool(site_of(request).previews.preview, person_key(user), field(form, "body"))
    return JSONResponse({"html": html})


async def draft(request: Request) -> Response:
    """Keep or discard the person's draft of a page, or with ``kind=proposal`` of their proposed
    change to it, with ``kind=revise`` of their revision of it in a proposal (the editor saves it
    every few seconds)."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    user = current_user(request)
    if user is None:
        raise Unauthorized(N_("Sign in first."))
    name = request.path_params["name"]
    drafts = site_of(request).drafts
    if field(form, "kind") == "principle":
        return await _new_principle_draft(drafts, user, form)
    if field(form, "kind") == "revise":
        return await _revision_draft(drafts, user, name, form)
    proposal = field(form, "kind") == "proposal"
    if field(form, "action") == "discard":
        await run_in_threadpool(lambda: drafts.discard(user, name, for_proposal=proposal))
        return RedirectResponse(f"/{'propose' if proposal else 'edit'}/{quote(name)}", status_code=303)
    title, body, base = field(form, "title"), field(form, "body"), field(form, "base")
    await run_in_threadpool(lambda: drafts.save(user, name, title, body, base, for_proposal=proposal))
    return JSONResponse({"saved": True})


async def _new_principle_draft(drafts: DraftService, user: User, form: FormData) -> Response:
    """Keep or discard the person's unsent proposal for a new principle (it has no page name)."""
    if field(form, "action") == "discard":
        await run_in_threadpool(drafts.discard_new_principle, user)
        return RedirectResponse("/proposals/new", status_code=303)
    title, body = field(form, "title"), field(form, "body")
    await run_in_threadpool(drafts.save_new_principle, user, title, body)
    return JSONResponse({"saved": True})


async def _revision_draft(drafts: DraftService, user: User, name: str, form: FormData) -> Response:
    """Keep the person's unsent revision of one page of a proposal, or discard it for the
    pages the form names (``page``, once per page)."""
    number = field(form, "proposal")
    if not is_whole_number(number) or len(number) > 9:
        raise BadInput(N_("No such proposal."))
    if field(form, "action") == "discard":
        pages = [str(page) for page in form.getlist("page")]
        await run_in_threadpool(drafts.discard_revision, user, int(number), pages)
        return RedirectResponse(f"/proposals/{number}/revise", status_code=303)
    title, body, head = field(form, "title"), field(form, "body"), field(form, "base")
    await run_in_threadpool(drafts.save_revision, user, int(number), name, title, body, head=head)
    return JSONResponse({"saved": True})
