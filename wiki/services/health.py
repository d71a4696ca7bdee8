"""Whether this instance is ready to serve, part by part, for a load balancer or Kubernetes.

Ready means: the repository has its branch, the page index reflects it (caught up now if it
can be) and the database answers.  The shared remote is reported but never makes an instance
unready: when the remote is down every instance still serves reads from its own copy, and
taking them all out of the balancer for it would turn a failed save into an outage.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from wiki.services.pages import PageService
from wiki.services.replication import ReplicationService
from wiki.store.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Part:
    """One thing readiness depends on: whether it is fine, and a short reason when not."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RemoteState:
    """The shared remote as last seen: reported, never a reason to be unready."""

    seconds_since_sync: float
    commits_behind: int | None


@dataclass(frozen=True, slots=True)
class Readiness:
    """Every part, and the remote when there is one."""

    parts: tuple[Part, ...]
    remote: RemoteState | None

    @property
    def ready(self) -> bool:
        return all(part.ok for part in self.parts)


class Health:
    """The readiness check (``GET /readyz``)."""

    def __init__(self, pages: PageService, database: Database, replication: ReplicationService) -> None:
        self.pages = pages
        self.database = database
        self.replication = replication

    def readiness(self) -> Readiness:
        """Each part checked on its own, so one broken part does not hide the state of another."""
        repository = self._repository()
        parts = (repository, self._index() if repository.ok else Part("index", False, "no branch to index"))
        return Readiness((*parts, self._database()), self._remote())

    def _repository(self) -> Part:
        try:
            head = self.pages.repo.head()
        except Exception as error:  # a broken repository must be reported, not raised
            log.warning("readiness: the repository cannot be read: %s", error)
            return Part("repository", False, "cannot be read")
        return Part("repository", head is not None, "" if head is not None else "the branch has no commit")

    def _index(self) -> Part:
        try:
            self.pages.refresh()
            head = self.pages.repo.head()
            indexed = self.pages.index.indexed_head
            behind = 0 if indexed == head or head is None else self.pages.repo.count_between(indexed, head)
        except Exception as error:
            log.warning("readiness: the page index cannot be read: %s", error)
            return Part("index", False, "cannot be read")
        return Part("index", behind == 0, "" if behind == 0 else f"{behind} commit(s) behind the branch")

    def _database(self) -> Part:
        try:
            answers = self.database.ping()
        except Exception as error:
            log.warning("readiness: the database cannot be reached: %s", error)
            answers = False
        return Part("database", answers, "" if answers else "does not answer")

    def _remote(self) -> RemoteState | None:
        replica = self.replication.replica
        if replica is None:
            return None
        try:
            behind: int | None = replica.commits_behind()
        except Exception:  # reported as unknown: the remote never decides readiness
            behind = None
        return RemoteState(round(max(0.0, time.time() - self.replication.synced_at), 1), behind)
