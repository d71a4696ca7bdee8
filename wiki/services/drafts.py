"""Drafts: text typed in the editor, kept on the server per person and page.

They survive signing out and an expired session, and are offered back at the
next edit; a successful save removes them.  Personal data: in the database,
erased with the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wiki.errors import N_, TooLarge
from wiki.models import User
from wiki.names import check_page_name
from wiki.services.history import moment
from wiki.services.pages import MAX_PAGE_BYTES
from wiki.store.database import Database


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

    def save(self, user: User, page: str, title: str, body: str, base: str) -> None:
        """Keep the person's current text of a page (replacing their earlier draft of it)."""
        name = check_page_name(page) if page else ""
        if len(body.encode("utf-8")) > MAX_PAGE_BYTES:
            raise TooLarge(N_("A page may be at most 1 MB."))
        self.database.put_draft(user.id, name, title[:200], body, base[:40])

    def get(self, user: User, page: str) -> Draft | None:
        """The person's draft of a page, if any."""
        found = self.database.draft(user.id, page)
        if found is None:
            return None
        title, body, base, saved = found
        return Draft(title, body, base, moment(int(saved)))

    def discard(self, user: User, page: str) -> None:
        """Forget the person's draft of a page."""
        self.database.delete_draft(user.id, page)
