"""What an operator's Prometheus reads: counters moved as things happen, gauges read when scraped.

Counters (requests, changes, merges, conflicts, git maintenance) are moved where the wiki
learns of the event: the change stream reports every change with its kind, the editing
service its outcome, the repository each maintenance run, the web layer each answer.
Gauges of shared state (proposals by state, the mail queue, how far the index and this copy
are behind) are read from the repository and the database at scrape time, in the thread pool.

With several worker processes each has its own counters: when ``PROMETHEUS_MULTIPROC_DIR``
names a folder (empty at start-up), the client library keeps every process's values there and
a scrape adds them up, whichever worker answers it.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter as Tally
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from wiki.models import SaveResult
from wiki.services.pages import PageService
from wiki.services.proposal_records import STATUSES, RecordStore
from wiki.services.replication import ReplicationService
from wiki.store.changes import Change, ChangeKind
from wiki.store.database import Database

#: The variable that switches the client library to its multiprocess mode (read at its import).
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
#: Seconds a request may take, as the latency histogram's buckets: a kept page is ~1 ms, a save ~50 ms.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The wiki's own counters, in a registry of this site (tests open many sites)."""

    def __init__(self, gauges: Collector | None = None) -> None:
        self.registry = CollectorRegistry()  # (no auto_describe: that would scrape the gauges at start-up)
        self.gauges = gauges
        into = self.registry
        self.requests = Counter(
            "wiki_http_requests",
            "HTTP requests answered, by route template (never the raw address), method and status",
            ("route", "method", "status"),
            registry=into,
        )
        self.latency = Histogram(
            "wiki_http_request_duration_seconds",
            "Seconds from a request's arrival to its answer, by route template",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=into,
        )
        self.changes = Counter(
            "wiki_changes",
            "Changes to the content: written here (origin wiki, saves) or taken in from elsewhere, by kind",
            ("kind", "origin"),
            registry=into,
        )
        self.merges = Counter(
            "wiki_merges",
            "Merges: saves merged with a change made meanwhile (edit), proposals accepted (proposal)",
            ("what",),
            registry=into,
        )
        self.conflicts = Counter(
            "wiki_edit_conflicts", "Saves that overlapped a change made meanwhile (the conflict screen)", registry=into
        )
        self.maintenance = Counter(
            "wiki_git_maintenance_runs",
            "git maintenance runs (gc, commit-graph), by outcome",
            ("outcome",),
            registry=into,
        )
        self.kept_pages = Gauge(
            "wiki_kept_pages", "Pages kept whole for anonymous readers", multiprocess_mode="livesum", registry=into
        )
        if gauges is not None:
            into.register(gauges)

    def heard(self, change: Change) -> None:
        """A change on the stream (subscribed in ``open_site``): counted by kind and origin."""
        self.changes.labels(change.kind.value, change.origin.value).inc()
        if change.kind is ChangeKind.PROPOSAL_ACCEPTED:
            self.merges.labels("proposal").inc()

    def saved(self, result: SaveResult) -> None:
        """A save through the editing service (the editor, the API): counted when it merged."""
        if result.merged:
            self.merges.labels("edit").inc()

    def conflicted(self) -> None:
        """A save through the editing service that overlapped a change made meanwhile."""
        self.conflicts.inc()

    def maintained(self, done: bool) -> None:
        """One git maintenance run ended (``done``: it succeeded)."""
        self.maintenance.labels("done" if done else "failed").inc()

    def answered(self, route: str, method: str, status: int, seconds: float) -> None:
        """One HTTP answer; ``route`` is the route's template, so label values stay few."""
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def process_ended(self) -> None:
        """In the multiprocess mode, leave this process's live gauges (kept pages) out of the
        sums from now on: a worker of ``wiki serve --workers`` that stopped keeps nothing."""
        folder = os.environ.get(MULTIPROCESS)
        if folder:
            mark_process_dead(os.getpid(), folder)  # type: ignore[no-untyped-call]

    def exposition(self) -> bytes:
        """Everything in the Prometheus text format; reads git and the database (thread pool)."""
        folder = os.environ.get(MULTIPROCESS)
        if not folder:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, folder)  # type: ignore[no-untyped-call]
        if self.gauges is not None:
            registry.register(self.gauges)
        return generate_latest(registry)


class SiteGauges(Collector):
    """Gauges of state every instance shares, read at scrape time."""

    def __init__(
        self, pages: PageService, records: RecordStore, database: Database, replication: ReplicationService
    ) -> None:
        self.pages = pages
        self.records = records
        self.database = database
        self.replication = replication
        self._lock = threading.Lock()
        self._proposals: tuple[frozenset[tuple[str, str, str]], dict[str, int]] | None = None

    def collect(self) -> Iterator[Metric]:
        proposals = GaugeMetricFamily("wiki_proposals", "Proposals by state", labels=("state",))
        for state, count in self.proposal_states().items():
            proposals.add_metric((state,), count)
        yield proposals
        queue = self.database.queue_state(time.time(), shown=0)
        mail = GaugeMetricFamily(
            "wiki_mail_queue", "Mails waiting in the outbox (failed: tried and waiting again)", labels=("state",)
        )
        mail.add_metric(("pending",), queue.pending)
        mail.add_metric(("failed",), queue.failed)
        yield mail
        repo = self.pages.repo
        head = repo.head()
        indexed = self.pages.index.indexed_head
        behind = 0 if head is None or head == indexed else repo.count_between(indexed, head)
        yield GaugeMetricFamily(
            "wiki_index_commits_behind", "Commits on the branch the page index has not taken in", value=behind
        )
        yield from self._replica()

    def _replica(self) -> Iterable[Metric]:
        replica = self.replication.replica
        if replica is None:
            return
        yield GaugeMetricFamily(
            "wiki_replica_commits_behind",
            "Commits the shared remote had at the last fetch that this copy lacks",
            value=replica.commits_behind(),
        )
        yield GaugeMetricFamily(
            "wiki_replica_seconds_since_sync",
            "Seconds since the last fetch from the shared remote that succeeded",
            value=max(0.0, time.time() - self.replication.synced_at),
        )

    def proposal_states(self) -> dict[str, int]:
        """How many proposals are in each state, counted again only when a record moved."""
        every = frozenset(self.records.every())
        with self._lock:
            if self._proposals is not None and self._proposals[0] == every:
                return self._proposals[1]
        tally = Tally(self.records.at(commit, frozenset()).status for _number, _head, commit in every)
        counts = {state: tally.get(state, 0) for state in STATUSES}
        with self._lock:
            self._proposals = (every, counts)
        return counts
