"""Proposals: a new principle or a change, proposed, revised, discussed and decided in the open.

Where things live, so that a clone of the repository holds every proposal and decision:

- the proposed content is the branch ``refs/heads/proposals/<id>``, off main, one commit per
  revision; its head moves only when its content changes (an update with main is a merge);
- the title, description, status, its history and the decision are a JSON record in the
  commits of ``refs/meta/proposals/<id>`` (one commit per change of the record);
- an accepted proposal is merged into main by a merge commit whose message holds the title
  and the reason.

Comments and supports are personal data and live in the database (``discussion``).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field, replace
from threading import Lock
from typing import Any

from wiki import pagefile
from wiki.errors import N_, BadInput, DiskFull, EditConflict, Forbidden, NotFound, PathClash, WikiError
from wiki.models import Author, Role, User
from wiki.names import check_page_name, page_file, page_name_of_file, slugify
from wiki.numbers import is_whole_number
from wiki.services import diff, proposal_limits
from wiki.services.accounts import commit_author
from wiki.services.gittexts import without_trailer
from wiki.services.history import FORMER_AUTHOR
from wiki.services.pagepaths import check_together
from wiki.services.pages import MAX_MESSAGE_LENGTH, PageService, blob_id
from wiki.store.database import Database
from wiki.store.identities import commit_email, old_commit_email

log = logging.getLogger(__name__)

BRANCHES = "refs/heads/proposals/"
RECORDS = "refs/meta/proposals/"
RECORD_FILE = "proposal.json"
OPEN, ACCEPTED, DECLINED, WITHDRAWN = "open", "accepted", "declined", "withdrawn"
STATUSES = (OPEN, ACCEPTED, DECLINED, WITHDRAWN)
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000


class ProposalMoved(WikiError):
    """The proposal changed since the page was loaded: look again before deciding (409)."""

    code = "conflict"
    status = 409


class NeedsUpdate(WikiError):
    """The proposal no longer merges cleanly into main; its author must bring it up to date (409)."""

    code = "conflict"
    status = 409


@dataclass
class Record:
    """What git keeps about a proposal besides its content.

    Its author is an account id (``author_id``); records written before ids named the
    username (``author_username``), which is read through the mapping of old identities to
    accounts and left out once the record is written again with the id."""

    id: int
    title: str
    description: str
    author: str
    created: int
    base_revision: str
    origin_revision: str
    paths: list[str]
    author_id: int | None = None
    author_username: str = ""
    principle: bool = False
    status: str = OPEN
    events: list[dict[str, Any]] = field(default_factory=list)
    decision: dict[str, Any] | None = None


@dataclass(frozen=True)
class Proposal:
    """A proposal as people and scripts see it."""

    record: Record
    head_revision: str
    mergeable: bool

    @property
    def id(self) -> int:
        """The proposal's number."""
        return self.record.id


@dataclass(frozen=True)
class PathDiff:
    """One proposed page: its name, title, the proposed text and the diff against main."""

    path: str
    title: str
    text: str | None
    current: str | None
    blocks: list[diff.Block]


@dataclass(frozen=True)
class ProposalRevision:
    """One revision of a proposal: who, when, why, and what it changed."""

    revision: str
    author: str
    date: int
    message: str
    diffs: list[PathDiff]
    #: False for the older revisions, listed without their changes (``MAX_REVISIONS_SHOWN``).
    shown: bool = True


@dataclass(frozen=True)
class UpdateConflict:
    """A page whose proposed text and main's text both changed the same part."""

    path: str
    ours: str
    main: str
    base: str = ""


