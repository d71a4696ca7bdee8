"""What people add beside the pages: comments, supports of proposals, drafts of edits, and
counters such as proposal numbers."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass

from wiki.store.display_names import SHOWN_NAME
from wiki.store.migrations import DISCUSSION_EDITION
from wiki.store.sqlbase import Tables


@dataclass(frozen=True, slots=True)
class CommentRow:
    """A comment as stored, with its author's display name."""

    id: int
    target: str
    username: str
    author: str
    body: str
    created: float
    hidden_reason: str | None
    hidden_by: str | None
    user_id: int
    parent_id: int | None
    edited: float | None
    deleted: float | None
    anchor: str | None


@dataclass(frozen=True, slots=True)
class SupportRow:
    """One person's support: their username, shown name and the proposal revision they
    supported (None: given before supports knew their revision)."""

    username: str
    name: str
    revision: str | None


@dataclass(frozen=True, slots=True)
class CommentVersion:
    """An earlier text of an edited comment, and when it was written."""

    body: str
    created: float


_COMMENT_COLUMNS = (
    f"SELECT c.id, c.target, u.username, {SHOWN_NAME}, c.body, c.created, c.hidden_reason,"  # noqa: S608
    " c.hidden_by, c.user_id, c.parent_id, c.edited, c.deleted, c.anchor"
    " FROM comments c JOIN users u ON u.id = c.user_id"
)


