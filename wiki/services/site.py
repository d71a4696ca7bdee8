"""The one central object: the repository, its index and the services, opened together.

Views receive it through ``request.state`` (opened in the app's lifespan), so
nothing heavy happens at import time and tests get a fresh site per test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wiki.config import Settings
from wiki.errors import N_, BadInput
from wiki.names import page_name_of_file
from wiki.services.accounts import AccountService
from wiki.services.beliefs import Beliefs
from wiki.services.clone import CloneService
from wiki.services.conflicts import ConflictService
from wiki.services.discussion import DiscussionService
from wiki.services.drafts import DraftService
from wiki.services.editing import Editing
from wiki.services.email_confirmation import AddressConfirmation
from wiki.services.export import ExportService
from wiki.services.gittexts import GitTexts
from wiki.services.health import Health
from wiki.services.history import HistoryService
from wiki.services.home import HomeService
from wiki.services.keeping import Keeping
from wiki.services.mail import MailService
from wiki.services.mail_links import MailLinks
from wiki.services.metrics import Metrics, SiteGauges
from wiki.services.moderation import ModerationService
from wiki.services.notifier import Notifier
from wiki.services.page_views import PageViews
from wiki.services.pages import PageService
from wiki.services.password_reset import PasswordReset
from wiki.services.people import PeopleService
from wiki.services.poster import PosterService
from wiki.services.preview import PreviewService
from wiki.services.proposal_content import ProposalContents
from wiki.services.proposal_editions import ProposalEditions
from wiki.services.proposal_process import ProposalProcess
from wiki.services.proposals import ProposalService
from wiki.services.proposing import Proposing
from wiki.services.render import Renderer
from wiki.services.replication import ReplicationService
from wiki.services.search import SearchService
from wiki.services.sso import SingleSignOn
from wiki.services.suggestions import SuggestionService
from wiki.services.versions import VersionService
from wiki.services.watching import NotificationService
from wiki.services.why import WhyService
from wiki.store.changes import ChangeStream
from wiki.store.committer import Committer
from wiki.store.database import Database, open_database
from wiki.store.git.repository import GitRepository
from wiki.store.indexfile import IndexFile
from wiki.store.leadership import Leadership
from wiki.store.linkindex import LinkIndex
from wiki.store.notifications import HeaderState
from wiki.store.pageindex import PageIndex
from wiki.store.replica import Replica
from wiki.store.searchindex import SearchIndex

if TYPE_CHECKING:  # Authlib and its HTTP client load only when single sign-on is configured
    from wiki.store.oidc_client import OidcClient


@dataclass
class Site:
    """Everything a request may need, and how to close it."""

    settings: Settings
    repo: GitRepository
    index: PageIndex
    changes: ChangeStream
    pages: PageService
    conflicts: ConflictService
    home: HomeService
    history: HistoryService
    versions: VersionService
    proposals: ProposalService
    process: ProposalProcess
    proposal_editions: ProposalEditions
    discussion: DiscussionService
    moderation: ModerationService
    search: SearchService
    export: ExportService
    poster: PosterService
    clone: CloneService
    drafts: DraftService
    accounts: AccountService
    renderer: Renderer
    previews: PreviewService
    database: Database
    replication: ReplicationService
    views: PageViews
    edits: Editing
    notifier: Notifier
    proposing: Proposing
    suggestions: SuggestionService
    people: PeopleService
    resets: PasswordReset
    confirmations: AddressConfirmation
    mail: MailService
    watching: NotificationService
    why: WhyService
    sso: SingleSignOn
    metrics: Metrics
    health: Health
    keeping: Keeping
    # Who of several processes on this repository runs maintenance, fetching and mail (``wiki serve --workers``).
    leadership: Leadership
    # The branch head the index was last seen to reflect by ``reader_edition`` (see below).
    _reflected: str | None = field(default=None, init=False, repr=False)

    def reader_edition(self, *, catch_up: bool = False) -> str | None:
        """What a page kept for anonymous readers is keyed by besides its address and language:
        the names edition (erasures, shared display names).  None when the index is behind
        the branch (a kept page could be older than the wiki's copy), unless ``catch_up``
        brings it along first; what a commit changes is dropped from the kept pages as the
        index takes it in (``wiki.services.keeping``)."""
        head = self.pages.current_head() if catch_up else self.pages.head_if_current()
        if head is None:
            return None
        self.keeping.follow()  # what another process sharing the index took in, dropped
        self._reflected = head
        return self.accounts.names_edition()

    def known_reader_edition(self) -> str | None:
        """The reader edition without a trip to the thread pool, when what it is made of is
        known: the branch is where the index was last seen to reflect (a ref file read; no git
        process, no SQL), and the names edition was read less than a second ago with nothing
        changed here since.  None: ask ``reader_edition`` in the thread pool.  Saves a pool
        hop on every kept page."""
        names = self.accounts.known_names_edition()
        head = self._reflected
        if names is None or head is None or self.repo.head() != head:
            return None
        return names

    def person_edition(self, *, catch_up: bool = False) -> tuple[str, str] | None:
        """What a page kept for signed-in people (``wiki.web.personal``) is keyed by besides
        its address, language and role: the commit the index reflects and the names edition.
        Their copies are few (one per role) and go with any commit, so the head is part of
        the key rather than the needs readers' pages keep."""
        names = self.reader_edition(catch_up=catch_up)
        head = self._reflected
        return None if names is None or head is None else (head, names)

    def known_person_edition(self) -> tuple[str, str] | None:
        """``person_edition`` without a trip to the thread pool (see ``known_reader_edition``)."""
        names = self.known_reader_edition()
        head = self._reflected
        return None if names is None or head is None else (head, names)

    def healthy(self) -> bool:
        """True when the repository has its branch and the database answers."""
        return self.repo.head() is not None and self.database.ping()

    def start_maintenance(self) -> None:
        """Tidy git's storage in the background (see ``GitRepository.maintain``); a server
        does this at start-up, and the store again after every few hundred changes.  Pages
        with long histories get their blame derived in the background too, when a rebuilt
        index has none (``PageIndex.warm_blame``)."""
        self.repo.maintain_in_background()
        self.index.warm_blame()

    def close(self) -> None:
        """Release processes, file handles and connections."""
        self.export.close()
        self.notifier.close()
        self.index.blamed.stop_warming()
        self.leadership.release()
        self.metrics.process_ended()
        self.index.file.close()
        self.repo.close()
        self.database.close()


def seed_files(content_dir: Path) -> dict[str, bytes]:
    """The pages of ``content_dir`` as repository files; ``BadInput`` for a bad file name."""
    files = {}
    for path in sorted(content_dir.rglob("*.md")):
        relative = path.relative_to(content_dir).as_posix()
        if page_name_of_file(relative) is None:
            raise BadInput(N_("{file} is not a valid page name.", file=relative))
        files[relative] = path.read_bytes()
    return files


def open_repository(path: Path, content_dir: Path, texts: GitTexts) -> GitRepository:
    """Open the repository at ``path``, creating and seeding a bare one when it does not exist."""
    if path.exists():
        return GitRepository(path)
    return GitRepository.create_bare(path, seed_files(content_dir), texts.author, texts.seed())


def open_replica(path: Path, content_dir: Path, remote: str, texts: GitTexts) -> tuple[GitRepository, Replica]:
    """Open (or create) this instance's copy of the shared remote and bring it level.

    A new copy takes the remote's pages; only when the remote has none yet is it seeded
    (and the seed published).  A remote that does not answer at start-up is tolerated
    when there is a local copy to serve reads from; saves fail clearly until it is back.
    """
    repo = GitRepository(path) if path.exists() else GitRepository.init_bare(path)
    replica = Replica(repo, remote)
    repo.recover_stale_locks()
    replica.attach()
    if repo.head() is None:
        repo.seed(seed_files(content_dir), texts.author, texts.seed())
    return repo, replica


def open_site(settings: Settings) -> Site:
    """Open (or create) the repository and database; recover stale locks; catch up the index."""
    replica = None
    texts = GitTexts(settings.language)
    if settings.remote:
        repo, replica = open_replica(settings.repo, settings.content_dir, settings.remote, texts)
    else:
        repo = open_repository(settings.repo, settings.content_dir, texts)
        repo.recover_stale_locks()
    changes = ChangeStream()
    index_file = IndexFile(repo.common_dir / "wiki" / "index.sqlite3")
    index = PageIndex(index_file, repo, changes)
    search_index = SearchIndex(index_file)
    database = open_database(settings.database_url)
    bells: Beliefs[int, HeaderState] = Beliefs()
    notifier = Notifier(database, repo, mail_on=lambda: settings.mail_on, recorded=bells.forget_all)
    with repo.writer():
        index.catch_up()
        notifier.catch_up()
    changes.subscribe(notifier.heard)
    budgets = settings.cache_budgets
    pages = PageService(Committer(repo, index, changes), LinkIndex(index_file), texts, budgets.texts)
    renderer = Renderer(budgets.markdown)
    previews = PreviewService(renderer)
    accounts = AccountService(database, passwords_on=settings.passwords)
    links = MailLinks(database, lambda: settings.mail_on, settings.language)
    proposals = ProposalService(pages, database, search_index)
    versions = VersionService(pages)
    proposals.index_all_for_search()
    suggestions = SuggestionService(proposals)
    history = HistoryService(pages, accounts.former_authors, accounts.shared_names, accounts.usernames_of)
    export = ExportService(pages, versions, renderer)
    search = SearchService(pages, search_index)
    discussion = DiscussionService(database, renderer, notifier)
    process = ProposalProcess(
        proposals,
        discussion,
        notifier,
        threshold=settings.proposal_threshold,
        response_days=settings.proposal_response_days,
    )
    # (late-bound: a test that moves the process's clock moves the days left of kept pages too)
    proposal_editions = ProposalEditions(proposals.records, repo, database, lambda: process.clock())  # noqa: PLW0108
    changes.subscribe(proposal_editions.heard)
    drafts = DraftService(database)
    conflicts = ConflictService(pages, lambda revision: history.revision_info(revision).author)
    replication = ReplicationService(replica, pages, proposals, settings.hook_secret, sealer=accounts)
    metrics = Metrics(SiteGauges(pages, proposals.records, database, replication))
    changes.subscribe(metrics.heard)
    repo.maintenance_listeners.append(metrics.maintained)
    return Site(
        settings=settings,
        repo=repo,
        index=index,
        changes=changes,
        pages=pages,
        conflicts=conflicts,
        home=HomeService(pages),
        history=history,
        versions=versions,
        proposals=proposals,
        process=process,
        proposal_editions=proposal_editions,
        search=search,
        export=export,
        poster=PosterService(export, history),
        clone=CloneService(repo),
        drafts=drafts,
        discussion=discussion,
        moderation=ModerationService(database, notifier),
        accounts=accounts,
        renderer=renderer,
        previews=previews,
        database=database,
        replication=replication,
        views=PageViews(
            pages,
            history,
            search,
            proposals,
            discussion,
            renderer,
            drafts,
            suggestions,
            ProposalContents(proposals, renderer, budgets.proposals),
        ),
        edits=Editing(pages, conflicts, drafts, metrics),
        notifier=notifier,
        proposing=Proposing(pages, proposals, previews, drafts, suggestions),
        suggestions=suggestions,
        people=PeopleService(pages, history, proposals, database),
        resets=PasswordReset(database, accounts, links),
        confirmations=AddressConfirmation(database, accounts, links),
        mail=MailService(database, settings),
        watching=NotificationService(
            database, accounts, pages, proposals, repo, mail_on=lambda: settings.mail_on, bells=bells
        ),
        why=WhyService(history, proposals.records, database),
        sso=SingleSignOn(database, accounts, settings, _provider(settings)),
        metrics=metrics,
        health=Health(pages, database, replication),
        keeping=Keeping(pages, history),
        leadership=Leadership(repo.common_dir / "wiki-leader.flock"),
    )


def _provider(settings: Settings) -> OidcClient | None:
    """The OpenID Connect provider's client when one is configured (it reaches the provider
    only when someone signs in, so a provider that is down does not stop the wiki)."""
    if not settings.oidc_on:
        return None
    # Imported here: Authlib, its HTTP client and cryptography (about 20 MB) load only when used.
    from wiki.store.oidc_client import OidcClient  # noqa: PLC0415

    return OidcClient(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret, settings.oidc_scopes)
