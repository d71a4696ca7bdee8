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
import re
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from wiki.numbers import is_whole_number
from wiki.services.pages import PageService
from wiki.services.proposal_records import RECORDS
from wiki.services.proposals import ProposalService
from wiki.store.replica import Replica, recording_publishes

log = logging.getLogger(__name__)

# The seal purpose of a write mark: no signature made for another use passes for one.
WRITE_MARK = "replica-write"
_MARK = re.compile(r"([0-9a-f]{40}|[0-9a-f]{64})-([0-9]{1,12}\.[0-9]{3})-([0-9a-f]{64})")


class Sealer(Protocol):
    """Signs values the browser carries back (``AccountService`` does, with the site's key)."""

    def seal(self, purpose: str, value: str) -> str: ...

    def sealed(self, purpose: str, value: str, signature: str) -> bool: ...


@dataclass(frozen=True)
class HookProof:
    """What a webhook offers as proof it knows the shared secret, however its forge sends it
    (the web layer reads the headers): secrets sent as they are (``tokens``), and hex
    HMAC-SHA256 signatures of ``body`` (``signatures``)."""

    tokens: tuple[str, ...]
    signatures: tuple[str, ...]
    body: bytes


@dataclass(frozen=True)
class WriteMark:
    """A save this site acknowledged: the object it published and the wall-clock time after it."""

    revision: str
    moment: float


class ReplicationService:
    """The link to the shared remote, or none (a single instance)."""

    def __init__(
        self,
        replica: Replica | None,
        pages: PageService,
        proposals: ProposalService,
        hook_secret: str,
        sealer: Sealer | None = None,
    ) -> None:
        self.replica = replica
        self.sealer = sealer
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

    # -- following one's own writes -------------------------------------------------------

    def recording(self) -> AbstractContextManager[list[str]]:
        """Collect what the saves made in this context (and its thread-pool calls) published."""
        return recording_publishes()

    def write_mark(self, revision: str) -> str:
        """A signed mark of a save that published ``revision`` now: the browser carries it, so
        the next replica it reaches fetches once before serving it (see ``catch_up_with``)."""
        if self.sealer is None:
            return ""
        value = f"{revision}-{time.time():.3f}"
        return f"{value}-{self.sealer.seal(WRITE_MARK, value)}"

    def read_mark(self, mark: str, lifetime: float) -> WriteMark | None:
        """The save a mark stands for, or None when it was not made by a site sharing this
        one's key (forged, altered), or is older than ``lifetime`` seconds (the interval
        fetch has brought it by then).  No git work: safe to call for every request."""
        found = _MARK.fullmatch(mark) if self.sealer is not None and len(mark) <= 200 else None
        if found is None or self.sealer is None:
            return None
        revision, moment, signature = found.groups()
        if not self.sealer.sealed(WRITE_MARK, f"{revision}-{moment}", signature):
            return None
        now = time.time()
        when = float(moment)
        if when < now - lifetime or when > now + 60:  # stale, or from a clock far ahead
            return None
        return WriteMark(revision, min(when, now))  # slightly ahead: another machine's clock

    def catch_up_with(self, mark: WriteMark) -> bool:
        """Fetch before serving someone who just saved, unless this copy already has what they
        saved or a fetch started after their save: at most one fetch per save, however often
        the mark comes back.  True when it fetched."""
        if self.replica is None or self.synced_at >= mark.moment or self.replica.has_object(mark.revision):
            return False
        with self._sync_lock:
            if self.synced_at >= mark.moment:
                return False
            self.sync()
            return True

    def _refresh(self, refs: list[str]) -> None:
        """Called holding the writer lock, right after refs followed the remote."""
        if self.pages.repo.branch in refs:
            self.pages.index.catch_up()
        for ref in refs:
            number = ref.removeprefix(RECORDS)
            if ref.startswith(RECORDS) and is_whole_number(number):
                self.proposals.index_for_search(int(number))

    def authentic(self, proof: HookProof) -> bool:
        """True when a webhook carries the shared secret: as one of its tokens, or as the
        HMAC-SHA256 of its body one of its signatures holds."""
        secret = self.hook_secret
        if not secret:
            return False
        if any(hmac.compare_digest(token.encode(), secret.encode()) for token in proof.tokens if token):
            return True
        digest = hmac.new(secret.encode(), proof.body, hashlib.sha256).hexdigest()
        return any(hmac.compare_digest(value.lower().encode(), digest.encode()) for value in proof.signatures if value)
