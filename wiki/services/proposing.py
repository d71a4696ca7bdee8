"""Proposing a change, revising a proposal and bringing it up to date, each in one trip.

A route hands over what the person typed (one frozen request) and renders what comes back:
a look at the text before sending it (a preview or a word diff), or the proposal as saved.

The form a failed save shows again holds what the use case reads first (the page, or the
proposal and its texts), so a route passes ``keep``: it is called with that once it is read
and before anything is checked or saved, and names the form to show again (the route's
``keep_form``).  A refusal before it (no such page, someone else's proposal) shows the error
page instead, as it did when routes read those themselves in a trip of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from wiki import pagefile
from wiki.models import Page, User
from wiki.services import diff, proposal_review
from wiki.services.drafts import DraftService
from wiki.services.pages import PageService
from wiki.services.preview import PreviewService, person_key
from wiki.services.proposal_records import Proposal
from wiki.services.proposals import ProposalService
from wiki.services.suggestions import SuggestionService

#: The actions that look at a text instead of sending it.
PREVIEW, REVIEW = "preview", "review"


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """A change to one page as typed: the page's title and body, the revision it was typed
    on ("" for the page now), the proposal's title ("" for ``untitled`` with the page's title
    filled in: ``%(title)s``, in the person's language), why, and the button pressed."""

    name: str
    title: str
    body: str
    base: str
    proposal_title: str
    untitled: str
    why: str
    action: str


@dataclass(frozen=True, slots=True)
class ChangeLook:
    """A change looked at before it is sent: the page, and its preview or its word diff."""

    page: Page
    preview: str | None = None
    changes: list[diff.Block] | None = None


@dataclass(frozen=True, slots=True)
class RevisionRequest:
    """A revision as typed: per page of the proposal (by its place in it) a title and a body,
    the message, the head it was typed on, and the button pressed."""

    titles: Mapping[int, str]
    bodies: Mapping[int, str]
    message: str
    head: str
    action: str


@dataclass(frozen=True, slots=True)
class RevisionForm:
    """A typed revision as the form shows it: the proposal and each page's file text as it
    would be saved, in the proposal's order."""

    proposal: Proposal
    texts: dict[str, str]


@dataclass(frozen=True, slots=True)
class RevisionLook:
    """A revision looked at before it is saved: per page its preview or its word diff."""

    form: RevisionForm
    previews: list[str] | None = None
    reviews: list[list[diff.Block]] | None = None


@dataclass(frozen=True, slots=True)
class SentRevision:
    """A revision as a script sends it: whole file texts per page, the message, and the head
    it was made on."""

    changes: list[tuple[str, str]]
    message: str
    head: str


@dataclass(frozen=True, slots=True)
class UpdateRequest:
    """The texts a person combined to bring a proposal up to date, per page by its place:
    a whole file text (``texts``), or a body with a title ("" keeps the proposal's)."""

    texts: Mapping[int, str]
    titles: Mapping[int, str]
    bodies: Mapping[int, str]


