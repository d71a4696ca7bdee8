"""People: a person's public page (``/people/<username>``) and one's own contributions.

Edits are found by the addresses the account's commits carry (``u<id>@users.wiki.invalid``
and the older username addresses mapped to it), never by the name shown, which another
account may have had.  Every list is newest first and at most ``PAGE`` long with a cursor to
the older ones, so a maintainer with 10,000 edits gets a page as quick as a newcomer's.

What the public page shows is what the wiki shows anyway: edits (recent changes), proposals
(the proposals list), comments that are not hidden (the discussions) and supports (each
proposal names its supporters).  Hidden comments and their reasons are only in one's own list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from urllib.parse import quote

from wiki.errors import N_, NotFound
from wiki.models import User
from wiki.services.history import Change, HistoryService, Window, moment
from wiki.services.pages import PageService
from wiki.services.proposal_records import Record
from wiki.services.proposals import ProposalService
from wiki.store.contributions import OwnCommentRow
from wiki.store.database import Database

#: At most this many entries of each list on one page.
PAGE = 50
#: A comment is shown by its first characters.
EXCERPT = 200


@dataclass(frozen=True, slots=True)
class Cursors:
    """Where each list starts: below this revision, proposal number, comment id or supported
    proposal (None: at the newest)."""

    edits: str | None = None
    proposals: int | None = None
    comments: int | None = None
    supports: int | None = None


@dataclass(frozen=True, slots=True)
class ProposalLine:
    """A proposal as a list of contributions shows it: number, title, state, when."""

    id: int
    title: str
    status: str
    date: datetime


@dataclass(frozen=True, slots=True)
class CommentLine:
    """A comment in a list of contributions: where it is (address with its anchor, and the
    title of the page or proposal), its start, and the reason when a maintainer hid it."""

    id: int
    url: str
    where: str
    date: datetime
    excerpt: str
    hidden_reason: str | None


@dataclass(frozen=True, slots=True)
class Contributions:
    """One person's contributions, each list one page long with the cursor to older entries."""

    username: str
    display_name: str
    edits: Window[Change]
    proposals: list[ProposalLine]
    older_proposals: int | None
    comments: list[CommentLine]
    older_comments: int | None
    supports: list[ProposalLine]
    older_supports: int | None


Line = TypeVar("Line", ProposalLine, CommentLine)


def _excerpt(body: str) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1].rstrip() + "…"


class PeopleService:
    """Reads what one person contributed, from the index, the proposal records and the database."""

    def __init__(
        self, pages: PageService, history: HistoryService, proposals: ProposalService, database: Database
    ) -> None:
        self.pages = pages
        self.history = history
        self.proposals = proposals
        self.database = database

    def public(self, username: str, cursors: Cursors) -> Contributions:
        """What anyone may see of the account ``username``; ``NotFound`` when there is no
        such account (erased, never made, or still waiting for approval)."""
        person = self.database.person(username)
        if person is None:
            raise NotFound(N_("There is nobody with this username."))
        return self._contributions(person.id, person.username, person.display_name, cursors, own=False)

    def mine(self, user: User, cursors: Cursors) -> Contributions:
        """Everything ``user`` contributed, hidden comments (with the reason) included."""
        return self._contributions(user.id, user.username, user.display_name, cursors, own=True)

    def _contributions(self, user_id: int, username: str, shown: str, cursors: Cursors, *, own: bool) -> Contributions:
        edits = self.history.edits_by(self.database.commit_addresses(user_id), PAGE, cursors.edits)
        records = self._records()
        mine = sorted(
            (r for r in records.values() if r.author_id == user_id and _below(r.id, cursors.proposals)),
            key=lambda record: -record.id,
        )
        proposals, older_proposals = _page([_line(record) for record in mine])
        rows = self.database.comments_by(user_id, PAGE + 1, cursors.comments, with_hidden=own)
        comments, older_comments = _page(self._comment_lines(rows, records))
        supported = [
            ProposalLine(number, records[number].title, records[number].status, moment(int(when)))
            for number, when in self.database.supports_by(user_id, PAGE + 1, cursors.supports)
            if number in records
        ]
        supports, older_supports = _page(supported)
        return Contributions(
            username, shown, edits, proposals, older_proposals, comments, older_comments, supports, older_supports
        )

    def _records(self) -> dict[int, Record]:
        """Every proposal's record by number (read once per page, cached per commit)."""
        former = self.database.former_authors()
        records = {}
        for number, _head, commit in self.proposals.records.every():
            if number.isascii() and number.isdigit():
                records[int(number)] = self.proposals.records.at(commit, former)
        return records

    def _comment_lines(self, rows: list[OwnCommentRow], records: dict[int, Record]) -> list[CommentLine]:
        pages = [row.target.removeprefix("page:") for row in rows if row.target.startswith("page:")]
        titles = self.pages.index.titles(pages)
        lines = []
        for row in rows:
            kind, _colon, key = row.target.partition(":")
            anchor = f"#comment-{row.id}"
            if kind == "proposal" and key.isdigit() and int(key) in records:
                url, where = f"/proposals/{key}{anchor}", records[int(key)].title
            else:
                url, where = f"/discuss/{quote(key)}{anchor}", titles.get(key, key)
            when = moment(int(row.created))
            lines.append(CommentLine(row.id, url, where, when, _excerpt(row.body), row.hidden_reason))
        return lines


def _below(number: int, cursor: int | None) -> bool:
    return cursor is None or number < cursor


def _line(record: Record) -> ProposalLine:
    return ProposalLine(record.id, record.title, record.status, moment(record.created))


def _page(items: list[Line]) -> tuple[list[Line], int | None]:
    """The first ``PAGE`` of ``items`` (newest first, at least one more read to know there
    are more) and the cursor to the rest."""
    if len(items) <= PAGE:
        return items, None
    return items[:PAGE], items[PAGE - 1].id
