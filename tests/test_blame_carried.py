"""Blame carried forward in the index as commits come in says, line for line, what
``git blame`` says: on a generated history with edits, repeated and blank lines, renames,
deletes and re-creations, merges of side branches (clean, taking the side's file whole, side
branches brought up to date with main, and a merge that changes a line itself)."""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from wiki.models import Author
from wiki.names import page_file
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.store import blameindex
from wiki.store.changes import ChangeStream
from wiki.store.git.repository import GitRepository
from wiki.store.indexfile import IndexFile
from wiki.store.pageindex import PageIndex

WORDS = ["Het team", "De gemeente", "Een vrijwilliger", "Onze afdeling", "Het bestuur", "De beheerder"]
VERBS = ["plant", "test", "bewaart", "opent", "regelt"]
AUTHOR = Author("Anna", "anna@example.nl")
THINGS = ["de brug.", "de training.", "de markt.", "het plan.", "de agenda."]


def _line(rng: random.Random) -> str:
    # Few distinct lines, many blank ones: pairing them is ambiguous, so only git's pairing agrees.
    if rng.random() < 0.25:
        return ""
    if rng.random() < 0.2:
        return "- " + rng.choice(THINGS)
    return f"{rng.choice(WORDS)} {rng.choice(VERBS)} {rng.choice(THINGS)}"