class ProposalService:
    """Proposals of one repository."""

    def __init__(self, pages: PageService, database: Database) -> None:
        self.pages = pages
        self.repo = pages.repo
        self.texts = pages.texts
        self.database = database
        self._records: dict[str, Record] = {}
        self._mergeable: dict[tuple[str, str], bool] = {}
        self._lock = Lock()

    # -- reading --------------------------------------------------------------------------

    def _record_at(self, commit: str, former: set[str] | None = None) -> Record:
        """The record in ``commit``; ``former`` (the addresses of deleted accounts) when the
        caller read them already, so a listing asks the database once, not once per record."""
        with self._lock:
            cached = self._records.get(commit)
        if cached is not None:
            return self._shown(cached, former)
        blob = self.repo.blob_at(commit, RECORD_FILE)
        if blob is None:
            raise NotFound(N_("No such proposal."))
        record = self._with_author_id(Record(**json.loads(self.repo.read_blob(blob))))
        with self._lock:
            self._records[commit] = record
        return self._shown(record, former)

    def _with_author_id(self, record: Record) -> Record:
        """An older record (``author_username`` only) with the id of the account its username
        address was mapped to; unchanged when none was (the account was erased, or never
        existed here): then nobody is its author, whoever has the name now."""
        if record.author_id is not None or not record.author_username:
            return record
        address = old_commit_email(record.author_username)
        owner = self.database.commit_owners([address]).get(address)
        return record if owner is None else replace(record, author_id=owner, author_username="")

    def _author_address(self, record: Record) -> str:
        if record.author_id is not None:
            return commit_email(record.author_id)
        return old_commit_email(record.author_username)

    def _shown(self, record: Record, former: set[str] | None = None) -> Record:
        """A copy to work on, with a neutral author name once the author deleted their account."""
        author = record.author
        if self._author_address(record) in (self.database.former_authors() if former is None else former):
            author = FORMER_AUTHOR
        return replace(record, author=author, paths=list(record.paths), events=list(record.events))

    def _refs(self, proposal_id: int) -> tuple[str, str]:
        head = self.repo.ref(f"{BRANCHES}{proposal_id}")
        record = self.repo.ref(f"{RECORDS}{proposal_id}")
        if head is None or record is None:
            raise NotFound(N_("No such proposal."))
        return head, record

    def _is_mergeable(self, head: str) -> bool:
        main = self.repo.head()
        if main is None:
            return False
        key = (main, head)
        with self._lock:
            known = self._mergeable.get(key)
        if known is None:
            known = self.repo.merge_tree(main, head) is not None
            with self._lock:
                if len(self._mergeable) > 4096:
                    self._mergeable.clear()
                self._mergeable[key] = known
        return known

    def get(self, proposal_id: int) -> Proposal:
        """One proposal; ``NotFound`` when there is none with this number."""
        head, record_commit = self._refs(proposal_id)
        record = self._record_at(record_commit)
        mergeable = record.status != OPEN or self._is_mergeable(head)
        return Proposal(record, head, mergeable)

    def listing(self, status: str | None = None) -> list[Proposal]:
        """Every proposal (or those with ``status``), newest first."""
        if status is not None and status not in STATUSES:
            raise BadInput(N_("Unknown status."))
        records = self.repo.refs(RECORDS)
        heads = self.repo.refs(BRANCHES)
        former = self.database.former_authors()
        found = []
        for ref, commit in records.items():
            number = ref.rsplit("/", 1)[-1]
            head = heads.get(f"{BRANCHES}{number}")
            if head is None or not is_whole_number(number):
                continue
            record = self._record_at(commit, former)
            if status is None or record.status == status:
                mergeable = record.status != OPEN or self._is_mergeable(head)
                found.append(Proposal(record, head, mergeable))
        return sorted(found, key=lambda proposal: -proposal.id)

    def _text(self, commit: str, name: str) -> str | None:
        blob = self.repo.blob_at(commit, page_file(name))
        return None if blob is None else self.pages.text_of_blob(blob)

    def _path_diff(self, name: str, before: str | None, after: str | None, budget: diff.Budget) -> PathDiff:
        old = pagefile.parse(before, name).body if before else ""
        new = pagefile.parse(after, name).body if after else ""
        title = pagefile.parse(after or before or "", name).title
        return PathDiff(name, title, after, before, diff.compare(old, new, budget))

    def proposed_texts(self, proposal: Proposal) -> dict[str, str | None]:
        """Each proposed page's text at the proposal's head (None: the proposal deletes it)."""
        return {name: self._text(proposal.head_revision, name) for name in proposal.record.paths}

    def changes(self, proposal: Proposal) -> list[PathDiff]:
        """Each proposed page against the current version on main (or on the merge, once accepted)."""
        main = self.repo.head()
        against = main
        decision = proposal.record.decision or {}
        if proposal.record.status == ACCEPTED and decision.get("merge"):
            parents = self.repo.parents(decision["merge"])
            against = parents[0] if parents else main
        budget = diff.Budget()
        return [
            self._path_diff(
                name, self._text(against, name) if against else None, self._text(proposal.head_revision, name), budget
            )
            for name in proposal.record.paths
        ]

    def revisions(self, proposal: Proposal) -> list[ProposalRevision]:
        """The proposal's own revisions, oldest first; the newest ``MAX_REVISIONS_SHOWN`` with
        their diffs (sharing one diff budget), the older ones without, so that a proposal
        revised a thousand times costs no more to show than one revised ten times."""
        commits = list(self.repo.log(proposal.head_revision, proposal.record.origin_revision))
        first_shown = len(commits) - proposal_limits.MAX_REVISIONS_SHOWN
        budget = diff.Budget()
        revisions = []
        for number, commit in enumerate(commits):
            message = without_trailer(commit.message)
            if number < first_shown:
                revisions.append(
                    ProposalRevision(commit.revision, commit.author, commit.date, message, [], shown=False)
                )
                continue
            parents = self.repo.parents(commit.revision)
            diffs = []
            for name in proposal.record.paths:
                before = self._text(parents[0], name) if parents else None
                after = self._text(commit.revision, name)
                if before != after:
                    diffs.append(self._path_diff(name, before, after, budget))
            revisions.append(ProposalRevision(commit.revision, commit.author, commit.date, message, diffs))
        return revisions

    # -- writing --------------------------------------------------------------------------

    def index_for_search(self, proposal_id: int) -> None:
        """Put an open proposal's title, description and texts in the search index (or take a closed one out)."""
        proposal = self.get(proposal_id)
        record = proposal.record
        body = None
        if record.status == OPEN:
            texts = [self._text(proposal.head_revision, name) or "" for name in record.paths]
            body = "\n\n".join([record.description, *(pagefile.parse(text, "x").body for text in texts)])
        try:
            self.pages.index.set_proposal(record.id, record.title, body)
        except DiskFull:  # the proposal is saved in git; the search index is rebuilt at start-up
            log.warning("proposal %d is saved, but the search index could not take it: the disk is full", record.id)

    def index_all_for_search(self) -> None:
        """Index every open proposal again (at start-up: the search index is derived data)."""
        self.pages.index.clear_proposals()
        for proposal in self.listing(OPEN):
            self.index_for_search(proposal.id)

    def _write_record(self, record: Record, old: str | None, message: str, author: Author) -> None:
        """Commit the record on its ref (compare-and-swap); hold the writer lock."""
        fields = asdict(record)
        if not fields["author_username"]:  # written with the id: no username in the clone
            del fields["author_username"]
        data = json.dumps(fields, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"
        tree = self.repo.build_tree(None, {RECORD_FILE: data})
        commit = self.repo.write_commit(tree, [old] if old else [], author, message, int(time.time()))
        if not self.repo.move_ref(f"{RECORDS}{record.id}", commit, old):
            raise ProposalMoved(N_("The proposal changed meanwhile. Look at it again and retry."))

    def _checked_changes(self, changes: list[tuple[str, str]]) -> dict[str, bytes]:
        if not changes:
            raise BadInput(N_("A proposal needs at least one page."))
        proposal_limits.check_page_count(len(changes))
        files = {}
        for name, text in changes:
            valid = check_page_name(name)
            checked = self.pages.checked_text(valid, text)
            files[page_file(valid)] = checked.encode("utf-8")
        return files

    def _check_new_pages(self, commit: str, names: list[str], others: list[str]) -> None:
        """The name checks an edit makes, for the pages among ``names`` that ``commit`` does not
        have yet, and with ``others`` (the pages the proposal holds already) for case variants
        among the proposal's own pages."""
        check_together([*others, *(name for name in names if name not in others)])
        for name in names:
            if self.repo.blob_at(commit, page_file(name)) is None:
                self.pages.check_room(commit, name)

    @staticmethod
    def _checked_title(title: str, description: str) -> tuple[str, str]:
        title = " ".join(title.split())
        if not title or len(title) > MAX_TITLE:
            raise BadInput(N_("A proposal needs a title of at most 200 characters."))
        if len(description) > MAX_DESCRIPTION:
            raise BadInput(N_("The description is too long."))
        return title, description.strip()

    def create(
        self,
        user: User,
        title: str,
        description: str,
        changes: list[tuple[str, str]],
        *,
        principle: bool = False,
    ) -> Proposal:
        """Propose changes to one or more pages (whole file texts) as a new branch off main.

        A ``principle`` proposal is exactly one new page, numbered when it is accepted.
        """
        title, description = self._checked_title(title, description)
        if principle:
            changes = self._as_new_principle(changes)
        files = self._checked_changes(changes)
        proposal_limits.check_size(files.values())
        author = commit_author(user)
        existing = [
            int(ref.rsplit("/", 1)[-1]) for ref in self.repo.refs(RECORDS) if is_whole_number(ref.rsplit("/", 1)[-1])
        ]
        with self.repo.writer():
            main = self.repo.head()
            if main is None:
                raise NotFound(N_("The wiki has no pages yet."))
            number = self.database.next_number("proposal", max(existing, default=0) + 1)
            while self.repo.ref(f"{RECORDS}{number}") or self.repo.ref(f"{BRANCHES}{number}"):
                number = self.database.next_number("proposal", number + 1)
            self._check_new_pages(main, [page_name_of_file(path) or path for path in files], [])
            tree = self.repo.build_tree(main, files)
            commit = self.repo.write_commit(tree, [main], author, self.texts.proposal(number, title), int(time.time()))
            if not self.repo.move_ref(f"{BRANCHES}{number}", commit, None):
                raise ProposalMoved(N_("The proposal changed meanwhile. Look at it again and retry."))
            now = int(time.time())
            names = [page_name_of_file(path) or path for path in files]
            record = Record(
                id=number,
                title=title,
                description=description,
                author=author.name,
                author_id=user.id,
                created=now,
                base_revision=main,
                origin_revision=main,
                paths=names,
                principle=principle,
                events=[{"status": OPEN, "by": author.name, "date": now, "reason": ""}],
            )
            self._write_record(record, None, self.texts.proposal_opened(number, title), author)
        self.index_for_search(number)
        return self.get(number)

    def new_principle(self, user: User, title: str, text: str, why: str) -> Proposal:
        """Propose a new principle: a page named after its title, numbered when accepted."""
        name = slugify(title)
        if not name:
            raise BadInput(N_("A proposal needs a title of at most 200 characters."))
        file_text = pagefile.compose(None, title, text)
        return self.create(user, title, why, [(name, file_text)], principle=True)

    def _as_new_principle(self, changes: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The one new page a principle proposal holds, without a ``number`` of its own: the
        number is the next free one when it is accepted, not one its author picked."""
        if len(changes) != 1:
            raise BadInput(N_("A new principle is exactly one new page."))
        name = check_page_name(changes[0][0])
        if self.pages.index.get(name) is not None:
            raise BadInput(N_("A page with this name exists already."))
        return [(name, _without_number(name, changes[0][1]))]

    def _may_revise(self, user: User, record: Record) -> None:
        if record.status != OPEN:
            raise Forbidden(N_("Only open proposals can be changed."))
        if not is_author(user, record) and not user.can(Role.EDITOR):
            raise Forbidden(N_("Only its author or an editor can change a proposal."))

    def check_may_revise(self, proposal_id: int, user: User) -> Proposal:
        """The proposal, or ``Forbidden`` when ``user`` may not revise it: asked before a
        revision is read or checked, so refusing costs the same whatever was sent."""
        proposal = self.get(proposal_id)
        self._may_revise(user, proposal.record)
        return proposal

    def _check_revised_size(self, record: Record, current: str, files: dict[str, bytes]) -> None:
        """``TooLarge`` when the proposal would outgrow its limits with ``files`` at ``current``."""
        names = {page_name_of_file(path) or path for path in files}
        kept = [name for name in record.paths if name not in names]
        proposal_limits.check_page_count(len(kept) + len(names))
        proposal_limits.check_size([*files.values(), *((self._text(current, name) or "").encode() for name in kept)])

    def revise(self, proposal_id: int, user: User, changes: list[tuple[str, str]], message: str, head: str) -> Proposal:
        """Add a revision (one commit) to an open proposal; 409 when its head moved since ``head``."""
        with self.repo.writer():
            current, record_commit = self._refs(proposal_id)
            record = self._record_at(record_commit)
            self._may_revise(user, record)
            author = commit_author(user)
            proposal_limits.check_page_count(len(changes))
            if record.principle:
                if any(check_page_name(name) not in record.paths for name, _text in changes):
                    raise BadInput(N_("A new principle is exactly one new page."))
                changes = [(name, _without_number(name, text)) for name, text in changes]
            files = self._checked_changes(changes)
            self._check_revised_size(record, current, files)
            if current != head:
                raise ProposalMoved(N_("The proposal changed meanwhile. Look at it again and retry."))
            unchanged = all(self.repo.blob_at(current, path) == blob_id(data) for path, data in files.items())
            if unchanged:
                return self.get(proposal_id)
            self._check_new_pages(current, [page_name_of_file(path) or path for path in files], record.paths)
            tree = self.repo.build_tree(current, files)
            summary = self.texts.revision(proposal_id, " ".join(message.split())[:MAX_MESSAGE_LENGTH])
            commit = self.repo.write_commit(tree, [current], author, summary, int(time.time()))
            if not self.repo.move_ref(f"{BRANCHES}{proposal_id}", commit, current):
                raise ProposalMoved(N_("The proposal changed meanwhile. Look at it again and retry."))
            names = [page_name_of_file(path) or path for path in files]
            known = set(record.paths)
            new_paths = [name for name in names if name not in known]
            if new_paths:
                record.paths += new_paths
                self._write_record(record, record_commit, self.texts.pages_added(proposal_id), author)
        self.index_for_search(proposal_id)
        return self.get(proposal_id)

    def _set_status(self, proposal_id: int, user: User, status: str, reason: str, merge: str | None = None) -> None:
        author = commit_author(user)
        _head, record_commit = self._refs(proposal_id)
        record = self._record_at(record_commit)
        now = int(time.time())
        record.status = status
        record.events.append({"status": status, "by": author.name, "date": now, "reason": reason})
        if status in (ACCEPTED, DECLINED):
            record.decision = {"by": author.name, "date": now, "reason": reason}
            if merge:
                record.decision["merge"] = merge
        self._write_record(record, record_commit, self.texts.status(proposal_id, status, reason), author)

    def withdraw(self, proposal_id: int, user: User, reason: str = "") -> Proposal:
        """The author withdraws their open proposal; it stays readable."""
        with self.repo.writer():
            record = self.get(proposal_id).record
            if record.status != OPEN:
                raise Forbidden(N_("Only open proposals can be changed."))
            if not is_author(user, record):
                raise Forbidden(N_("Only its author can withdraw a proposal."))
            self._set_status(proposal_id, user, WITHDRAWN, _reason(reason))
        self.index_for_search(proposal_id)
        return self.get(proposal_id)

    def decline(self, proposal_id: int, user: User, reason: str) -> Proposal:
        """A maintainer declines with a public reason."""
        if not _reason(reason):
            raise BadInput(N_("Give a reason for the decision."))
        with self.repo.writer():
            if self.get(proposal_id).record.status != OPEN:
                raise Forbidden(N_("Only open proposals can be changed."))
            self._set_status(proposal_id, user, DECLINED, _reason(reason))
        self.index_for_search(proposal_id)
        return self.get(proposal_id)

    def accept(self, proposal_id: int, user: User, reason: str, head: str) -> Proposal:
        """Merge exactly revision ``head`` of the proposal into main (no checkout).

        ``ProposalMoved`` when its head moved since, ``NeedsUpdate`` when it no longer merges
        cleanly; when main moves during the merge, the merge is redone on the new main.
        """
        author = commit_author(user)
        with self.repo.writer():
            current, record_commit = self._refs(proposal_id)
            record = self._record_at(record_commit)
            if record.status != OPEN:
                raise Forbidden(N_("Only open proposals can be changed."))
            if current != head:
                raise ProposalMoved(N_("The proposal changed since you loaded it. Look at it again and retry."))
            while True:
                self.pages.index.catch_up()
                main = self.repo.head()
                assert main is not None
                tree = self.repo.merge_tree(main, current)
                if tree is None:
                    raise NeedsUpdate(N_("This proposal no longer fits the current text: it needs an update first."))
                self._check_merge(main, tree, record)
                tree = self._number_new_principles(record, tree)
                message = self.texts.accept(proposal_id, record.title, _reason(reason))
                merge = self.repo.write_commit(tree, [main, current], author, message, int(time.time()))
                if self.repo.move_branch(merge, main):
                    break
            self.pages.index.catch_up()
            self._set_status(proposal_id, user, ACCEPTED, _reason(reason), merge)
        self.index_for_search(proposal_id)
        return self.get(proposal_id)

    def _check_merge(self, main: str, tree: str, record: Record) -> None:
        """Refuse a merge that would change anything but the proposal's own pages, or add a
        page that no longer fits main (a case variant or folder made since it was proposed):
        a proposal that looked like "a new page" once deleted a principle when accepted."""
        names = [check_page_name(name) for name in record.paths]
        self._check_new_pages(main, names, [])
        files = {page_file(name) for name in names}
        if any(path not in files for path in self.repo.changed_paths(main, tree)):
            raise PathClash(
                N_("This proposal would change or remove pages it does not name, so it cannot be accepted.")
            )

    def _number_new_principles(self, record: Record, tree: str) -> str:
        """Give a proposed new principle the next free number, in the merged tree."""
        if not record.principle:
            return tree
        numbers = [page.number for page in self.pages.index.pages() if page.number is not None]
        changes: dict[str, bytes | None] = {}
        for name in record.paths:
            if self.pages.index.get(name) is not None:
                continue
            head = self.repo.ref(f"{BRANCHES}{record.id}")
            text = self._text(head, name) if head else None
            if text is None:
                continue
            parsed = pagefile.parse(text, name)
            if parsed.number is None:
                meta = {**parsed.meta, "title": parsed.title, "number": max(numbers, default=0) + 1}
                numbers.append(meta["number"])
                changes[page_file(name)] = pagefile.with_meta(meta, parsed.body).encode("utf-8")
        return self.repo.build_tree(None, changes, base_tree=tree) if changes else tree

    def update_conflicts(self, proposal_id: int) -> list[UpdateConflict]:
        """The pages where the proposal and main changed the same part (empty when it merges)."""
        proposal = self.get(proposal_id)
        main = self.repo.head()
        assert main is not None
        if self.repo.merge_tree(main, proposal.head_revision) is not None:
            return []
        conflicts = []
        for name in proposal.record.paths:
            ours, theirs = self._text(proposal.head_revision, name), self._text(main, name)
            base = self._text(proposal.record.base_revision, name) or ""
            if ours is not None and theirs is not None and self.repo.merge_texts(base, theirs, ours) is None:
                conflicts.append(UpdateConflict(name, ours, theirs, base))
        return conflicts

    def update(self, proposal_id: int, user: User, resolved: dict[str, str] | None = None) -> Proposal:
        """Bring an open proposal up to date with main: a merge of main into its branch.

        Where both changed the same part, ``resolved`` gives the combined text per page;
        without it, ``EditConflict`` says which pages need it.
        """
        author = commit_author(user)
        with self.repo.writer():
            current, record_commit = self._refs(proposal_id)
            record = self._record_at(record_commit)
            self._may_revise(user, record)
            main = self.repo.head()
            assert main is not None
            tree = self.repo.merge_tree(main, current)
            if tree is None:
                if not resolved:
                    raise EditConflict(N_("Some pages changed in the same place on both sides."), main, None)
                files = self._checked_changes([(name, text) for name, text in resolved.items()])
                unresolved = [name for name in record.paths if page_file(name) not in files]
                texts = {page_file(name): (self._text(current, name) or "").encode("utf-8") for name in unresolved}
                tree = self.repo.build_tree(main, {**texts, **files})
            commit = self.repo.write_commit(
                tree, [current, main], author, self.texts.update(proposal_id), int(time.time())
            )
            if not self.repo.move_ref(f"{BRANCHES}{proposal_id}", commit, current):
                raise ProposalMoved(N_("The proposal changed meanwhile. Look at it again and retry."))
            record.base_revision = main
            self._write_record(record, record_commit, self.texts.brought_up_to_date(proposal_id), author)
        self.index_for_search(proposal_id)
        return self.get(proposal_id)


def is_author(user: User | None, record: Record) -> bool:
    """Whether ``user`` is the account that made the proposal (by account id, never by name:
    a name can come back, an id cannot)."""
    return user is not None and record.author_id is not None and user.id == record.author_id


def _without_number(name: str, text: str) -> str:
    """``text`` with any ``number`` taken out of its front matter."""
    parsed = pagefile.parse(pagefile.normalise_text(text), name, strict=True)
    if "number" not in parsed.meta:
        return text
    meta = {key: value for key, value in parsed.meta.items() if key != "number"}
    return pagefile.with_meta(meta, parsed.body) if meta else parsed.body


def _reason(reason: str) -> str:
    return " ".join(reason.split())[:MAX_MESSAGE_LENGTH]
