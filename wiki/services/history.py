"""Reading history: a page's revisions, old versions, comparisons, blame, recent changes.

Everything shown on every request (a page's history, recent changes) comes
from the index, so it is as fast with 50,000 commits as with 50, blame too (carried
forward in the index as commits come in); only the texts being compared are read from git.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from wiki import pagefile
from wiki.errors import N_, NotFound
from wiki.models import FileChange, Page
from wiki.names import check_revision, page_file, page_name_or_not_found
from wiki.services import diff
from wiki.services.credits import ProposalCredits
from wiki.services.pages import PageService
from wiki.store.git.parsers import BlameLine
from wiki.store.historyrows import CommitRow, HistoryRow
from wiki.store.identities import COMMIT_EMAIL_DOMAIN

PAGE_SIZE = 50
T = TypeVar("T")
MAX_LIMIT = 200


def moment(seconds: int) -> datetime:
    """A commit time as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


def iso_utc(when: datetime) -> str:
    """ISO 8601 in UTC to the second, as the API and the feeds write dates: 2026-11-27T08:00:00Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Revision:
    """One revision of a page as a reader sees it in the history."""

    revision: str
    path: str
    author: str
    date: datetime
    message: str
    status: str
    size: int | None
    delta: int | None
    #: For the merge of an accepted proposal: its number and its own commits that changed the
    #: page, oldest first, so the proposer and suggesters are credited under the merge.
    proposal: str | None = None
    credits: tuple[Credited, ...] = ()


@dataclass(frozen=True, slots=True)
class Credited:
    """One commit of an accepted proposal as the history lists it under the merge."""

    revision: str
    author: str
    date: datetime
    message: str


@dataclass(frozen=True, slots=True)
class Change:
    """One commit as recent changes shows it: the pages it touched by name and, for people,
    by title (a page deleted or renamed since keeps its name as its title)."""

    revision: str
    author: str
    date: datetime
    message: str
    paths: tuple[str, ...]
    titles: tuple[str, ...] = ()

    def pages(self) -> list[tuple[str, str]]:
        """(name, title) of each page the commit touched."""
        return [(path, self.titles[n] if n < len(self.titles) else path) for n, path in enumerate(self.paths)]


@dataclass(frozen=True, slots=True)
class Window(Generic[T]):
    """One page of a newest-first list, with the cursors for older and newer entries."""

    items: list[T]
    older: str | None
    newer: str | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two versions of a page and the paragraphs that differ between them."""

    old: Page
    new: Page
    old_title: str
    new_title: str
    blocks: list[diff.Block]


@dataclass(frozen=True, slots=True)
class BlameBlock:
    """A paragraph of a page with the change that last touched it."""

    text: str
    revision: str
    author: str
    date: datetime


@dataclass(frozen=True, slots=True)
class PageDiff:
    """What one commit did to one page, and the page's title in that commit (or before it,
    for a deletion)."""

    change: FileChange
    blocks: list[diff.Block]
    title: str = ""


#: The name shown for the edits of a deleted account (translated where shown).
FORMER_AUTHOR = N_("former participant")
__all__ = ["COMMIT_EMAIL_DOMAIN", "FORMER_AUTHOR", "HistoryService"]


def clamp_limit(value: int | None) -> int:
    """A page size between 1 and ``MAX_LIMIT``, ``PAGE_SIZE`` when not given."""
    return PAGE_SIZE if value is None else max(1, min(MAX_LIMIT, value))


