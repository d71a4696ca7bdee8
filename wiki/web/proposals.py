"""Proposals and discussions for people: propose, revise, discuss, support, decide."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki import pagefile
from wiki.errors import N_, Forbidden, NotFound
from wiki.models import Page
from wiki.numbers import is_whole_number
from wiki.services import proposal_review
from wiki.services.anchors import Anchor
from wiki.services.discussion import proposal_target
from wiki.services.drafts import Draft
from wiki.services.keeping import KeptView
from wiki.services.page_views import ProposalPage
from wiki.services.permissions import Action, allowed, require
from wiki.services.preview import person_key
from wiki.services.proposal_actions import actions_for
from wiki.services.proposal_process import SORTS, Standing
from wiki.services.proposal_records import ACTIVE, OPEN, STATUSES, Proposal
from wiki.services.proposing import (
    ChangeLook,
    ChangeRequest,
    RevisionForm,
    RevisionLook,
    RevisionRequest,
    UpdateRequest,
)
from wiki.web import readers
from wiki.web.discussion import form_anchor, passage_context, passage_labels, query_number
from wiki.web.errorhandling import keep_form, keep_form_with, keeps_form
from wiki.web.forms import checked_form, field, numbered, parent_of
from wiki.web.i18n import gettext as _
from wiki.web.notices import NoticeRedirect
from wiki.web.session import current_user, site_of
from wiki.web.templating import render


def proposal_id(request: Request) -> int:
    """The proposal number in the address; ``NotFound`` for anything but a plain integer."""
    raw = request.path_params["id"]
    if not is_whole_number(raw) or len(raw) > 9:
        raise NotFound(N_("No such proposal."))
    return int(raw)


def _to_proposal(number: int, notice: str) -> Response:
    return NoticeRedirect(f"/proposals/{number}", notice)


async def listing(request: Request) -> Response:
    """Proposals by status (open by default) and in an order (newest by default), each with
    its supports of the current and earlier versions, comments and days left."""
    site = site_of(request)
    status = request.query_params.get("status", OPEN)
    status = status if status in (*STATUSES, "all") else OPEN
    sort = request.query_params.get("sort", "newest")
    sort = sort if sort in SORTS else "newest"
    rows = await run_in_threadpool(site.process.listing, None if status == "all" else status, sort)
    user = current_user(request)
    return render(
        request,
        "proposals.html",
        {
            "rows": rows,
            "status": status,
            "sort": sort,
            "statuses": STATUSES,
            "can_propose": allowed(user, Action.PROPOSE),
            "can_decide": allowed(user, Action.DECIDE),
        },
    )


async def overdue(request: Request) -> Response:
    """Maintainers: the proposals waiting for a decision past their response deadline."""
    require(current_user(request), Action.DECIDE)
    proposals = await run_in_threadpool(site_of(request).process.overdue)
    return render(request, "proposals_overdue.html", {"proposals": proposals})


async def new_principle_form(request: Request) -> Response:
    """The form to propose a new principle; it offers back the person's unsent one."""
    user = require(current_user(request), Action.PROPOSE)
    site = site_of(request)
    draft = await run_in_threadpool(site.drafts.new_principle, user)
    if draft is not None and request.query_params.get("draft") == "1":
        context = {"title": draft.title, "body": draft.body, "why": "", "draft_restored": True}
        return render(request, "propose_principle.html", context)
    title = request.query_params.get("title", "")[:200]
    return render(request, "propose_principle.html", {"title": title, "body": "", "why": "", "draft": draft})


@keeps_form
async def new_principle(request: Request) -> Response:
    """Propose a new principle: title, text and why; or first see the text as it will look."""
    form, user = await checked_form(request, Action.PROPOSE)
    title, body, why = field(form, "title"), field(form, "body"), field(form, "why")
    context: dict[str, Any] = {"title": title, "body": body, "why": why}
    keep_form(request, "propose_principle.html", context)
    site = site_of(request)
    if field(form, "action") == "preview":
        preview = await run_in_threadpool(site.previews.preview, person_key(user), body)
        return render(request, "propose_principle.html", {**context, "preview": preview})

    def propose() -> Proposal:
        made = site.proposals.new_principle(user, title, body, why)
        site.drafts.discard_new_principle(user)  # kept until the proposal was made
        return made

    proposal = await run_in_threadpool(propose)
    return _to_proposal(proposal.id, "proposed")


