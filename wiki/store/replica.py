"""Replicas: several wiki instances sharing one git remote as the source of truth.

The remote is any bare repository people already run (a path, ``git://``, or a Gitea
or GitLab project over ssh or https).  Every ref move is published first, with a
lease on the value this instance last saw (``git push --force-with-lease``), and
the local ref moves only after the remote accepted it: a save is acknowledged only
once it is on the remote.  A refused push means another instance moved the ref
first; this instance then fetches and the caller redoes its change on the new
value, exactly as after a local compare-and-swap that lost.

Fetching goes to a staging namespace (``refs/replica/``), then each wiki ref
follows the remote when it only moved forward there.  A ref only this instance
has, or one it is ahead on, is published; one that went two ways keeps the
remote's value and the local one is kept under ``refs/replica/diverged/``, so
no commit is ever dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from wiki.errors import N_, StoreUnavailable
from wiki.store.git.repository import GitRepository

log = logging.getLogger(__name__)

# The objects published from this context, when someone listens (see ``recording_publishes``).
_PUBLISHED: ContextVar[list[str] | None] = ContextVar("wiki_published", default=None)

# The refs a wiki owns: main, proposal and suggestion branches, proposal records, named versions.
NAMESPACES = ("refs/heads/", "refs/meta/", "refs/tags/")
# Refs that come and go: a suggestion's branch only ever appears through a publish (it is
# made on a replica, never before replication started), so one the remote lacks was deleted
# there (a hidden suggestion) and goes here too, rather than being published back.
DELETED_ON_REMOTE = "refs/heads/suggestions/"
STAGING = "refs/replica/remote/"
DIVERGED = "refs/replica/diverged/"
UNREACHABLE = N_(
    "The shared repository cannot be reached, so nothing was saved. Your text is kept: try again in a moment."
)


class RemoteUnavailable(StoreUnavailable):
    """The shared remote did not answer (or refused for a reason other than a moved ref)."""


class Replica:
    """This instance's link to the shared remote; install with ``attach()``."""

    def __init__(self, repo: GitRepository, url: str, *, timeout: float = 30.0) -> None:
        if not url or url.startswith("-"):
            raise ValueError(f"Not a git remote: {url!r}")
        self.repo = repo
        self.url = url
        self.timeout = timeout
        # Called with the local refs that followed the remote (to refresh derived data).
        self.listeners: list[Callable[[list[str]], None]] = []

    def attach(self) -> None:
        """Publish every ref move from now on, after bringing both sides level.

        When the remote does not answer, a copy with pages still serves reads (and saves
        fail clearly until it answers); an empty copy has nothing to serve, so that raises.
        """
        self.repo.publisher = self.publish
        try:
            self.sync()
        except RemoteUnavailable:
            if self.repo.head() is None:
                raise
            log.warning("the shared remote %s does not answer; serving the local copy", self.url)

    # -- publishing -----------------------------------------------------------------------

    def publish(self, name: str, new: str | None, old: str | None) -> bool:
        """Move ``name`` on the remote from ``old`` to ``new`` (None: delete it); False when it had moved there
        (this instance has then fetched it).  Raises ``RemoteUnavailable``.  Hold ``writer()``."""
        if self._push(name, new, old):
            published = _PUBLISHED.get()
            if published is not None and new is not None:
                published.append(new)
            return True
        self._sync()
        if self._remote_value(name) == old:  # refused, but not because someone else moved it
            raise RemoteUnavailable(UNREACHABLE)
        log.info("another instance moved %s first; following it", name)
        return False

    def _push(self, name: str, new: str | None, old: str | None) -> bool:
        """True when the remote took the move; False when it refused it (the lease was stale,
        or the ref moved while it was being taken); ``RemoteUnavailable`` when it did not answer."""
        answer = self.repo.push_to(self.url, name, new, old, self.timeout)
        if answer.done:
            return True
        if answer.refused:
            return False
        log.warning("push of %s to the shared remote failed: %s", name, answer.reason)
        raise RemoteUnavailable(UNREACHABLE)

    # -- following ------------------------------------------------------------------------

    def sync(self) -> list[str]:
        """Fetch the remote and bring local refs level with it; returns the refs that moved
        here.  Raises ``RemoteUnavailable``; reads go on from the local copy meanwhile."""
        with self.repo.writer():
            return self._sync()

    def _sync(self) -> list[str]:
        specs = [f"+{space}*:{STAGING}{space[5:]}*" for space in NAMESPACES]
        answer = self.repo.fetch_from(self.url, specs, self.timeout)
        if not answer.done:
            log.warning("fetch from the shared remote failed: %s", answer.reason)
            raise RemoteUnavailable(UNREACHABLE)
        remote = {"refs/" + name[len(STAGING) :]: sha for name, sha in self.repo.refs(STAGING).items()}
        local = {name: sha for space in NAMESPACES for name, sha in self.repo.refs(space).items()}
        followed = []
        for name in sorted(remote.keys() | local.keys()):
            theirs, ours = remote.get(name), local.get(name)
            if theirs == ours:
                continue
            if theirs is None and ours is not None and name.startswith(DELETED_ON_REMOTE):
                if self.repo.forget_ref(name, ours):
                    followed.append(name)
                continue
            if theirs is None or (ours is not None and self.repo.is_ancestor(theirs, ours)):
                assert ours is not None
                # Made before replication started, or by git outside the wiki; a refusal is
                # left to the next sync.
                self._push(name, ours, theirs)
                continue
            if ours is not None and not self.repo.is_ancestor(ours, theirs):
                log.warning("%s went two ways; the remote's is kept, ours is under %s", name, DIVERGED)
                self.repo.set_aside(DIVERGED + name[5:], ours)
            moved = (
                self.repo.move_branch(theirs, ours, publish=False)
                if name == self.repo.branch
                else self.repo.move_ref(name, theirs, ours, publish=False)
            )
            if moved:
                followed.append(name)
        if followed:
            for listener in self.listeners:
                listener(followed)
        return followed

    def _remote_value(self, name: str) -> str | None:
        """What the last fetch saw of ``name`` on the remote."""
        return self.repo.refs(STAGING + name[5:]).get(STAGING + name[5:])

    def commits_behind(self) -> int:
        """Commits the remote's branch had at the last fetch that this copy's branch lacks:
        how far behind the shared remote this instance serves (0 once level)."""
        theirs, ours = self._remote_value(self.repo.branch), self.repo.head()
        return 0 if theirs is None or theirs == ours else self.repo.count_between(ours, theirs)

    def has_object(self, sha: str) -> bool:
        """True when this copy holds the object ``sha`` (a commit or a tag)."""
        return self.repo.has_object(sha)


@contextmanager
def recording_publishes() -> Iterator[list[str]]:
    """Collect the objects this context publishes to the remote, in order: a thread-pool call
    made from it runs in a copy of the context that shares the list, so a request hears of
    its own saves and of no one else's."""
    published: list[str] = []
    token = _PUBLISHED.set(published)
    try:
        yield published
    finally:
        _PUBLISHED.reset(token)
