"""Downloads built one at a time in a child process, each at most once however many ask.

Building the static site renders every page: seconds of CPU under the GIL, which in the serving
process starved every page view (0.26x while it ran).  So the build runs as ``wiki export build``
in a child process with a lower priority (``store.tools.WikiChild``), started by one builder
thread that takes the queued builds in turn.  Requests for a file being built wait on the same
``Future`` (a concurrent one, so any event loop can await it), holding no thread while they wait;
the child writes the file whole or not at all (``store.exportfiles``) and the next request for
that commit reads it.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from wiki.errors import N_, Busy, StoreUnavailable
from wiki.store.exportfiles import ExportFolder
from wiki.store.tools import ChildEnd, WikiChild

log = logging.getLogger(__name__)
#: How much kinder than the server the child is: the kindest there is (it still takes idle CPU).
NICENESS = 19
#: A build that takes longer than this is stopped (the 2,000-page site takes about 6 s).
BUILD_SECONDS = 600.0
#: Builds under way or waiting at most; one more is refused (each distinct download is a build,
#: and without ``WIKI_PUBLIC_URL`` the address the site names comes from the request).
AT_MOST = 8
#: Files kept per commit and kind: a site for each of a few addresses the wiki is reached at.
SHAPES_KEPT = 4


@dataclass(frozen=True, slots=True)
class ExportJob:
    """One file to build: the download ``kind`` of ``commit`` into ``file``; ``source`` is the
    wiki's public address the static site names, ``shape`` a hash of what shapes it besides."""

    kind: str
    commit: str
    source: str
    shape: str
    file: Path


class ExportBuilds:
    """The builds under way or waiting, by file; one builder thread runs them one at a time."""

    def __init__(self, folder: ExportFolder, git_dir: Path, kept: Callable[[], set[str]]) -> None:
        self.folder = folder
        self.git_dir = git_dir
        self.kept = kept
        self._lock = threading.Lock()
        self._under_way: dict[Path, Future[bytes]] = {}
        self._queue: queue.SimpleQueue[ExportJob | None] = queue.SimpleQueue()
        self._builder: threading.Thread | None = None
        self._child: WikiChild | None = None
        self._closed = False

    def ready_or_building(self, job: ExportJob) -> bytes | Future[bytes]:
        """The file's bytes when it is built, else the build's future (joined when one is under
        way, queued otherwise).  Called in the thread pool: it reads the file."""
        data = self.folder.read(job.file)
        if data is not None:
            return data
        with self._lock:
            building = self._under_way.get(job.file)
            if building is not None:
                log.info("export %s of %s: waiting for the build under way", job.kind, job.commit[:12])
                return building
            data = self.folder.read(job.file)  # finished between the first look and the lock
            if data is not None:
                return data
            if self._closed:
                raise StoreUnavailable(N_("The wiki is shutting down; try again in a moment."))
            if len(self._under_way) >= AT_MOST:
                raise Busy(N_("Many downloads are being made right now. Try again in a minute."))
            building = Future()
            building.set_running_or_notify_cancel()  # a waiter that goes away cancels nothing
            self._under_way[job.file] = building
            self._queue.put(job)
            if self._builder is None:
                self._builder = threading.Thread(target=self._work, name="export-builder", daemon=True)
                self._builder.start()
            return building

    def close(self) -> None:
        """Stop the child under way (its part file is removed) and the builder thread."""
        with self._lock:
            self._closed = True
            child, builder = self._child, self._builder
        if child is not None:
            child.kill()
        self._queue.put(None)
        if builder is not None:
            builder.join(timeout=10)

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            data: bytes | None = None
            failure: BaseException | None = None
            try:
                data = self._build(job)
            except BaseException as error:  # every waiter hears of it; the next request tries again
                failure = error
            with self._lock:  # gone first: a request from now on reads the file or builds anew
                building = self._under_way.pop(job.file)
            if data is not None:
                building.set_result(data)
            else:
                building.set_exception(failure or RuntimeError("no export built"))

    def _build(self, job: ExportJob) -> bytes:
        args = ["export", "build", "--repo", str(self.git_dir), "--kind", job.kind, "--commit", job.commit]
        args += ["--source", job.source, "--out", str(job.file)]
        with self._lock:
            if self._closed:
                raise StoreUnavailable(N_("The wiki is shutting down; try again in a moment."))
        child = WikiChild(args, NICENESS)
        with self._lock:
            self._child = child
            if self._closed:  # ``close`` came before the child was known to it
                child.kill()
        try:
            end = child.finish(BUILD_SECONDS)
        finally:
            with self._lock:
                self._child = None
        if end.returncode != 0:
            self.folder.forget_part(job.file, child.pid)
            raise _failure(job, end)
        report = report_of(end)
        log.info(
            "export %s of %s built: %s pages in %s s at niceness %s",
            job.kind, job.commit[:12], report.get("pages"), report.get("seconds"), report.get("niceness"),
        )  # fmt: skip
        data = self.folder.read(job.file)
        self.folder.clean(job.kind, self.kept() | {job.commit}, SHAPES_KEPT)
        if data is None:
            raise _failure(job, ChildEnd(0, end.stdout, "the child wrote no file"))
        return data


def report_of(end: ChildEnd) -> dict[str, object]:
    """What a finished child said of its build (``BuildReport`` as JSON on its last line)."""
    lines = end.stdout.strip().splitlines()
    report: dict[str, object] = json.loads(lines[-1]) if lines else {}
    return report


def _failure(job: ExportJob, end: ChildEnd) -> StoreUnavailable:
    """The error a person sees (in their language) for a build that failed; the child's own
    words go to the log, for whoever runs the wiki."""
    log.error(
        "export %s of %s failed (exit status %s): %s", job.kind, job.commit[:12], end.returncode, end.stderr.strip()
    )
    if end.returncode < 0:
        return StoreUnavailable(N_("Making the download was stopped before it was ready. Try again in a moment."))
    return StoreUnavailable(
        N_("The download could not be made. Try again later; if it keeps failing, tell a maintainer.")
    )
