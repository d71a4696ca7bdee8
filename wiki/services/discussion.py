"""Discussion: comments on proposals and on principles, and supports ("Ik steun dit").

These are personal data, so they live in the database, not in git: an account's
comments and supports can be erased with it.  Comments are Markdown, rendered
with the same safe renderer as pages; a hidden comment leaves a placeholder
with the reason (restoring it and the public log live in ``services/moderation``).

A comment may answer another of the same discussion; ``threads`` nests them for
showing, ``MAX_DEPTH`` levels deep (deeper replies are shown at the deepest level,
saying whom they answer).  Only its author edits a comment (earlier texts are kept,
for the author and maintainers) or deletes it: without replies it goes, with
replies a placeholder keeps the thread together.  A comment (a reply too) may be
about one passage of the text: its ``anchor`` (``services/anchors``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from wiki.errors import N_, BadInput, Forbidden, NotFound
from wiki.models import User
from wiki.services.anchors import Anchor, stored_anchor
from wiki.services.history import moment
from wiki.services.mentions import MENTION
from wiki.services.notifier import Notifier
from wiki.services.permissions import Action, allowed
from wiki.services.render import Renderer
from wiki.store.database import Database
from wiki.store.discussion import CommentRow, SupportRow

MAX_COMMENT = 10_000
#: How many levels of replies are indented; deeper replies are shown at the last level.
MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment as shown: ``html`` is empty when it is hidden or deleted; ``second_look`` is
    None, "asked" or "answered" (for a hidden comment)."""

    id: int
    author: str
    username: str
    date: datetime
    body: str
    html: str
    hidden: bool
    hidden_reason: str | None
    parent: int | None = None
    edited: datetime | None = None
    deleted: bool = False
    second_look: str | None = None
    anchor: Anchor | None = None


@dataclass(frozen=True, slots=True)
class Thread:
    """A comment with the replies shown under it; ``reply_to`` names the comment it answers
    when that is not the one it is shown under (replies deeper than ``MAX_DEPTH``)."""

    comment: Comment
    replies: tuple[Thread, ...]
    reply_to: Comment | None = None


@dataclass(frozen=True, slots=True)
class Version:
    """One earlier text of a comment."""

    date: datetime
    html: str


@dataclass(frozen=True, slots=True)
class Versions:
    """An edited comment's earlier texts, oldest first, with where the comment is."""

    comment: Comment
    target: str
    versions: tuple[Version, ...]


def threads(comments: list[Comment]) -> list[Thread]:
    """The comments as threads: each under the one it answers, oldest first at each level,
    ``MAX_DEPTH`` levels deep at most (a reply to a comment at the last level is shown after
    it at that level, naming what it answers)."""
    by_id = {comment.id: comment for comment in comments}
    replies: dict[int | None, list[Comment]] = {}
    for comment in comments:
        parent = comment.parent if comment.parent in by_id else None
        replies.setdefault(parent, []).append(comment)

    def answered(comment: Comment, under: Comment) -> Comment | None:
        return by_id[comment.parent] if comment.parent is not None and comment.parent != under.id else None

    def last_level(first: Comment, under: Comment) -> list[Thread]:
        """``first`` and everything below it, in thread order, side by side at the last level
        (walked with a stack: a chain of replies of any length needs no recursion)."""
        shown, stack = [], [first]
        while stack:
            comment = stack.pop()
            shown.append(Thread(comment, (), answered(comment, under)))
            stack.extend(reversed(replies.get(comment.id, [])))
        return shown

    def grown(comment: Comment, level: int) -> Thread:
        below = replies.get(comment.id, [])
        if level + 1 < MAX_DEPTH:
            return Thread(comment, tuple(grown(reply, level + 1) for reply in below))
        return Thread(comment, tuple(t for reply in below for t in last_level(reply, comment)))

    return [grown(comment, 1) for comment in replies.get(None, [])]


def proposal_target(proposal_id: int) -> str:
    """The discussion of a proposal."""
    return f"proposal:{proposal_id}"


def page_target(name: str) -> str:
    """The discussion of a page."""
    return f"page:{name}"


