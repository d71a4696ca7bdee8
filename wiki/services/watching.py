"""Watching and the notifications in the wiki: what a person watches, what they were told,
and what they have read.

The notifier (``wiki.services.notifier``) writes notifications; this service reads them for
the person they are for, grouped per page or proposal, each with the address of exactly what
changed, and keeps the watches and the mail settings.  It returns plain values: the words a
person reads are made by the web layer in their language.  Every method takes the person it
acts for, so nobody reads or marks another's notifications.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from wiki.errors import N_, BadInput, NotFound
from wiki.models import User
from wiki.names import is_page_name
from wiki.numbers import is_whole_number
from wiki.services.accounts import AccountService
from wiki.services.beliefs import Beliefs
from wiki.services.event_words import PERSONAL
from wiki.services.pages import PageService
from wiki.services.proposals import ProposalService
from wiki.store.database import Database
from wiki.store.git.repository import GitRepository
from wiki.store.notifications import FREQUENCIES, WATCH_KINDS, HeaderState, NotificationRow

#: The kinds watched as a whole, without a target.
WIDE_KINDS = ("principles", "proposals", "all")
#: Page changes whose page exists before and after: shown in the compare view.
_COMPARED = frozenset({"edit", "restore", "undo"})
#: How many notifications ``/notifications`` and the API read at most.
LIMIT = 200
#: How many ids one "mark as read" may name.
MAX_IDS = 1000


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who asks, with what every page shows a signed-in person: the bell's count and what
    they watch (for the watch buttons)."""

    user: User | None
    unread: int = 0
    watches: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class Watched:
    """One thing a person watches, with its title and address (``title`` empty for the
    wide watches: the web layer names those)."""

    kind: str
    target: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Notification:
    """One notification as a person sees it: ``kind`` is the event's kind, or ``mention``
    when they were mentioned; ``target`` the page name or proposal number it is about."""

    id: int
    kind: str
    subject: str
    target: str
    actor: str
    date: float
    title: str
    url: str
    read: bool


@dataclass(frozen=True, slots=True)
class NotificationGroup:
    """The notifications about one page or proposal, newest first."""

    subject: str
    title: str
    items: tuple[Notification, ...]

    @property
    def actors(self) -> tuple[str, ...]:
        """Who acted, each once, most recent first."""
        return tuple(dict.fromkeys(item.actor for item in self.items))

    @property
    def unread_ids(self) -> tuple[int, ...]:
        return tuple(item.id for item in self.items if not item.read)


@dataclass(frozen=True, slots=True)
class MailSettings:
    """How often a person gets mail, whether they watch what they take part in, and whether
    the wiki can send mail at all (without SMTP the settings are kept for later)."""

    frequency: str
    auto_watch: bool
    mail_on: bool


def target_of(subject: str) -> str:
    """``neem-initiatief`` of ``page:neem-initiatief``, ``3`` of ``proposal:3``."""
    return subject.partition(":")[2]


def notification_url(row: NotificationRow, parent_of: Callable[[str], str | None]) -> str:
    """The address of exactly what changed: the compare view of a page change (its commit's
    parent against the commit), a comment's anchor in its discussion, the proposal of a
    decision or a proposal change, a named version; ``parent_of`` finds a commit's parent."""
    kind, _, target = row.subject.partition(":")
    if row.kind == "second_look_answered":
        return "/moderation"
    if row.kind == "comment":
        anchor = f"#comment-{row.comment_id}" if row.comment_id is not None else ""
        if kind == "proposal":
            return f"/proposals/{target}{anchor}"
        return f"/discuss/{quote(target)}{anchor}"
    if kind == "proposal":
        return f"/proposals/{target}"
    if kind == "version":
        return f"/versions/{quote(target, safe='')}"
    revision = str(row.data.get("revision") or "")
    if kind == "page" and revision:
        parent = parent_of(revision) if row.kind in _COMPARED else None
        if parent is not None:
            return f"/compare/{quote(target)}?from={parent}&to={revision}"
        return f"/change/{revision}"
    return "/changes"


