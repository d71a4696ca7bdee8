"""Discussion: comments on proposals and on principles, and supports ("Ik steun dit").

These are personal data, so they live in the database, not in git: an account's
comments and supports can be erased with it.  Comments are Markdown, rendered
with the same safe renderer as pages; a hidden comment leaves a placeholder
with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from wiki.errors import N_, BadInput, NotFound
from wiki.models import User
from wiki.services.anchors import Anchor, stored_anchor
from wiki.services.history import moment
from wiki.services.mentions import MENTION
from wiki.services.notifier import Notifier
from wiki.services.render import Renderer
from wiki.store.database import Database
from wiki.store.discussion import CommentRow, SupportRow

MAX_COMMENT = 10_000


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment as shown: ``html`` is empty when it is hidden."""

    id: int
    author: str
    username: str
    date: datetime
    body: str
    html: str
    hidden: bool
    hidden_reason: str | None
    anchor: Anchor | None = None


def proposal_target(proposal_id: int) -> str:
    """The discussion of a proposal."""
    return f"proposal:{proposal_id}"


def page_target(name: str) -> str:
    """The discussion of a page."""
    return f"page:{name}"


class DiscussionService:
    """Comments and supports, kept in the database."""

    def __init__(self, database: Database, renderer: Renderer, notifier: Notifier) -> None:
        self.database = database
        self.renderer = renderer
        self.notifier = notifier

    def people_mentioned(self, bodies: Iterable[str]) -> Mapping[str, str]:
        """The accounts ``@``-mentioned anywhere in ``bodies`` (folded username -> username):
        one query for a whole discussion, not one per mention or per comment."""
        names = {found.group(1) for body in bodies for found in MENTION.finditer(body)}
        return self.database.usernames_present(names) if names else {}

    def _comment(self, row: CommentRow, people: Mapping[str, str]) -> Comment:
        hidden = row.hidden_reason is not None
        html = "" if hidden else self.renderer.render_comment(row.body, people)
        body = "" if hidden else row.body
        return Comment(
            row.id,
            row.author,
            row.username,
            moment(int(row.created)),
            body,
            html,
            hidden,
            row.hidden_reason,
            anchor=stored_anchor(row.anchor),
        )

    def comments(self, target: str) -> list[Comment]:
        """The comments on a proposal or page, oldest first."""
        rows = self.database.comments(target)
        people = self.people_mentioned(row.body for row in rows if row.hidden_reason is None)
        return [self._comment(row, people) for row in rows]

    def add(self, target: str, user: User, body: str, *, anchor: Anchor | None = None) -> int:
        """Add a comment (on the passage ``anchor`` points to, when given); ``BadInput`` when
        it is empty or too long."""
        body = body.replace("\r\n", "\n").strip()
        if not body:
            raise BadInput(N_("A comment cannot be empty."))
        if len(body) > MAX_COMMENT:
            raise BadInput(N_("A comment may be at most 10,000 characters."))
        comment_id = self.database.add_comment(
            target, user.id, body, anchor=None if anchor is None else anchor.to_json()
        )
        self.notifier.commented(target, comment_id, user, body, time.time())
        return comment_id

    def hide(self, target: str, comment_id: int, user: User, reason: str) -> None:
        """Hide a comment behind a placeholder that shows the reason."""
        reason = " ".join(reason.split())[:500]
        if not reason:
            raise BadInput(N_("Give a reason for hiding the comment."))
        if not self.database.hide_comment(comment_id, target, reason, user.display_name):
            raise NotFound(N_("No such comment."))

    def supporters(self, proposal_id: int) -> list[SupportRow]:
        """Each supporter, with the proposal revision they supported."""
        return self.database.supporters(proposal_id)

    def support(self, proposal_id: int, user: User, *, supported: bool, revision: str | None = None) -> None:
        """Support a proposal's ``revision`` (its current head; once per person, and again to
        move one's support to it) or withdraw the support."""
        self.database.set_support(proposal_id, user.id, supported, revision)
        if supported:
            self.notifier.supported(proposal_id, user)