def _checked(body: str) -> str:
    """A comment's text with its line ends made plain; ``BadInput`` when empty or too long."""
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise BadInput(N_("A comment cannot be empty."))
    if len(body) > MAX_COMMENT:
        raise BadInput(N_("A comment may be at most 10,000 characters."))
    return body


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

    def _comment(self, row: CommentRow, people: Mapping[str, str], looks: Mapping[int, bool]) -> Comment:
        hidden = row.hidden_reason is not None
        gone = hidden or row.deleted is not None
        look = None if row.id not in looks else "answered" if looks[row.id] else "asked"
        return Comment(
            row.id,
            row.author,
            row.username,
            moment(int(row.created)),
            "" if gone else row.body,
            "" if gone else self.renderer.render_comment(row.body, people),
            hidden,
            row.hidden_reason,
            row.parent_id,
            None if row.edited is None else moment(int(row.edited)),
            row.deleted is not None,
            look,
            stored_anchor(row.anchor),
        )

    def comments(self, target: str) -> list[Comment]:
        """The comments on a proposal or page, oldest first."""
        rows = self.database.comments(target)
        people = self.people_mentioned(row.body for row in rows if row.hidden_reason is None)
        looks = self.database.second_look_states(target) if any(row.hidden_reason for row in rows) else {}
        return [self._comment(row, people, looks) for row in rows]

    def add(
        self, target: str, user: User, body: str, *, parent: int | None = None, anchor: Anchor | None = None
    ) -> int:
        """Add a comment, perhaps a reply to the comment ``parent`` of the same discussion,
        perhaps on the passage ``anchor`` points to (a reply may have its own passage);
        ``BadInput`` when it is empty or too long, or the parent is not in this discussion."""
        body = _checked(body)
        answered = None
        if parent is not None:
            found = self.database.comment(parent)
            if found is None or found.target != target:
                raise BadInput(N_("You can only reply to a comment in the same discussion."))
            answered = found.user_id
        comment_id = self.database.add_comment(
            target, user.id, body, parent_id=parent, anchor=None if anchor is None else anchor.to_json()
        )
        self.notifier.commented(target, comment_id, user, body, time.time(), parent_author=answered)
        return comment_id

    def own(self, comment_id: int, user: User, *, target: str | None = None) -> CommentRow:
        """A comment ``user`` wrote (in ``target``, when given); ``NotFound`` or ``Forbidden``
        (someone else's)."""
        row = self.database.comment(comment_id)
        if row is None or row.deleted is not None or target not in (None, row.target):
            raise NotFound(N_("No such comment."))
        if row.user_id != user.id:
            raise Forbidden(N_("Only its author can change or delete a comment."))
        return row

    def edit(self, comment_id: int, user: User, body: str, *, target: str | None = None) -> str:
        """Change one's own comment (its earlier text is kept); the discussion it is in."""
        row = self.own(comment_id, user, target=target)
        if row.hidden_reason is not None:
            raise BadInput(N_("A hidden comment cannot be changed."))
        body = _checked(body)
        if body != row.body:
            self.database.edit_comment(comment_id, body)
        return row.target

    def delete(self, comment_id: int, user: User, *, target: str | None = None) -> str:
        """Delete one's own comment and its earlier versions (a placeholder stays where it has
        replies); the discussion it was in."""
        row = self.own(comment_id, user, target=target)
        self.database.delete_comment(comment_id)
        return row.target

    def versions(self, comment_id: int, user: User) -> Versions:
        """The earlier texts of a comment, for its author and maintainers only."""
        row = self.database.comment(comment_id)
        if row is None or row.deleted is not None:
            raise NotFound(N_("No such comment."))
        if row.user_id != user.id and not allowed(user, Action.HIDE_COMMENT):
            raise Forbidden(N_("Only its author and maintainers can see the earlier versions of a comment."))
        stored = self.database.comment_versions(comment_id)
        people = self.people_mentioned([row.body, *(v.body for v in stored)])
        earlier = tuple(Version(moment(int(v.created)), self.renderer.render_comment(v.body, people)) for v in stored)
        shown = Comment(
            row.id,
            row.author,
            row.username,
            moment(int(row.created)),
            row.body,
            self.renderer.render_comment(row.body, people),
            row.hidden_reason is not None,
            row.hidden_reason,
            row.parent_id,
            None if row.edited is None else moment(int(row.edited)),
            anchor=stored_anchor(row.anchor),
        )
        return Versions(shown, row.target, earlier)

    def hide(self, target: str, comment_id: int, user: User, reason: str) -> None:
        """Hide a comment behind a placeholder that shows the reason (in the public log)."""
        reason = " ".join(reason.split())[:500]
        if not reason:
            raise BadInput(N_("Give a reason for hiding the comment."))
        if not self.database.hide_comment(comment_id, target, reason, user.display_name, by_id=user.id):
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
