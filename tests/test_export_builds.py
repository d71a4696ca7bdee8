"""Downloads are built in a niced child process, once per commit, and read from a file after:
the second request spawns nothing, two at once share one build, a new commit makes a new file,
and a build that fails or is killed leaves no file and says so in the person's language."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

import httpx2
import pytest
from starlette.testclient import TestClient

from wiki.errors import Busy, StoreUnavailable
from wiki.models import Author
from wiki.services import export_builds
from wiki.services.export_builds import AT_MOST, NICENESS, SHAPES_KEPT, ExportJob, report_of
from wiki.services.export_html import ExportHtml
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.store.exportfiles import ExportFolder, part_of
from wiki.store.tools import ChildEnd, WikiChild

ANNA = Author("Anna", "anna@users.wiki.invalid")
PAGE = "neem-initiatief"
#: Long enough for a real child on a busy machine; the events below are what the tests wait for.
WAIT = 120.0


class Children:
    """Every child a build starts, and how each ended; optionally each one held until released
    or killed as soon as it runs."""

    def __init__(self, *, hold: bool = False, kill: bool = False) -> None:
        self.started: list[WikiChild] = []
        self.ended: list[ChildEnd] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.kill = kill

    def __call__(self, args: list[str], niceness: int) -> WikiChild:
        self.entered.set()
        assert self.release.wait(WAIT)
        children = self

        class Counted(WikiChild):
            def finish(self, timeout: float) -> ChildEnd:
                if children.kill:
                    self.kill()
                end = super().finish(timeout)
                children.ended.append(end)
                return end

        child = Counted(args, niceness)
        self.started.append(child)
        return child


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> Children:
    counted = Children()
    monkeypatch.setattr(export_builds, "WikiChild", counted)
    return counted


def files_in(site: Site) -> list[str]:
    """Everything in the folder of built downloads, part files included."""
    folder = site.export.folder.path
    return sorted(entry.name for entry in folder.iterdir()) if folder.is_dir() else []


def names_in(data: bytes) -> set[str]:
    return set(zipfile.ZipFile(io.BytesIO(data)).namelist())


def save(site: Site, text: str) -> str:
    page = site.pages.get(PAGE)[0]
    return site.pages.save(EditRequest(PAGE, page.text + text, page.revision, "", ANNA)).revision


def test_the_second_download_of_a_commit_reads_the_file_and_starts_no_build(
    client: TestClient, site: Site, children: Children, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []

    def render_here(*args: object) -> str:
        rendered.append("in the request")
        return ""

    monkeypatch.setattr(ExportHtml, "render", render_here)
    first = client.get("/export/site.zip")
    assert first.status_code == 200
    assert "principes/p/neem-initiatief.html" in names_in(first.content)
    assert len(children.started) == 1
    assert rendered == []  # rendered in the child, never in the serving process
    [built] = files_in(site)
    assert built.startswith(f"site-{site.repo.head()}-")
    second = client.get("/export/site.zip")
    assert second.content == first.content
    assert len(children.started) == 1
    markdown = client.get("/export/markdown.zip")
    assert "principes/neem-initiatief.md" in names_in(markdown.content)
    assert client.get("/export/markdown.zip").content == markdown.content
    assert len(children.started) == 2  # one build per kind


def test_two_downloads_at_once_share_one_build(client: TestClient, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    children = Children(hold=True)
    monkeypatch.setattr(export_builds, "WikiChild", children)
    joined = threading.Event()

    class Joins(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "waiting for the build under way" in record.getMessage():
                joined.set()

    handler = Joins()
    logger = logging.getLogger(export_builds.__name__)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    answers: list[httpx2.Response] = []

    def download() -> None:
        answers.append(client.get("/export/site.zip"))

    first = threading.Thread(target=download)
    second = threading.Thread(target=download)
    try:
        first.start()
        assert children.entered.wait(WAIT)  # the first request's build is under way (held)
        second.start()
        assert joined.wait(WAIT)  # the second request waits for that same build
    finally:
        children.release.set()
        first.join(WAIT)
        second.join(WAIT)
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].content == answers[1].content
    assert len(children.started) == 1


def test_a_new_commit_makes_a_new_file_and_the_old_one_goes(client: TestClient, site: Site, children: Children) -> None:
    before = client.get("/export/site.zip").content
    old = site.repo.head()
    new = save(site, "\nEen nieuwe zin.\n")
    after = client.get("/export/site.zip")
    assert len(children.started) == 2
    assert after.content != before
    assert b"Een nieuwe zin." in zipfile.ZipFile(io.BytesIO(after.content)).read("principes/p/neem-initiatief.html")
    assert [name.split("-")[1] for name in files_in(site)] == [new]
    assert old != new


def test_a_named_version_keeps_its_file_next_to_the_current_one(
    client: TestClient, site: Site, children: Children
) -> None:
    version = site.versions.name_current("Versie 1.0", ANNA).revision
    save(site, "\nNa versie 1.0.\n")
    assert client.get("/export/markdown.zip?version=versie-1.0").status_code == 200
    assert client.get("/export/markdown.zip").status_code == 200
    assert {name.split("-")[1] for name in files_in(site)} == {version, site.repo.head()}
    assert client.get("/export/markdown.zip?version=versie-1.0").status_code == 200
    assert len(children.started) == 2


def test_the_child_runs_niced(client: TestClient, children: Children) -> None:
    assert client.get("/export/markdown.zip").status_code == 200
    [end] = children.ended
    assert report_of(end)["niceness"] == min(19, os.nice(0) + NICENESS)


def test_a_killed_build_leaves_no_file_and_says_so(
    client: TestClient, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    killing = Children(kill=True)
    monkeypatch.setattr(export_builds, "WikiChild", killing)
    answer = client.get("/export/site.zip", headers={"Accept-Language": "nl"})
    assert answer.status_code == 503
    assert "Het maken van de download is gestopt voordat hij klaar was" in answer.text
    assert killing.ended[0].returncode < 0
    assert files_in(site) == []
    monkeypatch.setattr(export_builds, "WikiChild", Children())
    assert client.get("/export/site.zip").status_code == 200  # the next request builds it after all


def test_a_failing_build_says_so_in_the_persons_language(
    client: TestClient, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Children()

    def on_a_commit_that_is_not_there(args: list[str], niceness: int) -> WikiChild:
        return original([*args[: args.index("--commit") + 1], "0" * 40, *args[args.index("--commit") + 2 :]], niceness)

    monkeypatch.setattr(export_builds, "WikiChild", on_a_commit_that_is_not_there)
    dutch = client.get("/export/markdown.zip", headers={"Accept-Language": "nl"})
    assert dutch.status_code == 503
    assert "De download kon niet worden gemaakt" in dutch.text
    english = client.get("/export/markdown.zip", headers={"Accept-Language": "en"})
    assert "The download could not be made" in english.text
    assert original.ended[0].returncode == 1
    assert files_in(site) == []


def test_what_a_gone_writer_left_is_cleaned_up_by_the_next_build(client: TestClient, site: Site) -> None:
    ended = subprocess.Popen(["true"])  # a process that has ended, for an id no one has
    ended.wait()
    left = part_of(site.export.folder.file_of("site", "0" * 40, "0" * 16), ended.pid)
    left.parent.mkdir(parents=True)
    left.write_bytes(b"PK\x03\x04 half a zip")
    assert client.get("/export/site.zip").status_code == 200
    assert not left.exists()
    assert all(name.endswith(".zip") and not name.startswith(".") for name in files_in(site))


def test_a_file_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    folder = ExportFolder(tmp_path / "exports")
    target = folder.file_of("site", "a" * 40, "b" * 16)

    def half(out: BinaryIO) -> None:
        out.write(b"PK half")
        raise OSError("disk gone")

    def whole(out: BinaryIO) -> None:
        out.write(b"whole")

    with pytest.raises(OSError, match="disk gone"):
        folder.write(target, half)
    assert list(folder.path.iterdir()) == []
    folder.write(target, whole)
    assert target.read_bytes() == b"whole"
    assert [entry.name for entry in folder.path.iterdir()] == [target.name]


@pytest.fixture(autouse=True)
def _no_children_left(site: Site) -> Iterator[None]:
    """Why: a test that ends while a build runs must not leave its child behind."""
    yield
    site.export.close()


def test_more_builds_than_the_bound_are_refused_until_one_is_done(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    held = Children(hold=True, kill=True)
    monkeypatch.setattr(export_builds, "WikiChild", held)
    head = site.repo.head()
    assert head is not None

    def job(number: int) -> ExportJob:
        shape = f"{number:016x}"
        return ExportJob(
            "site", head, f"http://host-{number}.example", shape, site.export.folder.file_of("site", head, shape)
        )

    waiting = [site.export.builds.ready_or_building(job(number)) for number in range(AT_MOST)]
    assert all(isinstance(future, Future) for future in waiting)
    with pytest.raises(Busy):
        site.export.builds.ready_or_building(job(AT_MOST))
    held.release.set()
    for future in waiting:
        assert isinstance(future, Future)
        with pytest.raises(StoreUnavailable):
            future.result(WAIT)
    assert isinstance(site.export.builds.ready_or_building(job(AT_MOST)), Future)


def test_a_few_addresses_keep_their_own_site_and_no_more(client: TestClient, site: Site, children: Children) -> None:
    for number in range(SHAPES_KEPT + 1):
        answer = client.get("/export/site.zip", headers={"Host": f"wiki-{number}.example"})
        assert f"http://wiki-{number}.example/".encode() in zipfile.ZipFile(io.BytesIO(answer.content)).read(
            "principes/index.html"
        )
    assert len(children.started) == SHAPES_KEPT + 1
    assert len(files_in(site)) == SHAPES_KEPT
