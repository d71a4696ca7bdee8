"""Suggestions to a proposal for people: suggest a change in the proposal's editor, take it
over, decline or hide it, and combine one that no longer applies (the merge screen)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.errors import N_, NotFound
from wiki.numbers import is_whole_number
from wiki.services import proposal_review
from wiki.services.permissions import Action, require
from wiki.services.proposal_records import Proposal
from wiki.services.proposing import RevisionForm, RevisionLook, RevisionRequest, UpdateRequest
from wiki.web.errorhandling import keep_form, keep_form_with, keeps_form
from wiki.web.forms import checked_form, field, numbered
from wiki.web.notices import NoticeRedirect
from wiki.web.proposals import proposal_id, revise_context
from wiki.web.session import current_user, site_of
from wiki.web.templating import render


def suggestion_number(request: Request) -> int:
    """The suggestion's number in the address; ``NotFound`` for anything but a plain integer."""
    raw = request.path_params["n"]
    if not is_whole_number(raw) or len(raw) > 9:
        raise NotFound(N_("No such suggestion."))
    return int(raw)


def _to_suggestions(number: int, notice: str) -> Response:
    return NoticeRedirect(f"/proposals/{number}#suggestions", notice)


async def suggest_form(request: Request) -> Response:
    """The proposal's editor, to suggest a change to its text with a reason."""
    user = require(current_user(request), Action.SUGGEST)
    site = site_of(request)
    number = proposal_id(request)

    def read() -> tuple[Proposal, dict[str, str | None]]:
        proposal = site.suggestions.check_may_suggest(number, user)
        return proposal, site.proposals.proposed_texts(proposal)

    proposal, texts = await run_in_threadpool(read)
    context = revise_context(proposal, {name: text or "" for name, text in texts.items()}, "")
    return render(request, "proposal_revise.html", {**context, "suggesting": True})


@keeps_form
async def suggest(request: Request) -> Response:
    """Send a suggestion (one branch by the suggester); or first look at it."""
    form, user = await checked_form(request, Action.SUGGEST)
    site = site_of(request)
    number = proposal_id(request)
    reason = field(form, "message")
    typed = RevisionRequest(
        numbered(form, "title-"), numbered(form, "body-"), reason, field(form, "head"), field(form, "action")
    )

    def keep(shown: RevisionForm) -> None:
        context = revise_context(shown.proposal, shown.texts, reason)
        keep_form(request, "proposal_revise.html", {**context, "suggesting": True})

    done = await run_in_threadpool(site.proposing.suggest, user, number, typed, keep)
    if isinstance(done, RevisionLook):
        looked = {"previews": done.previews} if done.reviews is None else {"reviews": done.reviews}
        context = revise_context(done.form.proposal, done.form.texts, reason)
        return render(request, "proposal_revise.html", {**context, **looked, "suggesting": True})
    return _to_suggestions(number, "suggested")


async def take_over(request: Request) -> Response:
    """The proposal's author or an editor takes the suggestion over in one click."""
    _form, user = await checked_form(request, Action.PROPOSE)
    number, suggestion = proposal_id(request), suggestion_number(request)
    await run_in_threadpool(site_of(request).suggestions.take_over, number, suggestion, user)
    return _to_suggestions(number, "suggestion-taken")


async def decline(request: Request) -> Response:
    """The proposal's author or an editor declines the suggestion, with a reason."""
    form, user = await checked_form(request, Action.PROPOSE)
    number, suggestion = proposal_id(request), suggestion_number(request)
    await run_in_threadpool(site_of(request).suggestions.decline, number, suggestion, user, field(form, "reason"))
    return _to_suggestions(number, "suggestion-declined")


async def hide(request: Request) -> Response:
    """A maintainer hides the suggestion: its branch goes, the fact and the reason stay."""
    form, user = await checked_form(request, Action.HIDE_COMMENT)
    number, suggestion = proposal_id(request), suggestion_number(request)
    await run_in_threadpool(site_of(request).suggestions.hide, number, suggestion, user, field(form, "reason"))
    return _to_suggestions(number, "suggestion-hidden")


async def _merge_page(request: Request, number: int, suggestion: int, **extra: Any) -> Response:
    """Where the proposal and the suggestion changed the same place: both changes and the
    suggestion's text to combine them in (the screen that brings a proposal up to date)."""
    site = site_of(request)

    def read() -> tuple[Proposal, list[proposal_review.Overlap]]:
        proposal, conflicts = site.suggestions.conflicts(number, suggestion)
        return proposal, proposal_review.overlaps(conflicts)

    proposal, overlaps = await run_in_threadpool(read)
    status = extra.pop("status", 200)
    context = {"proposal": proposal, "overlaps": overlaps, "suggestion": suggestion, **extra}
    return render(request, "proposal_update.html", context, status=status)


async def merge_form(request: Request) -> Response:
    """The merge screen of a suggestion that no longer applies."""
    require(current_user(request), Action.PROPOSE)
    return await _merge_page(request, proposal_id(request), suggestion_number(request))


@keeps_form
async def merge(request: Request) -> Response:
    """Take the suggestion over with the texts the person combined."""
    form, user = await checked_form(request, Action.PROPOSE)
    site = site_of(request)
    number, suggestion = proposal_id(request), suggestion_number(request)
    typed = UpdateRequest(numbered(form, "text-"), numbered(form, "title-"), numbered(form, "body-"))
    keep_form_with(
        request, lambda message, status: _merge_page(request, number, suggestion, error=message, status=status)
    )
    await run_in_threadpool(site.proposing.take_over_combined, user, number, suggestion, typed)
    return _to_suggestions(number, "suggestion-taken")
