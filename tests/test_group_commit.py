"""Group commit: saves that queue while the writer works go in together, each keeping its own
author, message and outcome, with one sync of the objects and one move of the branch; and a
save starts no git process.

The batches are made deterministic by holding the writer slot while the saves queue, then
letting go: the first save to get the slot commits them all.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git
from wiki.config import Settings
from wiki.errors import N_, EditConflict, StoreUnavailable
from wiki.models import Author, SaveResult
from wiki.services.pages import EditRequest
from wiki.services.site import Site, open_site
from wiki.store.changes import Change
from wiki.store.git import syncing
from wiki.store.git.repository import GitRepository


def until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` (a state the threads reach), failing after 10 s."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the saves never queued"
        threading.Event().wait(0.001)


@contextmanager
def queued_saves(site: Site, saves: list[Callable[[], Any]]) -> Iterator[list[Any]]:
    """Run ``saves`` in threads, queued in this order while the test holds the writer slot;
    the block runs with them queued, and they are committed (and their outcomes, results or
    errors, listed in order) once it ends."""
    committer = site.pages.committer
    outcomes: list[Any] = [None] * len(saves)

    def run(number: int) -> None:
        try:
            outcomes[number] = saves[number]()
        except Exception as error:  # the outcome the test looks at
            outcomes[number] = error

    threads = [threading.Thread(target=run, args=(number,)) for number in range(len(saves))]
    with committer.writer():
        for number, thread in enumerate(threads):
            thread.start()
            until(lambda number=number: committer.waiting == number + 1)  # type: ignore[misc]
        yield outcomes
    for thread in threads:
        thread.join()


def edit(site: Site, name: str, body: str, who: str, base: str | None = None) -> Callable[[], SaveResult]:
    page = site.pages.get(name)[0]
    author = Author(who, f"{who.lower()}@users.wiki.invalid")
    return lambda: site.pages.save(EditRequest(name, body, base or page.revision, f"by {who}", author))


def test_queued_saves_are_chained_in_order_each_with_its_own_author_and_one_change(site: Site) -> None:
    names = [page.path for page in site.pages.list_pages()][:4]
    head = site.pages.repo.head()
    heard: list[Change] = []
    site.changes.subscribe(heard.append)
    moves: list[tuple[str, str | None]] = []
    move = site.pages.repo.move_branch

    def counted(new: str, old: str | None, *, publish: bool = True) -> bool:
        moves.append((new, old))
        return move(new, old, publish=publish)

    site.pages.repo.move_branch = counted  # type: ignore[method-assign]
    texts = [site.pages.get(name)[0].text + f"\nregel {n}\n" for n, name in enumerate(names)]
    saves = [edit(site, name, texts[n], f"Schrijver{n}") for n, name in enumerate(names)]
    with queued_saves(site, saves) as outcomes:
        assert site.pages.repo.head() == head  # nothing is acknowledged before the batch moved
    assert all(isinstance(outcome, SaveResult) and outcome.changed for outcome in outcomes)
    log = git(site.settings.repo, "log", "--format=%H %an %s", f"{head}..main").splitlines()[::-1]
    assert [line.split(" ", 1)[1] for line in log] == [f"Schrijver{n} by Schrijver{n}" for n in range(4)]
    assert [line.split(" ")[0] for line in log] == [outcome.revision for outcome in outcomes]
    assert moves == [(outcomes[-1].revision, head)]  # one compare-and-swap for the four
    assert [(change.actor, change.revision) for change in heard] == [
        (f"Schrijver{n}", outcomes[n].revision) for n in range(4)
    ]
    for n, name in enumerate(names):
        assert site.pages.get(name)[0].text == texts[n]
    assert site.pages.committer.chains[1] >= 4


def test_each_save_in_a_batch_has_its_own_outcome(site: Site) -> None:
    name = "werk-is-persoonlijk"
    page = site.pages.get(name)[0]
    lines = page.text.split("\n")
    first = "\n".join([*lines[:-2], "Eerste schrijver.", *lines[-2:]])
    overlapping = "\n".join([*lines[:-2], "Tweede schrijver, op dezelfde plek.", *lines[-2:]])
    elsewhere = page.text.replace(lines[0], lines[0] + " (bijgewerkt)", 1)
    saves = [
        edit(site, name, first, "Een", page.revision),
        edit(site, name, overlapping, "Twee", page.revision),
        edit(site, name, elsewhere, "Drie", page.revision),
    ]
    with queued_saves(site, saves) as outcomes:
        pass
    saved, conflicted, merged = outcomes
    assert isinstance(saved, SaveResult)
    assert saved.changed
    assert not saved.merged
    assert isinstance(conflicted, EditConflict)
    assert conflicted.current_revision == saved.revision  # the conflict is with the save before it
    assert isinstance(merged, SaveResult)
    assert merged.merged
    text = site.pages.get(name)[0].text
    assert "Eerste schrijver." in text
    assert "(bijgewerkt)" in text
    assert "Tweede schrijver" not in text


def test_a_refused_swap_plans_the_whole_batch_again_on_the_new_head(site: Site) -> None:
    names = [page.path for page in site.pages.list_pages()][:3]
    repo = site.pages.repo
    move = repo.move_branch
    outside: list[str] = []

    def someone_outside_moves_first(new: str, old: str | None, *, publish: bool = True) -> bool:
        if not outside:  # a commit made with git beside the wiki, just before the batch moves
            head = repo.head()
            assert head is not None
            tree = git(site.settings.repo, "rev-parse", f"{head}^{{tree}}").strip()
            who = ("-c", "user.name=Buiten", "-c", "user.email=b@x")
            commit = git(site.settings.repo, *who, "commit-tree", tree, "-p", head, "-m", "van buiten").strip()
            git(site.settings.repo, "update-ref", "refs/heads/main", commit, head)
            outside.append(commit)
        return move(new, old, publish=publish)

    repo.move_branch = someone_outside_moves_first  # type: ignore[method-assign]
    saves = [edit(site, name, site.pages.get(name)[0].text + "\nnog een regel\n", "Schrijver") for name in names]
    with queued_saves(site, saves) as outcomes:
        pass
    assert all(isinstance(outcome, SaveResult) and outcome.changed for outcome in outcomes)
    chain = git(site.settings.repo, "rev-list", "--first-parent", f"{outside[0]}..main").split()
    assert chain[::-1] == [outcome.revision for outcome in outcomes]  # on top of the outside commit
    assert site.pages.index.indexed_head == repo.head()
    assert all("nog een regel" in site.pages.get(name)[0].text for name in names)


def test_a_batch_syncs_each_object_once_and_the_objects_folder_once(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [page.path for page in site.pages.list_pages()][:4]
    synced: list[Path] = []
    real = syncing.fsync

    def counting(path: Path) -> None:
        synced.append(path)
        real(path)

    monkeypatch.setattr(syncing, "fsync", counting)
    saves = [edit(site, name, site.pages.get(name)[0].text + "\nsamen\n", "Schrijver") for name in names]
    with queued_saves(site, saves) as outcomes:
        pass
    assert all(isinstance(outcome, SaveResult) for outcome in outcomes)
    objects = site.settings.repo / "objects"
    files = [path for path in synced if path.parent.parent == objects]
    assert synced.count(objects) == 1  # one sync for the whole batch, not one per save
    assert len(files) == len(set(files)) >= 4 * 3  # each save's blob, tree and commit, once
    assert set(synced) - set(files) - {objects} == {path.parent for path in files}


def test_saves_start_no_git_process(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    name = "werk-is-persoonlijk"
    author = Author("Schrijver", "s@users.wiki.invalid")

    def save(line: str) -> None:
        page = site.pages.get(name)[0]
        site.pages.save(EditRequest(name, page.text + f"\n{line}\n", page.revision, line, author))

    save("eerste")  # the update-ref process and a cat-file reader start here, once
    started: list[list[str]] = []
    real = subprocess.Popen.__init__
    saver = threading.current_thread()

    def spawn(self: subprocess.Popen[bytes], args: Any, *rest: Any, **options: Any) -> None:
        if threading.current_thread() is saver:  # not the notifier's reader, say, in its own thread
            started.append(list(args))
        real(self, args, *rest, **options)

    monkeypatch.setattr(subprocess.Popen, "__init__", spawn)
    for number in range(10):
        save(f"regel {number}")
    assert started == []
    assert "regel 9" in site.pages.get(name)[0].text


def test_a_repository_moves_its_refs_through_one_update_ref_process(tmp_path: Path) -> None:
    repo = GitRepository.create_bare(tmp_path / "r.git", {"a.md": b"# A\n"}, Author("A", "a@x"), "begin")
    try:
        head = repo.head()
        assert head is not None
        tree = repo.build_tree(head, {"b.md": b"# B\n"})
        second = repo.write_commit(tree, [head], Author("B", "b@x"), "twee", 1)
        assert not repo.move_branch(second, second)  # stale old value: refused, nothing moved
        assert repo.head() == head
        assert repo.move_branch(second, head)  # a refusal ended the process; a new one moves it
        assert repo.move_ref("refs/heads/proposals/1", second, None)
        assert not repo.move_ref("refs/heads/proposals/1", head, None)  # exists already
        assert repo.delete_ref("refs/heads/proposals/1", second)
        assert repo.ref("refs/heads/proposals/1") is None
        assert git(tmp_path / "r.git", "rev-parse", "main").strip() == second
    finally:
        repo.close()


def replica(tmp_path: Path, remote: Path, name: str) -> Site:
    """Instance ``name`` on its own repository, sharing ``remote`` and the database."""
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    return open_site(Settings(repo=tmp_path / f"{name}.git", database_url=database, remote=str(remote)))


def test_a_batch_on_a_replica_is_published_with_one_push_and_planned_again_when_behind(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    a = replica(tmp_path, remote, "a")
    b = replica(tmp_path, remote, "b")
    try:
        names = [page.path for page in b.pages.list_pages()][:3]
        saves = [edit(b, name, b.pages.get(name)[0].text + "\nvan b\n", "Bee") for name in names]
        ahead = first_line_changed(a, names[0], "van a")  # b is behind the remote now, and does not know
        pushes: list[str | None] = []
        push = b.repo.push_to

        def counted(url: str, name: str, new: str | None, old: str | None, timeout: float) -> Any:
            pushes.append(new)
            return push(url, name, new, old, timeout)

        b.repo.push_to = counted  # type: ignore[method-assign]
        with queued_saves(b, saves) as outcomes:
            pass
        assert all(isinstance(outcome, SaveResult) and outcome.changed for outcome in outcomes), outcomes
        assert outcomes[0].merged  # planned again on a's save, which changed the same page
        on_remote = git(remote, "rev-list", "--first-parent", f"{ahead}..main").split()
        assert on_remote[::-1] == [outcome.revision for outcome in outcomes]
        assert len(pushes) == 2  # the refused chain once, the chain planned on a's save once
        assert pushes[-1] == outcomes[-1].revision == b.repo.head()
        assert "van a" in b.pages.get(names[0])[0].text
    finally:
        a.close()
        b.close()


def first_line_changed(site: Site, name: str, words: str) -> str:
    """Save ``name`` with ``words`` added to its first line (away from where others append)."""
    page = site.pages.get(name)[0]
    first = page.text.split("\n", 1)[0]
    text = page.text.replace(first, f"{first} ({words})", 1)
    return site.pages.save(EditRequest(name, text, page.revision, words, Author("Aa", "a@users.wiki.invalid"))).revision


def test_a_batch_that_cannot_move_the_branch_tells_every_save_and_changes_nothing(site: Site) -> None:
    names = [page.path for page in site.pages.list_pages()][:3]
    repo = site.pages.repo
    head = repo.head()
    before = [site.pages.get(name)[0].text for name in names]
    move = repo.move_branch

    def broken(new: str, old: str | None, *, publish: bool = True) -> bool:
        raise StoreUnavailable(N_("git could not move {ref}: {reason}", ref="refs/heads/main", reason="test"))

    repo.move_branch = broken  # type: ignore[method-assign]
    saves = [edit(site, name, text + "\nniet bewaard\n", "Schrijver") for name, text in zip(names, before, strict=True)]
    with queued_saves(site, saves) as outcomes:
        pass
    assert all(isinstance(outcome, StoreUnavailable) for outcome in outcomes)
    assert repo.head() == head
    assert site.pages.index.indexed_head == head  # the index took in nothing of the chain
    assert [site.pages.get(name)[0].text for name in names] == before
    repo.move_branch = move  # type: ignore[method-assign]
    assert edit(site, names[0], before[0] + "\nnu wel\n", "Schrijver")().changed