class History:
    """A work tree of pages, committed with plain git; every commit has its own author and an
    author time that differs from its commit time (blame names the author's)."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.count = 0
        root.mkdir(parents=True)
        self._git("init", "-q", "-b", "main")

    def _git(self, *args: str) -> str:
        when = 1_700_000_000 + self.count * 100
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": f"Schrijver {self.count % 5}",
            "GIT_AUTHOR_EMAIL": f"s{self.count % 5}@example.nl",
            "GIT_AUTHOR_DATE": f"{when} +0000",
            "GIT_COMMITTER_NAME": "Beheer",
            "GIT_COMMITTER_EMAIL": "beheer@example.nl",
            "GIT_COMMITTER_DATE": f"{when + 7} +0000",
        }
        done = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True, check=True, text=True)
        return done.stdout

    def lines(self, name: str) -> list[str]:
        return (self.root / page_file(name)).read_text().splitlines()

    def write(self, name: str, lines: list[str]) -> None:
        path = self.root / page_file(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")

    def commit(self, message: str) -> None:
        self.count += 1
        self._git("add", "-A")
        self._git("commit", "-q", "--allow-empty", "-m", message)

    def edit(self, name: str) -> None:
        lines = self.lines(name)
        for _ in range(self.rng.randint(1, 3)):
            at = self.rng.randint(0, len(lines))
            kind = self.rng.random()
            if kind < 0.4 or not lines:
                lines[at:at] = [_line(self.rng) for _ in range(self.rng.randint(1, 3))]
            elif kind < 0.7:
                del lines[min(at, len(lines) - 1)]
            else:
                lines[min(at, len(lines) - 1)] = _line(self.rng)
        self.write(name, lines)
        self.commit(f"Bewerkt: {name}")

    def git(self, *args: str) -> str:
        self.count += 1
        return self._git(*args)


def generate(root: Path, seed: int = 19, steps: int = 36) -> History:
    """Edits, a rename, a delete and a re-creation, and merges of every kind on ``main``."""
    history = History(root, seed)
    names = ["een", "twee", "map/drie"]
    for name in names:
        history.write(name, [f"# {name}", ""] + [_line(history.rng) for _ in range(12)])
    history.commit("Begin")
    for step in range(steps):
        name = history.rng.choice(names)
        if step == 8:  # a rename with an edit
            lines = history.lines("twee")
            history.git("mv", page_file("twee"), page_file("map/vier"))
            history.write("map/vier", [*lines, "Nieuw na het hernoemen."])
            history.commit("Hernoemd")
            names[names.index("twee")] = "map/vier"
        elif step == 14:  # deleted, then made again from scratch
            history.git("rm", "-q", page_file("een"))
            history.commit("Weg")
            history.write("een", ["# een", "", "Opnieuw begonnen.", "", "- de brug."])
            history.commit("Terug")
        elif step % 6 == 5:  # a proposal: a side branch merged with the side as second parent
            history.git("checkout", "-q", "-b", f"voorstel-{step}")
            history.edit(name)
            history.edit(name)
            history.git("checkout", "-q", "main")
            if step % 12 == 11:  # main moves on meanwhile, and the proposal is brought up to date
                other = history.lines(name)
                history.write(name, ["Bovenaan erbij.", *other])
                history.commit("Bovenaan")
                history.git("checkout", "-q", f"voorstel-{step}")
                history.git("merge", "-q", "--no-ff", "-X", "theirs", "-m", "Bijgewerkt", "main")
                history.edit(name)
                history.git("checkout", "-q", "main")
            history.git("merge", "-q", "--no-ff", "-X", "theirs", "--no-commit", f"voorstel-{step}")
            if step == 17:  # the merge changes a line of its own
                lines = history.lines(name)
                lines[0] = "Door de beheerder bij het samenvoegen."
                history.write(name, lines)
            history.commit(f"Voorstel {step} aangenomen")
        else:
            history.edit(name)
    return history


@dataclass
class Indexed:
    history: History
    repo: GitRepository
    index: PageIndex


@pytest.fixture
def indexed(tmp_path: Path) -> Iterator[Indexed]:
    history = generate(tmp_path / "wiki")
    repo = GitRepository(tmp_path / "wiki")
    file = IndexFile(tmp_path / "index.sqlite")
    yield Indexed(history, repo, PageIndex(file, repo, ChangeStream()))
    file.close()
    repo.close()


def _git_blame(repo: GitRepository, revision: str, name: str) -> list[tuple[str, str, str, int]]:
    return [(line.revision, line.author, line.email, line.date) for line in repo.blame(revision, page_file(name))]


def _carried(index: PageIndex, name: str, seq: int) -> list[tuple[str, str, str, int]]:
    origins = index.blame(name, seq)
    assert origins is not None
    return [(origin.revision, origin.author, origin.email, origin.date) for origin in origins]


def _every_revision(index: PageIndex) -> list[tuple[int, str, str]]:
    rows = index.file.db().execute(
        "SELECT c.seq, m.revision, c.path FROM changes c JOIN commits m ON m.seq = c.seq"
        " WHERE c.status != 'D' ORDER BY c.seq"
    )
    return [(int(seq), str(revision), str(path)) for seq, revision, path in rows]


def test_carried_blame_is_git_blame_line_for_line_at_every_revision(indexed: Indexed) -> None:
    index, repo = indexed.index, indexed.repo
    with repo.writer():
        index.catch_up()
    revisions = _every_revision(index)
    merges = {revision for _seq, revision, _path in revisions if len(repo.parents(revision)) == 2}
    assert len(merges) >= 5
    checked = 0
    for seq, revision, name in revisions:
        assert _carried(index, name, seq) == _git_blame(repo, revision, name), (seq, name)
        checked += 1
    assert checked > 40


def test_the_first_ask_after_commits_are_taken_in_starts_no_git_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = generate(tmp_path / "wiki", steps=6)
    repo = GitRepository(tmp_path / "wiki")
    index = PageIndex(IndexFile(tmp_path / "index.sqlite"), repo, ChangeStream())
    with repo.writer():
        index.catch_up()
    head = index.seq_of(repo.head() or "")
    assert head is not None
    for name in ("een", "twee", "map/drie"):
        index.blame(name, head)  # derived once (a rebuilt index leaves it to the first ask)
    for step in range(6):  # more commits, a proposal's merge among them
        name = ("een", "twee", "map/drie")[step % 3]
        if step == 3:
            history.git("checkout", "-q", "-b", "voorstel")
            history.edit(name)
            history.git("checkout", "-q", "main")
            history.git("merge", "-q", "--no-ff", "-m", "Voorstel aangenomen", "voorstel")
        else:
            history.edit(name)
    with repo.writer():
        index.catch_up()  # takes them in, carrying blame one commit at a time
    started: list[list[str]] = []
    real_run, real_popen = subprocess.run, subprocess.Popen

    def run(command: list[str], *args: object, **kwargs: object) -> object:
        started.append(command)
        return real_run(command, *args, **kwargs)  # type: ignore[call-overload]

    def popen(command: list[str], *args: object, **kwargs: object) -> object:
        started.append(command)
        return real_popen(command, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(subprocess, "Popen", popen)
    head = index.seq_of(repo.head() or "")
    assert head is not None
    answers = {name: _carried(index, name, head) for name in ("een", "twee", "map/drie")}
    assert started == []  # no git blame, no git at all: it was ready
    monkeypatch.undo()
    for name, answer in answers.items():
        assert answer == _git_blame(repo, repo.head() or "", name)
    index.file.close()
    repo.close()


def test_who_wrote_what_after_saves_in_the_wiki_runs_no_git_blame(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    page = site.pages.get("neem-initiatief")[0]
    site.history.blame("neem-initiatief")
    for old, new in (("een goed idee", "een eerste idee"), ("een eerste idee", "een tweede idee")):
        page = site.pages.get("neem-initiatief")[0]
        assert old in page.text
        text = page.text.replace(old, new, 1)
        site.pages.save(EditRequest("neem-initiatief", text, page.revision, "Beter", AUTHOR))
    asked: list[tuple[str, str]] = []

    def blame(commit: str, path: str) -> list[object]:
        asked.append((commit, path))
        return []

    monkeypatch.setattr(site.history.repo, "blame", blame)
    blocks = site.history.blame("neem-initiatief")
    assert asked == []
    first = blocks[0]
    assert "tweede" in first.text
    assert first.revision == site.pages.get("neem-initiatief")[0].revision


def test_after_a_rebuild_long_histories_are_derived_in_the_background(
    indexed: Indexed, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, repo = indexed.index, indexed.repo
    monkeypatch.setattr(blameindex, "WARM_AT", 10)
    with repo.writer():
        index.catch_up()  # a rebuild: nothing derived yet
    long = index.blamed.long_histories()
    assert long
    assert all(index.blamed.stored(index.history(name, 1)[0].revision, name) is None for name in long)
    index.warm_blame()
    assert index.blamed.warmed(timeout=120)
    head = index.seq_of(repo.head() or "")
    assert head is not None
    for name in long:
        assert index.blamed.stored(index.history(name, 1)[0].revision, name) is not None
        assert _carried(index, name, head) == _git_blame(repo, repo.head() or "", name)