class NotificationService:
    """Watches, notifications, read marks and mail settings, for the person asking."""

    def __init__(
        self,
        database: Database,
        accounts: AccountService,
        pages: PageService,
        proposals: ProposalService,
        repo: GitRepository,
        *,
        mail_on: Callable[[], bool],
        bells: Beliefs[int, HeaderState] | None = None,
    ) -> None:
        """``bells`` are the unread counts and watches believed a moment (shared with the
        notifier, which forgets them when it records)."""
        self.database = database
        self.bells: Beliefs[int, HeaderState] = Beliefs() if bells is None else bells
        self.accounts = accounts
        self.pages = pages
        self.proposals = proposals
        self.repo = repo
        self.mail_on = mail_on

    # -- every request of a signed-in person ------------------------------------------------

    def visitor(self, session_id: str) -> Visitor:
        """The person of a session with their unread count and watches, in one thread-pool
        call (the bell and the watch buttons then need no trip of their own); asked in the
        database, then believed a moment (``believed_visitor``)."""
        user = self.accounts.session_user(session_id)
        if user is None:
            return Visitor(None)
        changes = self.bells.changes()
        state = self.database.header_state(user.id)
        self.bells.keep(user.id, state, changes)
        return Visitor(user, *state)

    def believed_visitor(self, session_id: str) -> Visitor | None:
        """``visitor`` as believed a moment ago (``beliefs``), without the database, so
        without a trip to the thread pool; None when it must be asked."""
        user = self.accounts.believed_user(session_id)
        state = None if user is None else self.bells.get(user.id)
        return None if state is None else Visitor(user, *state)

    # -- watching -----------------------------------------------------------------------------

    def watch(self, user: User, kind: str, target: str) -> bool:
        """Watch something that exists; ``BadInput`` or ``NotFound`` otherwise.  True."""
        kind, target = self._checked(kind, target)
        if kind == "page":
            self.pages.get(target)
        elif kind == "proposal":
            self.proposals.get(int(target))
        self.database.watch(user.id, kind, target)
        self.bells.forget(user.id)
        return True

    def unwatch(self, user: User, kind: str, target: str) -> bool:
        """Stop watching (also what no longer exists: a deleted page stays unwatchable).  False."""
        kind, target = self._checked(kind, target)
        self.database.unwatch(user.id, kind, target)
        self.bells.forget(user.id)
        return False

    def is_watching(self, user: User, kind: str, target: str) -> bool:
        """Whether ``user`` watches exactly this."""
        kind, target = self._checked(kind, target)
        return self.database.is_watching(user.id, kind, target)

    def watch_list(self, user: User) -> list[tuple[str, str]]:
        """What ``user`` watches, as (kind, target), the wide ones first."""
        return self.database.watches(user.id)

    def watched(self, user: User) -> list[Watched]:
        """What ``user`` watches, each with its title and address."""
        watches = self.database.watches(user.id)
        titles = self._titles(f"{kind}:{target}" for kind, target in watches)
        addresses = {"principles": "/", "proposals": "/proposals", "all": "/changes"}
        found = []
        for kind, target in watches:
            if kind == "page":
                url = "/p/" + quote(target)
            elif kind == "proposal":
                url = f"/proposals/{target}"
            else:
                url = addresses[kind]
            found.append(Watched(kind, target, titles.get(f"{kind}:{target}", ""), url))
        return found

    @staticmethod
    def _checked(kind: str, target: str) -> tuple[str, str]:
        if kind not in WATCH_KINDS:
            raise BadInput(N_("One can watch a page, a proposal, all principles, all proposals or the whole wiki."))
        if kind in WIDE_KINDS:
            if target:
                raise BadInput(N_("All principles, all proposals and the whole wiki are watched without a target."))
            return kind, target
        if kind == "page" and not is_page_name(target):
            raise NotFound(N_("No such page."))
        if kind == "proposal":
            if not is_whole_number(target):
                raise NotFound(N_("No such proposal."))
            target = str(int(target))
        return kind, target

    # -- notifications ------------------------------------------------------------------------

    def notifications(self, user: User, *, unread_only: bool = False) -> list[Notification]:
        """``user``'s notifications, newest first (at most ``LIMIT``)."""
        rows = self.database.notifications(user.id, unread_only=unread_only, limit=LIMIT)
        titles = self._titles(row.subject for row in rows)
        parents: dict[str, str | None] = {}

        def parent_of(revision: str) -> str | None:
            if revision not in parents:
                found = self.repo.parents(revision) if self.repo.commit_exists(revision) else []
                parents[revision] = found[0] if found else None
            return parents[revision]

        return [
            Notification(
                id=row.id,
                kind=row.reason if row.reason in PERSONAL else row.kind,
                subject=row.subject,
                target=target_of(row.subject),
                actor=row.actor,
                date=row.date,
                title=titles.get(row.subject) or target_of(row.subject),
                url=notification_url(row, parent_of),
                read=row.seen,
            )
            for row in rows
        ]

    def groups(self, user: User) -> list[NotificationGroup]:
        """``user``'s notifications grouped per page or proposal, the group with the newest
        first, each group newest first."""
        grouped: dict[str, list[Notification]] = {}
        for item in self.notifications(user):
            grouped.setdefault(item.subject, []).append(item)
        return [NotificationGroup(subject, items[0].title, tuple(items)) for subject, items in grouped.items()]

    def mark_read(self, user: User, ids: Collection[int] | None) -> int:
        """Mark these of ``user``'s notifications (None: all) as read; how many changed.
        Ids of other people's notifications change nothing."""
        if ids is not None and len(ids) > MAX_IDS:
            raise BadInput(N_("Mark at most {count} notifications at once.", count=MAX_IDS))
        marked = self.database.mark_read(user.id, ids)
        self.bells.forget(user.id)
        return marked

    def unread(self, user: User) -> int:
        """How many of ``user``'s notifications are unread."""
        return self.database.unread_count(user.id)

    # -- mail settings --------------------------------------------------------------------------

    def mail_settings(self, user: User) -> MailSettings:
        """``user``'s mail settings, and whether mail is on at all."""
        frequency, auto_watch = self.database.mail_settings(user.id)
        return MailSettings(frequency, auto_watch, self.mail_on())

    def set_mail(self, user: User, frequency: str, auto_watch: bool | None = None) -> MailSettings:
        """Store how often ``user`` gets mail (and, when given, whether they watch what they
        take part in), also while mail is off: it applies once mail is on."""
        if frequency not in FREQUENCIES:
            raise BadInput(N_("Choose how often you get e-mail: immediately, daily, weekly or never."))
        if auto_watch is None:
            self.database.update_user(user.id, mail_frequency=frequency)
        else:
            self.database.update_user(user.id, mail_frequency=frequency, auto_watch=auto_watch)
        return self.mail_settings(user)

    # -- titles ---------------------------------------------------------------------------------

    def _titles(self, subjects: Iterable[str]) -> dict[str, str]:
        """The title of each page and proposal subject (pages from the index, proposals from
        their records, without the mergeability a proposal page works out; a proposal that
        is gone keeps its number only)."""
        wanted = set(subjects)
        titles: dict[str, str] = {}
        if any(subject.startswith("page:") for subject in wanted):
            pages = {page.path: page.title for page in self.pages.list_pages()}
            titles.update({s: pages[target_of(s)] for s in wanted if s.startswith("page:") and target_of(s) in pages})
        for subject in wanted:
            if subject.startswith("proposal:") and is_whole_number(target_of(subject)):
                try:
                    record_commit = self.proposals.records.refs(int(target_of(subject)))[1]
                except NotFound:
                    continue
                titles[subject] = self.proposals.records.at(record_commit).title
        return titles
