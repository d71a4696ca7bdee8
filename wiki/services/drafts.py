"""Drafts: text typed in the editor, kept on the server per person and page.

They survive signing out and an expired session, and are offered back at the
next edit; a successful save removes them.  Personal data: in the database,
erased with the account.  A proposed change to a page is kept apart from an edit of the
same page: its key starts with ``PROPOSAL_KEY``, which no page name can; a proposed new
principle, which has no page yet, is kept under ``NEW_PRINCIPLE_KEY``; a revision of an open
proposal is kept per page, under ``REVISE_KEY`` with the proposal's number and the page name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wiki.errors import N_, TooLarge
from wiki.models import User
from wiki.names import check_page_name
from wiki.services.history import moment
from wiki.services.page_base import MAX_PAGE_BYTES
from wiki.store.database import Database

#: Starts the key of a draft proposal; ':' is not allowed in page names, so it never meets an edit's.
PROPOSAL_KEY = "proposal:"
#: The key of a person's draft proposal for a new principle (one at a time; ':' keeps it off page names).
NEW_PRINCIPLE_KEY = "principle:new"
#: Starts the key of a draft revision of a proposal: ``revise:<proposal number>:<page>``.
REVISE_KEY = "revise:"


def _key(page: str, for_proposal: bool) -> str:
    return PROPOSAL_KEY + page if for_proposal else page


def _revise_key(proposal: int, page: str) -> str:
    return f"{REVISE_KEY}{proposal}:{page}"


@dataclass(frozen=True, slots=True)
class Draft:
    """A saved draft: its title and text, the revision it started from, and when it was saved."""

    title: str
    body: str
    base: str
    saved: datetime


class DraftService:
    """Keeps drafts in the database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def save(self, user: User, page: str, title: str, body: str, base: str, *, for_proposal: bool = False) -> None:
        """Keep the person's current text of a page, or of their proposed change to it
        (replacing their earlier draft of it)."""
        name = check_page_name(page) if page else ""
        if len(body.encode("utf-8")) > MAX_PAGE_BYTES:
            raise TooLarge(N_("A page may be at most 1 MB."))
        self.database.put_draft(user.id, _key(name, for_proposal), title[:200], body, base[:40])

    def get(self, user: User, page: str, *, for_proposal: bool = False) -> Draft | None:
        """The person's draft of a page (or of a proposed change to it), if any."""
        return self._draft(user, _key(page, for_proposal))

    def discard(self, user: User, page: str, *, for_proposal: bool = False) -> None:
        """Forget the person's draft of a page (or of a proposed change to it)."""
        self.database.delete_draft(user.id, _key(page, for_proposal))

    def save_new_principle(self, user: User, title: str, body: str) -> None:
        """Keep the person's unsent proposal for a new principle (replacing their earlier one)."""
        if len(body.encode("utf-8")) > MAX_PAGE_BYTES:
            raise TooLarge(N_("A page may be at most 1 MB."))
        self.database.put_draft(user.id, NEW_PRINCIPLE_KEY, title[:200], body, "")

    def new_principle(self, user: User) -> Draft | None:
        """The person's unsent proposal for a new principle, if any."""
        return self._draft(user, NEW_PRINCIPLE_KEY)

    def discard_new_principle(self, user: User) -> None:
        """Forget the person's unsent proposal for a new principle."""
        self.database.delete_draft(user.id, NEW_PRINCIPLE_KEY)

    def save_revision(self, user: User, proposal: int, page: str, title: str, body: str, *, head: str) -> None:
        """Keep the person's unsent revision of one page of a proposal (replacing their earlier one);
        ``head`` is the proposal's revision the form started from."""
        name = check_page_name(page)
        if len(body.encode("utf-8")) > MAX_PAGE_BYTES:
            raise TooLarge(N_("A page may be at most 1 MB."))
        self.database.put_draft(user.id, _revise_key(proposal, name), title[:200], body, head[:40])

    def revision(self, user: User, proposal: int, pages: list[str]) -> dict[str, Draft]:
        """The person's unsent revision of a proposal: a draft per page that has one."""
        found = {page: self._draft(user, _revise_key(proposal, page)) for page in pages}
        return {page: draft for page, draft in found.items() if draft is not None}

    def discard_revision(self, user: User, proposal: int, pages: list[str]) -> None:
        """Forget the person's unsent revision of these pages of a proposal."""
        for page in pages:
            self.database.delete_draft(user.id, _revise_key(proposal, page))

    def _draft(self, user: User, key: str) -> Draft | None:
        found = self.database.draft(user.id, key)
        if found is None:
            return None
        title, body, base, saved = found
        return Draft(title, body, base, moment(int(saved)))