def _change_context(page: Page, title: str, body: str, base: str, **typed: str) -> dict[str, Any]:
    """The propose-a-change form's fields; ``typed`` holds ``proposal_title`` and ``why``."""
    fields = {"title": title, "body": body, "base": base, "proposal_title": "", "why": "", **typed}
    return {"page": page, "name": page.path, "draft": None, **fields}


async def change_form(request: Request) -> Response:
    """The form to propose a change to a page (like editing, but decided by others); it offers
    back the person's draft of this proposal, kept apart from a draft edit of the page."""
    user = require(current_user(request), Action.PROPOSE)
    site = site_of(request)
    name = request.path_params["name"]
    page, draft = await run_in_threadpool(
        lambda: (p := site.pages.get(name)[0], site.drafts.get(user, p.path, for_proposal=True))
    )
    if draft is not None and request.query_params.get("draft") == "1":
        context = _change_context(page, draft.title, draft.body, draft.base or page.revision)
        return render(request, "propose_change.html", {**context, "draft_restored": True})
    context = _change_context(page, page.title, page.body, page.revision)
    return render(request, "propose_change.html", {**context, "draft": draft})


@keeps_form
async def propose_change(request: Request) -> Response:
    """Save a proposed change to a page, or first show it as it will look ("preview") or as
    a word diff against the page now ("review"); also what an edit conflict offers instead
    of losing text."""
    form, user = await checked_form(request, Action.PROPOSE)
    site = site_of(request)
    typed = ChangeRequest(
        name=request.path_params["name"],
        title=field(form, "title"),
        body=field(form, "body"),
        base=field(form, "base"),
        proposal_title=" ".join(field(form, "proposal_title").split()),
        untitled=_("Change to %(title)s"),
        why=field(form, "why") or field(form, "message"),
        action=field(form, "action"),
    )

    def context(page: Page) -> dict[str, Any]:
        base = typed.base or page.revision
        return _change_context(page, typed.title, typed.body, base, proposal_title=typed.proposal_title, why=typed.why)

    def keep(page: Page) -> None:
        keep_form(request, "propose_change.html", context(page))

    done = await run_in_threadpool(site.proposing.propose_change, user, typed, keep)
    if isinstance(done, ChangeLook):
        looked = {"preview": done.preview} if done.changes is None else {"changes": done.changes}
        return render(request, "propose_change.html", {**context(done.page), **looked})
    return _to_proposal(done.id, "proposed")


@readers.kept_for_readers(KeptView.PROPOSAL)
async def show(request: Request) -> Response:
    """A proposal: proposed text, diff against main, revisions, discussion, support, decision;
    kept whole for anonymous readers by its edition (``wiki.services.proposal_editions``)."""
    return await _proposal_page(request, proposal_id(request))


def _picked(request: Request) -> tuple[str, int] | None:
    """The text and paragraph picked to comment on (``?path=P&passage=N``), without a script."""
    passage = query_number(request, "passage")
    return None if passage is None else (request.query_params.get("path", ""), passage)


async def _proposal_page(request: Request, number: int, status: int = 200, **extra: Any) -> Response:
    """The proposal page; ``extra`` holds a refused comment and why it was refused."""
    site = site_of(request)
    user = current_user(request)
    labels, picked = passage_labels(), _picked(request)

    def read() -> tuple[ProposalPage, Standing]:
        page = site.views.proposal(number, labels, picked)
        return page, site.process.standing(page.proposal, user)

    shown, standing = await run_in_threadpool(read)
    proposal, changes = shown.proposal, shown.changes
    record = proposal.record
    may = actions_for(user, record)
    text_path = request.query_params.get("path") or next(iter(shown.texts), None)  # the filter's text
    context: dict[str, Any] = {
        "proposal": proposal,
        "record": record,
        "changes": changes,
        "texts": shown.texts,
        "passage": shown.passage,
        "revisions": shown.revisions,
        **passage_context(shown.comments, shown.passages, query_number(request, "paragraph"), text_path),
        "standing": standing,
        "supporters": standing.supporters,
        "supports": standing.supports,
        "description_html": shown.description_html,
        **asdict(may),
        "comment_target": proposal_target(number),
        "suggestions": shown.suggestions,
        "main_moved": shown.main_moved,
        **extra,
    }
    return render(request, "proposal.html", context, status=status)


