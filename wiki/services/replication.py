"""Following the shared remote: fetches on an interval and on a webhook, and what they refresh.

A replica's own saves publish themselves (``wiki.store.replica``); this service is the
other direction.  When refs moved here because another instance changed them, the
derived data follows: the page index catches up with main, and proposals whose
record moved are indexed for search again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Mapping

from wiki.numbers import is_whole_number
from wiki.services.pages import PageService
from wiki.services.proposals import RECORDS, ProposalService
from wiki.store.replica import Replica

log = logging.getLogger(__name__)


class ReplicationService:
    """The link to the shared remote, or none (a single instance)."""

    def __init__(
        self, replica: Replica | None, pages: PageService, proposals: ProposalService, hook_secret: str
    ) -> None:
        self.replica = replica
        self.pages = pages
        self.proposals = proposals
        self.hook_secret = hook_secret
        # Wall-clock time the last successful fetch started: what it surely includes.
        self.synced_at = time.time() if replica is not None else 0.0
        self._sync_lock = threading.Lock()
        if replica is not None:
            replica.listeners.append(self._refresh)

    @property
    def enabled(self) -> bool:
        """True when this instance shares a remote."""
        return self.replica is not None

    def sync(self) -> list[str]:
        """Fetch now; returns the refs that moved here.  ``RemoteUnavailable`` when it cannot."""
        if self.replica is None:
            return []
        started = time.time()
        moved = self.replica.sync()
        self.synced_at = max(self.synced_at, started)
        return moved

    def sync_since(self, moment: float) -> None:
        """Make sure this copy includes what any instance published before ``moment`` (a wall
        clock time), fetching unless a fetch started after it; concurrent callers share one."""
        if self.replica is None or self.synced_at >= moment:
            return
        with self._sync_lock:
            if self.synced_at < moment:
                self.sync()

    def _refresh(self, refs: list[str]) -> None:
        """Called holding the writer lock, right after refs followed the remote."""
        if self.pages.repo.branch in refs:
            self.pages.index.catch_up()
        for ref in refs:
            number = ref.removeprefix(RECORDS)
            if ref.startswith(RECORDS) and is_whole_number(number):
                self.proposals.index_for_search(int(number))

    def authentic(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when a webhook carries the shared secret, in any of the forms forges send:
        ``Authorization: Bearer``, GitLab's ``X-Gitlab-Token``, or an HMAC-SHA256 of the
        body (Gitea's ``X-Gitea-Signature``, GitHub's ``X-Hub-Signature-256``)."""
        secret = self.hook_secret
        if not secret:
            return False
        given = [headers.get("x-gitlab-token", "")]
        bearer = headers.get("authorization", "")
        if bearer[:7].lower() == "bearer ":
            given.append(bearer[7:].strip())
        if any(hmac.compare_digest(value.encode(), secret.encode()) for value in given if value):
            return True
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        github = headers.get("x-hub-signature-256", "").removeprefix("sha256=")
        signatures = [headers.get("x-gitea-signature", ""), github]
        return any(hmac.compare_digest(value.lower().encode(), digest.encode()) for value in signatures if value)