@dataclass(frozen=True, slots=True)
class Proposing:
    """The proposal use cases that start from a form, over the services they combine."""

    pages: PageService
    proposals: ProposalService
    previews: PreviewService
    drafts: DraftService
    suggestions: SuggestionService

    def propose_change(self, user: User, typed: ChangeRequest, keep: Callable[[Page], None]) -> ChangeLook | Proposal:
        """Look at a change to a page, or propose it (and forget the person's draft of it)."""
        page = self.pages.get(typed.name)[0]
        keep(page)
        text = self.pages.text_from_form(typed.name, typed.base or page.revision, typed.title, typed.body)
        if typed.action == PREVIEW:
            return ChangeLook(page, preview=self.previews.preview(person_key(user), typed.body))
        if typed.action == REVIEW:
            return ChangeLook(page, changes=proposal_review.review(page.text, typed.name, typed.body))
        title = typed.proposal_title or typed.untitled % {"title": page.title}
        made = self.proposals.create(user, title, typed.why, [(typed.name, text)])
        self.drafts.discard(user, typed.name, for_proposal=True)  # kept until the proposal was made
        return made

    def revise(
        self, user: User, number: int, typed: RevisionRequest, keep: Callable[[RevisionForm], None]
    ) -> RevisionLook | Proposal:
        """Look at a revision, or save it as one commit (and forget the person's drafts of
        it).  Someone who may not revise the proposal is refused before anything is read."""
        proposal = self.proposals.check_may_revise(number, user)
        form = self._typed(proposal, typed)
        keep(form)
        if typed.action in (PREVIEW, REVIEW):
            return self._looked_at(user, typed.action, form)
        saved = self.proposals.revise(number, user, list(form.texts.items()), typed.message, typed.head)
        self.drafts.discard_revision(user, number, list(proposal.record.paths))  # kept until saved
        return saved

    def suggest(
        self, user: User, number: int, typed: RevisionRequest, keep: Callable[[RevisionForm], None]
    ) -> RevisionLook | int:
        """Look at a suggested change to a proposal, or send it (the message is its reason);
        the suggestion's number.  Someone who may not suggest is refused before anything is read."""
        proposal = self.suggestions.check_may_suggest(number, user)
        form = self._typed(proposal, typed)
        keep(form)
        if typed.action in (PREVIEW, REVIEW):
            return self._looked_at(user, typed.action, form)
        return self.suggestions.suggest(number, user, list(form.texts.items()), typed.message, typed.head)

    def _typed(self, proposal: Proposal, typed: RevisionRequest) -> RevisionForm:
        """Each page's file text as typed, in the proposal's order."""
        current = self.proposals.proposed_texts(proposal)
        texts = {}
        for index, name in enumerate(proposal.record.paths):
            text = current.get(name)
            previous = pagefile.parse(text, name) if text else None
            texts[name] = pagefile.compose(previous, typed.titles.get(index, "") or name, typed.bodies.get(index, ""))
        return RevisionForm(proposal, texts)

    def _looked_at(self, user: User, action: str, form: RevisionForm) -> RevisionLook:
        bodies = {name: pagefile.parse(text, name).body for name, text in form.texts.items()}
        if action == PREVIEW:
            return RevisionLook(
                form, previews=[self.previews.preview(person_key(user), body) for body in bodies.values()]
            )
        now = {change.path: change.current for change in self.proposals.changes(form.proposal)}
        return RevisionLook(
            form, reviews=[proposal_review.review(now.get(name), name, body) for name, body in bodies.items()]
        )

    def revise_sent(self, user: User, number: int, sent: Callable[[], SentRevision]) -> Proposal:
        """Save a revision a script sent.  ``sent`` reads what it sent, and is called only once
        ``user`` may revise the proposal: someone else's revision is refused unread."""
        self.proposals.check_may_revise(number, user)
        revision = sent()
        return self.proposals.revise(number, user, revision.changes, revision.message, revision.head)

    def update(self, user: User, number: int, typed: UpdateRequest, keep: Callable[[Proposal], None]) -> Proposal:
        """Merge main into the proposal, with the texts the person combined where needed."""
        proposal = self.proposals.get(number)
        keep(proposal)
        return self.proposals.update(number, user, self._resolved(proposal, typed) or None)

    def take_over_combined(self, user: User, number: int, suggestion: int, typed: UpdateRequest) -> Proposal:
        """Take a suggestion that no longer applies over, with the texts the person combined."""
        proposal = self.proposals.get(number)
        return self.suggestions.take_over(number, suggestion, user, self._resolved(proposal, typed))

    def _resolved(self, proposal: Proposal, typed: UpdateRequest) -> dict[str, str]:
        """The combined page texts by name: a whole file text, or a title and body on the proposal's."""
        proposed = self.proposals.proposed_texts(proposal)
        resolved = {}
        for index, name in enumerate(proposal.record.paths):
            if index in typed.texts:
                resolved[name] = typed.texts[index]
            elif index in typed.bodies:
                previous = pagefile.parse(proposed.get(name) or "", name)
                title = typed.titles.get(index, "") or previous.title
                resolved[name] = pagefile.compose(previous, title, typed.bodies[index])
        return resolved