def revise_context(proposal: Proposal, texts: dict[str, str], message: str) -> dict[str, Any]:
    """The proposal's editor: per page its title and body, the message and the head typed on
    (for a revision, and for a suggestion, whose message is its reason)."""
    pages = []
    for name in proposal.record.paths:
        parsed = pagefile.parse(texts.get(name, ""), name)
        pages.append({"path": name, "title": parsed.title, "body": parsed.body})
    head = proposal.head_revision
    return {"proposal": proposal, "pages": pages, "message": message, "head": head, "suggesting": False}


async def revise_form(request: Request) -> Response:
    """The form to revise an open proposal (its author, or an editor); it offers back the
    person's unsent revision of it (a draft per page)."""
    site = site_of(request)
    user = require(current_user(request), Action.PROPOSE)
    number = proposal_id(request)

    def read() -> tuple[Proposal, dict[str, str | None], dict[str, Draft]]:
        proposal = site.proposals.check_may_revise(number, user)
        texts = site.proposals.proposed_texts(proposal)
        return proposal, texts, site.drafts.revision(user, proposal.id, list(proposal.record.paths))

    proposal, texts, drafts = await run_in_threadpool(read)
    context = revise_context(proposal, {name: text or "" for name, text in texts.items()}, "")
    if drafts and request.query_params.get("draft") == "1":
        return render(request, "proposal_revise.html", {**context, **_restored(context, drafts)})
    return render(request, "proposal_revise.html", {**context, "draft": max(drafts.values(), key=_saved, default=None)})


def _saved(draft: Draft) -> datetime:
    return draft.saved


def _restored(context: dict[str, Any], drafts: dict[str, Draft]) -> dict[str, Any]:
    """The revise form with the person's drafts in place of the pages they kept one of.  It
    saves onto the proposal as it is now (an old head could never be saved), and says so when
    the proposal was revised after the draft was kept."""
    pages = [
        {**page, "title": drafts[page["path"]].title, "body": drafts[page["path"]].body}
        if page["path"] in drafts
        else page
        for page in context["pages"]
    ]
    outdated = any(draft.base != context["head"] for draft in drafts.values())
    return {"pages": pages, "draft_restored": True, "draft_outdated": outdated}


@keeps_form
async def revise(request: Request) -> Response:
    """Save a revision: one commit on the proposal's branch; or first look at it."""
    form, user = await checked_form(request, Action.PROPOSE)
    site = site_of(request)
    number = proposal_id(request)
    message = field(form, "message")
    typed = RevisionRequest(
        numbered(form, "title-"), numbered(form, "body-"), message, field(form, "head"), field(form, "action")
    )

    def keep(shown: RevisionForm) -> None:
        keep_form(request, "proposal_revise.html", revise_context(shown.proposal, shown.texts, message))

    done = await run_in_threadpool(site.proposing.revise, user, number, typed, keep)
    if isinstance(done, RevisionLook):
        looked = {"previews": done.previews} if done.reviews is None else {"reviews": done.reviews}
        context = revise_context(done.form.proposal, done.form.texts, message)
        return render(request, "proposal_revise.html", {**context, **looked})
    return _to_proposal(number, "revised")