class HistoryService:
    """History read through the index of a ``PageService``."""

    def __init__(
        self,
        pages: PageService,
        former_authors: Callable[[], AbstractSet[str]] = frozenset,
        shared_names: Callable[[Collection[str]], AbstractSet[str]] = lambda names: frozenset(),
        usernames: Callable[[Collection[str]], Mapping[str, str]] = lambda emails: {},
    ) -> None:
        self.pages = pages
        self.former_authors = former_authors
        self.shared_names = shared_names
        self.usernames = usernames
        self.index = pages.index
        self.repo = pages.repo
        self.credits = ProposalCredits(pages.repo)

    def _authors(self, identities: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The name shown for each (name, address) a commit carries: a neutral one for erased
        accounts, the username of the account the address stands for added when two accounts
        share the name.  One lookup for a whole page of rows, not one per row."""
        former = self.former_authors()
        living = {(name, email) for name, email in identities if email not in former}
        shared = self.shared_names({name for name, _email in living}) if living else frozenset()
        sharing = {email for name, email in living if name in shared and email.endswith("@" + COMMIT_EMAIL_DOMAIN)}
        usernames = self.usernames(sharing) if sharing else {}
        shown = {}
        for name, email in living:
            username = usernames.get(email)
            shown[(name, email)] = f"{name} ({username})" if email in sharing and username else name
        return shown

    def _revisions(self, rows: list[HistoryRow]) -> list[Revision]:
        shown = self._authors((row.author, row.email) for row in rows)
        return [self._revision(row, shown.get((row.author, row.email), FORMER_AUTHOR)) for row in rows]

    @staticmethod
    def _revision(row: HistoryRow, author: str) -> Revision:
        delta = None if row.size is None or row.old_size is None else row.size - row.old_size
        if delta is None and row.status == "A":
            delta = row.size
        return Revision(row.revision, row.path, author, moment(row.date), row.message, row.status, row.size, delta)

    def _changes(self, rows: list[CommitRow], titled: bool = True) -> list[Change]:
        titles = self.index.titles(path for row in rows for path in row.paths) if titled else {}
        shown = self._authors((row.author, row.email) for row in rows)
        changes = []
        for row in rows:
            named = tuple(titles.get(path, path) for path in row.paths)
            author = shown.get((row.author, row.email), FORMER_AUTHOR)
            changes.append(Change(row.revision, author, moment(row.date), row.message, row.paths, named))
        return changes

    def _seq(self, revision: str | None) -> int | None:
        if revision is None:
            return None
        seq = self.index.seq_of(check_revision(revision))
        if seq is None:
            raise NotFound(N_("No such revision."))
        return seq

    def page_history(
        self, name: str, limit: int | None = None, before: str | None = None, after: str | None = None
    ) -> Window[Revision]:
        """A page's revisions, newest first, ``limit`` at a time, across renames."""
        rows = self._history_rows(name, limit, before, after)
        return Window(self._credited(self._revisions(rows.items)), rows.older, rows.newer)

    def _credited(self, revisions: list[Revision]) -> list[Revision]:
        """The revisions, each merge of a proposal with the proposal's own commits under it."""
        found = {item.revision: self.credits.of(item.revision, item.message, item.path) for item in revisions}
        shown = self._authors((c.author, c.email) for _number, credits in found.values() for c in credits)
        return [
            replace(
                item,
                proposal=found[item.revision][0],
                credits=tuple(
                    Credited(c.revision, shown.get((c.author, c.email), FORMER_AUTHOR), moment(c.date), c.message)
                    for c in found[item.revision][1]
                ),
            )
            if found[item.revision][0]
            else item
            for item in revisions
        ]

    def _history_rows(
        self, name: str, limit: int | None, before: str | None, after: str | None, author: str | None = None
    ) -> Window[HistoryRow]:
        name = page_name_or_not_found(name)
        size = clamp_limit(limit)
        self.pages.refresh()
        rows = self.index.history(name, size + 1, before=self._seq(before), after=self._seq(after), author=author)
        if not rows and before is None and after is None and (not author or not self.index.history(name, 1)):
            raise NotFound(N_("No such page."))
        return _window(rows, size, before, after)

    def recent_changes(
        self,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        author: str | None = None,
        page: str | None = None,
    ) -> Window[Change]:
        """Commits for the whole wiki, newest first; by one author or about one page."""
        if page:
            history = self._history_rows(page, limit, before, after, author or None)
            titles = self.index.titles(row.path for row in history.items)
            items = [
                Change(r.revision, r.author, r.date, r.message, (r.path,), (titles.get(r.path, r.path),))
                for r in self._revisions(history.items)
            ]
            return Window(items, history.older, history.newer)
        size = clamp_limit(limit)
        self.pages.refresh()
        window = _window(
            self.index.recent(size + 1, self._seq(before), author or None, self._seq(after)), size, before, after
        )
        return Window(self._changes(window.items), window.older, window.newer)

    def edits_by(
        self, addresses: Collection[str], limit: int | None = None, before: str | None = None
    ) -> Window[Change]:
        """The commits of one account (by every address its commits carry, not by the name
        shown, which others may share or have had), newest first, ``limit`` at a time."""
        size = clamp_limit(limit)
        self.pages.refresh()
        window = _window(self.index.commits_by(addresses, size + 1, self._seq(before)), size, before, None)
        return Window(self._changes(window.items), window.older, None)

    def only_version(self, name: str) -> Revision | None:
        """The page's one revision when it has a single one (nothing to compare yet), else None;
        ``NotFound`` for a page without history."""
        window = self.page_history(name, 2)
        return window.items[0] if len(window.items) == 1 else None

    def page_at(self, name: str, revision: str) -> Page:
        """The page as it was at ``revision`` (under the name it had then)."""
        name = page_name_or_not_found(name)
        seq = self._seq(revision)
        assert seq is not None
        return self.pages.get(self.index.path_at(name, seq), revision)[0]

    def revision_info(self, revision: str) -> Change:
        """Author, date and message of one commit on the branch."""
        found = self.index.commit(check_revision(revision))
        if found is None:
            raise NotFound(N_("No such revision."))
        return self._changes([found[0]], titled=False)[0]

    def compare(self, name: str, old: str, new: str) -> Comparison:
        """The changes between two versions of a page, word by word within paragraphs."""
        before, after = self.page_at(name, old), self.page_at(name, new)
        blocks = diff.compare(before.body, after.body)
        return Comparison(before, after, before.title, after.title, blocks)

    def change(self, revision: str) -> tuple[Change, list[PageDiff]]:
        """One commit with the diff of every page it touched."""
        found = self.index.commit(check_revision(revision))
        if found is None:
            raise NotFound(N_("No such revision."))
        row, files = found
        diffs = []
        for file in files:
            new_text = self.pages.text_of_blob(file.blob) if file.blob else ""
            previous = None if file.status == "A" else self.index.previous_blob(file.path, row.seq)
            old_text = self.pages.text_of_blob(previous) if previous else ""
            blocks = diff.compare(_body(old_text, file.path), _body(new_text, file.path))
            title = pagefile.parse(new_text or old_text, file.path).title if new_text or old_text else file.path
            diffs.append(PageDiff(file, blocks, title))
        return self._changes([row])[0], diffs

    def blame(self, name: str) -> list[BlameBlock]:
        """Each paragraph of the page now, with the change that last touched it."""
        page, _blob = self.pages.get(name)
        paragraphs = _blame_paragraphs(page, self.blame_lines(page))
        # Names are settled after the cache: an erasure or a rename changes them, not the commit.
        shown = self._authors((line.author, line.email) for _text, line in paragraphs)
        return [
            BlameBlock(text, line.revision, shown.get((line.author, line.email), FORMER_AUTHOR), moment(line.date))
            for text, line in paragraphs
        ]

    def blame_lines(self, page: Page) -> list[BlameLine]:
        """Every line of the page's file as of ``page.revision`` with the commit that last
        changed it (through merges into the commits of the side merged: an accepted proposal's
        lines are its own commits'), as ``git blame`` tells it.  On the branch it is read from
        the blame the index carried forward as commits came in (no ``git blame``); a revision
        off the branch asks git."""
        seq = self.index.seq_of(page.revision)
        origins = None if seq is None else self.index.blame(page.path, seq)
        if origins is None:
            return self.repo.blame(page.revision, page_file(page.path))
        texts = page.text.split("\n")
        if texts and texts[-1] == "":
            texts.pop()
        return [
            BlameLine(origin.revision, origin.author, origin.date, text, origin.email)
            for origin, text in zip(origins, texts, strict=True)
        ]

    def shown_author(self, name: str, email: str) -> str:
        """The name history shows for a commit's author (``FORMER_AUTHOR`` once erased)."""
        return self._authors([(name, email)]).get((name, email), FORMER_AUTHOR)

    def deleted_pages(self) -> list[Revision]:
        """Pages that were deleted and not brought back, newest deletion first."""
        self.pages.refresh()
        return self._revisions(self.index.deleted_pages())

    def renamed_to(self, name: str) -> str | None:
        """The page's current name when it was renamed away from ``name``."""
        return self.index.renamed_to(name)


class _Row(Protocol):
    @property
    def revision(self) -> str: ...


R = TypeVar("R", bound=_Row)


def _window(rows: list[R], size: int, before: str | None, after: str | None) -> Window[R]:
    """One page of ``rows`` (fetched newest first, one more than ``size`` to know whether
    there is more) with its cursors; with ``after`` the rows are the oldest after it."""
    if after is not None:
        more_newer = len(rows) > size
        rows = rows[-size:] if more_newer else rows
        return Window(rows, rows[-1].revision if rows else None, rows[0].revision if more_newer else None)
    more_older = len(rows) > size
    rows = rows[:size]
    return Window(
        rows, rows[-1].revision if more_older else None, rows[0].revision if rows and before is not None else None
    )


def _blame_paragraphs(page: Page, lines: list[BlameLine]) -> list[tuple[str, BlameLine]]:
    """(text, newest line) of each paragraph of the body: lines between blank ones."""
    skip = page.text.count("\n", 0, len(page.text) - len(page.body))  # front matter lines
    blocks: list[tuple[str, BlameLine]] = []
    paragraph: list[BlameLine] = []

    def close() -> None:
        if paragraph:
            newest = max(paragraph, key=lambda line: line.date)
            blocks.append(("\n".join(line.text for line in paragraph), newest))
            paragraph.clear()

    for line in lines[skip:]:
        if line.text.strip():
            paragraph.append(line)
        else:
            close()
    close()
    return blocks


def _body(text: str, name: str) -> str:
    return pagefile.parse(text, name).body if text else ""