class DiscussionTables(Tables):
    """Comments, supports, drafts and counters."""

    # -- comments and supports ------------------------------------------------------------

    def add_comment(
        self, target: str, user_id: int, body: str, *, parent_id: int | None = None, anchor: str | None = None
    ) -> int:
        """Store a comment on a proposal (``proposal:ID``) or a page (``page:NAME``), perhaps
        a reply to the comment ``parent_id``; ``anchor`` (JSON) when it is about one passage
        of the text."""
        row = self._row(
            "INSERT INTO comments (target, user_id, body, created, parent_id, anchor)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (target, user_id, body, time.time(), parent_id, anchor),
        )
        return int(row[0])

    def comments(self, target: str | None = None) -> list[CommentRow]:
        """Comments on one target (or all), oldest first."""
        rows = (
            self._rows(_COMMENT_COLUMNS + " WHERE c.target = ? ORDER BY c.id", (target,))
            if target is not None
            else self._rows(_COMMENT_COLUMNS + " ORDER BY c.id")
        )
        return [CommentRow(*row) for row in rows]

    def comment(self, comment_id: int) -> CommentRow | None:
        """One comment, or None when there is no such comment."""
        row = self._row(_COMMENT_COLUMNS + " WHERE c.id = ?", (comment_id,))
        return None if row is None else CommentRow(*row)

    def edit_comment(self, comment_id: int, body: str) -> None:
        """Replace a comment's text, keeping the text it had (and when it was written) apart."""
        now = time.time()
        with self.backend.transaction() as transaction:
            transaction.execute(
                "INSERT INTO comment_versions (comment_id, body, created)"
                " SELECT id, body, COALESCE(edited, created) FROM comments WHERE id = ?",
                (comment_id,),
            )
            transaction.execute("UPDATE comments SET body = ?, edited = ? WHERE id = ?", (body, now, comment_id))

    def comment_versions(self, comment_id: int) -> list[CommentVersion]:
        """The earlier texts of a comment, oldest first."""
        rows = self._rows("SELECT body, created FROM comment_versions WHERE comment_id = ? ORDER BY id", (comment_id,))
        return [CommentVersion(str(body), float(created)) for body, created in rows]

    def delete_comment(self, comment_id: int) -> None:
        """Delete a comment: gone with its earlier versions when nothing answers it; with
        replies, its text and versions go and a placeholder keeps its place in the thread.
        A placeholder left without replies goes too, up the thread."""
        with self.backend.transaction() as transaction:
            current: int | None = comment_id
            while current is not None:
                row = transaction.execute(
                    "SELECT parent_id, (SELECT count(*) FROM comments r WHERE r.parent_id = c.id)"
                    " FROM comments c WHERE c.id = ?",
                    (current,),
                ).fetchone()
                if row is None:
                    return
                parent, replies = row[0], int(row[1])
                if replies:
                    transaction.execute("DELETE FROM comment_versions WHERE comment_id = ?", (current,))
                    transaction.execute(
                        "UPDATE comments SET body = '', deleted = COALESCE(deleted, ?) WHERE id = ?",
                        (time.time(), current),
                    )
                    return
                transaction.execute("DELETE FROM comments WHERE id = ?", (current,))
                up = (
                    None
                    if parent is None
                    else transaction.execute(
                        "SELECT id FROM comments WHERE id = ? AND deleted IS NOT NULL", (parent,)
                    ).fetchone()
                )
                current = None if up is None else int(up[0])

    def set_support(self, proposal: int, user_id: int, supported: bool, revision: str | None = None) -> None:
        """Add or withdraw one person's support (at most one each); supporting again moves
        the support to ``revision`` (the version they support now), keeping when it was first given."""
        if supported:
            self._write(
                "INSERT INTO supports (proposal, user_id, created, revision) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (proposal, user_id) DO UPDATE SET revision = excluded.revision",
                (proposal, user_id, time.time(), revision),
            )
        else:
            self._write("DELETE FROM supports WHERE proposal = ? AND user_id = ?", (proposal, user_id))

    def discussion_edition(self) -> int:
        """A number that moves with every change of a comment, a support or a display name
        (triggers move it, see migration step 7): what a kept proposal page is keyed by."""
        row = self._row("SELECT edition FROM editions WHERE name = ?", (DISCUSSION_EDITION,))
        return 0 if row is None else int(row[0])

    def supporters(self, proposal: int) -> list[SupportRow]:
        """Each supporter with the revision they supported, in the order they supported."""
        rows = self._rows(
            f"SELECT u.username, {SHOWN_NAME}, s.revision FROM supports s JOIN users u ON u.id = s.user_id"  # noqa: S608
            " WHERE s.proposal = ? ORDER BY s.created",
            (proposal,),
        )
        return [SupportRow(str(a), str(b), None if c is None else str(c)) for a, b, c in rows]

    def support_revisions(self, proposals: Collection[int]) -> dict[int, dict[str | None, int]]:
        """How many supports each of ``proposals`` has per revision they were given on (None:
        given before supports knew it), in one query for a whole list."""
        found: dict[int, dict[str | None, int]] = {number: {} for number in proposals}
        if not found:
            return found
        marks = ", ".join("?" * len(found))
        rows = self._rows(
            f"SELECT proposal, revision, count(*) FROM supports WHERE proposal IN ({marks})"  # noqa: S608
            " GROUP BY proposal, revision",
            list(found),
        )
        for proposal, revision, count in rows:
            found[int(proposal)][None if revision is None else str(revision)] = int(count)
        return found

    def comment_counts(self, targets: Collection[str]) -> dict[str, int]:
        """How many comments (hidden ones too: their placeholders show) each target has, in one query."""
        counts = dict.fromkeys(targets, 0)
        if not counts:
            return counts
        marks = ", ".join("?" * len(counts))
        rows = self._rows(
            f"SELECT target, count(*) FROM comments WHERE target IN ({marks}) GROUP BY target",  # noqa: S608
            list(counts),
        )
        counts.update({str(target): int(count) for target, count in rows})
        return counts

    def all_supports(self) -> list[tuple[int, str, float]]:
        """Every support as (proposal, display name, time), for the open-data export."""
        rows = self._rows(
            "SELECT s.proposal, u.display_name, s.created FROM supports s JOIN users u ON u.id = s.user_id"
            " ORDER BY s.proposal, s.created"
        )
        return [(int(a), str(b), float(c)) for a, b, c in rows]

    def next_number(self, name: str, at_least: int) -> int:
        """The next value of a counter (such as proposal numbers), never below ``at_least``.

        One statement, so two processes sharing the database never get the same number."""
        row = self._row(
            "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value ="
            " CASE WHEN counters.value >= excluded.value THEN counters.value + 1 ELSE excluded.value END"
            " RETURNING value",
            (name, max(at_least, 1)),
        )
        return int(row[0])

    # -- drafts -----------------------------------------------------------------------------

    def put_draft(self, user_id: int, page: str, title: str, body: str, base: str) -> None:
        """Keep one person's unsaved text of one page (one draft per person and page)."""
        self._write(
            "INSERT INTO drafts (user_id, page, title, body, base, saved) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id, page) DO UPDATE SET"
            " title = excluded.title, body = excluded.body, base = excluded.base, saved = excluded.saved",
            (user_id, page, title, body, base, time.time()),
        )

    def draft(self, user_id: int, page: str) -> tuple[str, str, str, float] | None:
        """(title, body, base revision, time saved) of a draft, or None."""
        row = self._row("SELECT title, body, base, saved FROM drafts WHERE user_id = ? AND page = ?", (user_id, page))
        return None if row is None else (str(row[0]), str(row[1]), str(row[2]), float(row[3]))

    def delete_draft(self, user_id: int, page: str) -> None:
        """Forget a draft (after a save, or when the person discards it)."""
        self._write("DELETE FROM drafts WHERE user_id = ? AND page = ?", (user_id, page))