@keeps_form
async def comment(request: Request) -> Response:
    """Add a comment to a proposal's discussion (on a passage of one of its texts, when the
    form says one)."""
    form, user = await checked_form(request, Action.COMMENT)
    number = proposal_id(request)
    typed = field(form, "body")
    anchor: Anchor | None = None  # given back with the refused comment once it is read
    keep_form_with(
        request,
        lambda message, status: _proposal_page(
            request, number, status, error=message, comment_body=typed, passage=anchor
        ),
    )
    parent, anchor = parent_of(form), form_anchor(form)
    views = site_of(request).views
    posted = await run_in_threadpool(
        lambda: views.comment_on_proposal(number, user, typed, parent=parent, anchor=anchor)
    )
    return NoticeRedirect(f"/proposals/{number}#comment-{posted}", "commented")


async def support(request: Request) -> Response:
    """Support a proposal's current version ("Ik steun dit"; again: keep supporting it as it
    is now), or withdraw the support."""
    form, user = await checked_form(request, Action.SUPPORT)
    number = proposal_id(request)
    site = site_of(request)
    supported = field(form, "support") != "no"

    def support_open() -> None:
        if supported:
            site.process.support(number, user)
            return
        if site.proposals.get(number).record.status not in ACTIVE:
            raise Forbidden(N_("Only open proposals can be changed."))
        site.process.withdraw_support(number, user)

    await run_in_threadpool(support_open)
    return _to_proposal(number, "supported" if supported else "unsupported")


async def set_status(request: Request) -> Response:
    """A maintainer puts the proposal under consideration (or back to open), with a note."""
    form, user = await checked_form(request, Action.DECIDE)
    number = proposal_id(request)
    status, note = field(form, "status"), field(form, "note")
    await run_in_threadpool(site_of(request).proposals.set_status, number, user, status, note)
    return _to_proposal(number, "status_set")


async def accept(request: Request) -> Response:
    """A maintainer accepts exactly the revision they saw."""
    form, user = await checked_form(request, Action.DECIDE)
    number = proposal_id(request)
    await run_in_threadpool(site_of(request).proposals.accept, number, user, field(form, "reason"), field(form, "head"))
    return _to_proposal(number, "accepted")


async def decline(request: Request) -> Response:
    """A maintainer declines, with a public reason."""
    form, user = await checked_form(request, Action.DECIDE)
    number = proposal_id(request)
    await run_in_threadpool(site_of(request).proposals.decline, number, user, field(form, "reason"))
    return _to_proposal(number, "declined")


async def withdraw(request: Request) -> Response:
    """The author withdraws their proposal."""
    form, user = await checked_form(request, Action.PROPOSE)
    number = proposal_id(request)
    await run_in_threadpool(site_of(request).proposals.withdraw, number, user, field(form, "reason"))
    return _to_proposal(number, "withdrawn")


async def _update_page(request: Request, proposal: Proposal, **extra: Any) -> Response:
    """The pages that need combining: per page its title, what changed on the wiki and in the
    proposal (so the overlap shows), and the proposal's text to combine them in."""
    site = site_of(request)
    overlaps = await run_in_threadpool(lambda: proposal_review.overlaps(site.proposals.update_conflicts(proposal.id)))
    status = extra.pop("status", 200)
    context = {"proposal": proposal, "overlaps": overlaps, **extra}
    return render(request, "proposal_update.html", context, status=status)


async def update_form(request: Request) -> Response:
    """Bring a proposal up to date with main: the pages that need combining, with where they overlap."""
    require(current_user(request), Action.PROPOSE)
    proposal = await run_in_threadpool(site_of(request).proposals.get, proposal_id(request))
    return await _update_page(request, proposal)


@keeps_form
async def update(request: Request) -> Response:
    """Merge main into the proposal, with the texts the person combined where needed (a title
    and text per page; ``text-N``, a whole file, is still taken as it is)."""
    form, user = await checked_form(request, Action.PROPOSE)
    site = site_of(request)
    number = proposal_id(request)
    typed = UpdateRequest(numbered(form, "text-"), numbered(form, "title-"), numbered(form, "body-"))

    def keep(proposal: Proposal) -> None:
        keep_form_with(request, lambda message, status: _update_page(request, proposal, error=message, status=status))

    await run_in_threadpool(site.proposing.update, user, number, typed, keep)
    return _to_proposal(number, "updated")
