"""The git store on real temporary repositories: objects, compare-and-swap, work trees, locks."""

from __future__ import annotations

import os
import queue
import select
import subprocess
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import git
from wiki.errors import NotFound, WorkTreeDirty
from wiki.models import Author
from wiki.store.git import refs
from wiki.store.git.maintenance import PACK_DEPTH, PACK_DEPTH_KEY
from wiki.store.git.merge import merge_texts
from wiki.store.git.repository import GitRepository

AUTHOR = Author("Ada Tester", "ada@users.wiki.invalid")
WHEN = 1_700_000_000


@pytest.fixture
def repo(tmp_path: Path) -> GitRepository:
    """Why: a bare repository with one page in the root and one in a folder."""
    files = {"een.md": b"# Een\n", "map/twee.md": b"twee\n"}
    return GitRepository.create_bare(tmp_path / "r.git", files, AUTHOR, "Begin")


def commit(repo: GitRepository, changes: dict[str, bytes | None], message: str = "m") -> str:
    with repo.writer():
        head = repo.head()
        new = repo.write_commit(repo.build_tree(head, changes), [head] if head else [], AUTHOR, message, WHEN)
        assert repo.move_branch(new, head)
    return new


def test_a_new_repository_is_bare_on_main_with_one_commit(repo: GitRepository) -> None:
    path = repo.git_dir
    assert git(path, "rev-parse", "--is-bare-repository").strip() == "true"
    assert git(path, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(path, "ls-tree", "-r", "--name-only", "HEAD").split() == ["een.md", "map/twee.md"]
    assert git(path, "log", "--format=%an <%ae>|%s").strip() == "Ada Tester <ada@users.wiki.invalid>|Begin"


def test_head_is_read_from_loose_and_packed_refs(repo: GitRepository) -> None:
    loose = repo.head()
    assert loose == git(repo.git_dir, "rev-parse", "HEAD").strip()
    git(repo.git_dir, "pack-refs", "--all")
    assert not (repo.git_dir / "refs/heads/main").exists()
    assert repo.head() == loose


def test_a_settled_branch_is_known_by_its_file_and_every_move_is_seen(
    repo: GitRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every view asks for the head: a ref file that has stood still is read once and then known
    by a stat; a move from outside (git replaces the file) is seen on the very next read, however
    soon, and a young file is always read again (the inode, time and size of two files written
    within one tick of the clock could match)."""
    opened: list[str] = []
    real_open = open

    def counting(file: object, *args: object, **options: object) -> object:
        opened.append(str(file))
        return real_open(file, *args, **options)  # type: ignore[call-overload]

    branch = repo.git_dir / "refs/heads/main"
    settled = os.stat(branch).st_mtime_ns - 10 * refs.SETTLED_NS
    os.utime(branch, ns=(settled, settled))
    monkeypatch.setattr(refs, "open", counting, raising=False)
    first = repo.head()
    assert [repo.head() for _ in range(3)] == [first] * 3
    assert opened == [str(branch)]  # read once, then known by its stat
    for number in range(3):  # moved from outside, each move read at once
        moved = commit(repo, {"een.md": f"een {number}\n".encode()})
        assert repo.head() == moved == git(repo.git_dir, "rev-parse", "HEAD").strip()
    before = len(opened)
    repo.head()
    repo.head()
    assert len(opened) == before + 2  # young: read each time


def test_a_commit_changes_only_the_path_it_names(repo: GitRepository) -> None:
    before = git(repo.git_dir, "rev-parse", "HEAD:een.md").strip()
    commit(repo, {"map/twee.md": b"twee, anders\n", "map/diep/drie.md": b"drie\n"})
    assert git(repo.git_dir, "show", "HEAD:map/twee.md") == "twee, anders\n"
    assert git(repo.git_dir, "show", "HEAD:map/diep/drie.md") == "drie\n"
    assert git(repo.git_dir, "rev-parse", "HEAD:een.md").strip() == before
    subprocess.run(["git", f"--git-dir={repo.git_dir}", "fsck", "--full", "--strict"], check=True)


def test_deleting_the_last_file_of_a_folder_removes_the_folder(repo: GitRepository) -> None:
    commit(repo, {"map/twee.md": None})
    assert git(repo.git_dir, "ls-tree", "-r", "--name-only", "HEAD").split() == ["een.md"]


def test_the_branch_moves_only_from_the_value_it_was_read_at(repo: GitRepository) -> None:
    start = repo.head()
    assert start is not None
    first = commit(repo, {"een.md": b"eerste\n"})
    with repo.writer():
        stale = repo.write_commit(repo.build_tree(start, {"een.md": b"verouderd\n"}), [start], AUTHOR, "x", WHEN)
        assert repo.move_branch(stale, start) is False
    assert repo.head() == first
    assert git(repo.git_dir, "show", "HEAD:een.md") == "eerste\n"


def test_reads_at_a_revision_and_unknown_revisions(repo: GitRepository) -> None:
    start = repo.head()
    assert start is not None
    commit(repo, {"een.md": b"nieuw\n"})
    old = repo.blob_at(start, "een.md")
    assert old is not None
    assert repo.read_blob(old) == b"# Een\n"
    assert repo.blob_at(start, "bestaat/niet.md") is None
    assert repo.blob_at(start, "map") is None  # a folder is not a page
    with pytest.raises(NotFound):
        repo.blob_at("0" * 40, "een.md")
    with pytest.raises(NotFound):
        repo.blob_at("--output=/tmp/x", "een.md")
    with pytest.raises(NotFound):
        repo.blob_at(old, "een.md")  # a blob is not a commit


def test_merge_of_different_paragraphs_and_of_overlapping_ones(repo: GitRepository) -> None:
    base = "a\n\nb\n\nc\n"
    assert merge_texts(base, "A\n\nb\n\nc\n", "a\n\nb\n\nC\n") == "A\n\nb\n\nC\n"
    assert merge_texts(base, "A1\n\nb\n\nc\n", "A2\n\nb\n\nc\n") is None


def test_log_lists_commits_oldest_first_with_renames_and_sizes(repo: GitRepository) -> None:
    first = repo.head()
    second = commit(repo, {"een.md": b"1\n"}, "Een\n\nmet toelichting")
    third = commit(repo, {"map/twee.md": None, "map/drie.md": b"twee\n"})
    log = list(repo.log(third, first))
    assert [entry.revision for entry in log] == [second, third]
    assert log[0].message == "Een\n\nmet toelichting"
    assert (log[0].author, log[0].email) == ("Ada Tester", "ada@users.wiki.invalid")
    assert [(c.status, c.path, c.old_path, c.size, c.old_size) for c in log[0].changes] == [("M", "een.md", None, 2, 6)]
    assert [(c.status, c.path, c.old_path) for c in log[1].changes] == [("R", "map/drie.md", "map/twee.md")]
    assert len(list(repo.log(third))) == 3


def test_a_stale_ref_lock_from_a_crash_is_removed_at_start_up(repo: GitRepository) -> None:
    lock = repo.common_dir / "refs/heads/main.lock"
    lock.write_text("0" * 40 + "\n")
    assert repo.recover_stale_locks() == [lock]
    assert not lock.exists()
    commit(repo, {"een.md": b"na de crash\n"})
    assert git(repo.git_dir, "show", "HEAD:een.md") == "na de crash\n"


@pytest.fixture
def work_tree(tmp_path: Path) -> tuple[GitRepository, Path]:
    """Why: repositories with a checkout must be served as they are, like updateInstead."""
    folder = tmp_path / "checkout"
    subprocess.run(["git", "init", "-q", "-b", "main", str(folder)], check=True)
    (folder / "een.md").write_text("een\n")
    (folder / "twee.md").write_text("twee\n")
    for args in (["add", "."], ["-c", "user.name=T", "-c", "user.email=t@x", "commit", "-qm", "begin"]):
        subprocess.run(["git", "-C", str(folder), *args], check=True)
    return GitRepository(folder), folder


def test_a_save_brings_a_clean_work_tree_along(work_tree: tuple[GitRepository, Path]) -> None:
    repo, folder = work_tree
    commit(repo, {"een.md": b"een, bewerkt\n"})
    assert (folder / "een.md").read_text() == "een, bewerkt\n"
    status = subprocess.run(
        ["git", "-C", str(folder), "status", "--porcelain"], check=True, capture_output=True, text=True
    )
    assert status.stdout == ""


def test_local_changes_in_the_work_tree_refuse_the_save_and_stay(
    work_tree: tuple[GitRepository, Path],
) -> None:
    repo, folder = work_tree
    (folder / "een.md").write_text("lokaal werk\n")
    head = repo.head()
    with pytest.raises(WorkTreeDirty):
        repo.check_work_tree_clean(["een.md"])
    repo.check_work_tree_clean(["twee.md"])  # other pages can still be saved
    assert (folder / "een.md").read_text() == "lokaal werk\n"
    assert repo.head() == head


PARAGRAPHS = st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=20).map(str.strip).filter(bool),
                      min_size=3, max_size=8)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(PARAGRAPHS, st.data())
def test_merging_edits_of_different_paragraphs_keeps_both(paragraphs: list[str], data: st.DataObject) -> None:
    first, second = data.draw(st.lists(st.integers(0, len(paragraphs) - 1), min_size=2, max_size=2, unique=True))
    base = "\n\n".join(paragraphs) + "\n"
    ours = "\n\n".join(p + " X" if i == first else p for i, p in enumerate(paragraphs)) + "\n"
    theirs = "\n\n".join(p + " Y" if i == second else p for i, p in enumerate(paragraphs)) + "\n"
    merged = merge_texts(base, ours, theirs)
    assert (
        merged
        == "\n\n".join(p + " X" if i == first else p + " Y" if i == second else p for i, p in enumerate(paragraphs))
        + "\n"
    )


@settings(max_examples=40, deadline=None)
@given(PARAGRAPHS, st.data())
def test_two_edits_of_one_line_are_a_conflict_never_a_silent_pick(paragraphs: list[str], data: st.DataObject) -> None:
    """Both people changed the same line: no merge may choose one of them on its own."""
    index = data.draw(st.integers(0, len(paragraphs) - 1))
    base = "\n\n".join(paragraphs) + "\n"
    ours = base.replace(paragraphs[index], paragraphs[index] + " EERSTE", 1)
    theirs = base.replace(paragraphs[index], paragraphs[index] + " TWEEDE", 1)
    assert merge_texts(base, ours, theirs) is None


def test_maintenance_writes_a_commit_graph_and_changes_nothing_else(repo: GitRepository) -> None:
    for number in range(5):
        commit(repo, {f"p{number}.md": f"tekst {number}\n".encode()})
    head = repo.head()
    repo.maintain()
    graphs = list((repo.git_dir / "objects" / "info" / "commit-graphs").glob("*.graph"))
    assert len(graphs) == 1
    assert b"BIDX" in graphs[0].read_bytes()  # the chunk of changed-path Bloom filters
    git(repo.git_dir, "commit-graph", "verify")
    assert repo.head() == head
    assert repo.read_blob(repo.blob_at(head or "", "p4.md") or "") == b"tekst 4\n"


def longest_delta_chain(repo: GitRepository) -> int:
    lengths = [0]
    for index in (repo.git_dir / "objects" / "pack").glob("*.idx"):
        report = git(repo.git_dir, "verify-pack", "-v", str(index))
        lengths += [int(line.split()[3].rstrip(":")) for line in report.splitlines() if line.startswith("chain length")]
    return max(lengths)


def test_maintenance_shortens_delta_chains_once_and_keeps_every_version(repo: GitRepository) -> None:
    """Old versions are read by unpacking their chain of deltas; packs made elsewhere (git's
    default) allow chains of 50, which made reading a deep page's old versions slow."""
    lines = [f"Regel {number:02d} van een pagina die op steeds een andere plek verandert.\n" for number in range(60)]
    texts, revisions = [], []
    for number in range(60):  # versions of about one size, as git chains them longest
        lines[number * 7 % 60] = lines[number * 7 % 60].upper()
        texts.append("".join(lines).encode())
        revisions.append(commit(repo, {"lang.md": texts[-1]}))
    git(repo.git_dir, "repack", "-a", "-d", "-f", "-q", "--depth=50", "--window=250")
    assert longest_delta_chain(repo) > PACK_DEPTH
    repo.maintain()
    assert longest_delta_chain(repo) <= PACK_DEPTH
    assert git(repo.git_dir, "config", "--get", PACK_DEPTH_KEY).strip() == str(PACK_DEPTH)
    assert [repo.read_blob(repo.blob_at(revision, "lang.md") or "") for revision in revisions] == texts
    git(repo.git_dir, "repack", "-a", "-d", "-f", "-q", "--depth=50", "--window=250")
    repo.maintain()  # marked: only what git finds due (nothing here), not a whole repack again
    assert longest_delta_chain(repo) > PACK_DEPTH


def test_a_closed_repository_starts_no_maintenance(repo: GitRepository) -> None:
    repo.close()
    repo.maintain()
    assert (
        subprocess.run(["git", f"--git-dir={repo.git_dir}", "config", "--get", PACK_DEPTH_KEY], check=False).returncode
        == 1
    )


def test_closing_stops_maintenance_and_every_process_it_started(repo: GitRepository, tmp_path: Path) -> None:
    """``git gc`` works through child processes (repack, pack-objects); a server that stops
    must not leave them repacking, which slowed the next start-up."""
    started = tmp_path / "started"
    os.mkfifo(started)
    # A stand-in for gc: git runs the alias through a shell, which starts a long child.
    pause = ("-c", f"alias.pause=!sleep 600 & echo $! > {started}; wait", "pause")
    threading.Thread(target=repo._maintenance_step, args=pause, daemon=True).start()
    pids: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: pids.put(started.read_text()), daemon=True).start()
    child = int(pids.get(timeout=30))  # once the child runs
    ended = os.pidfd_open(child)
    try:
        repo.close()
        assert select.select([ended], [], [], 30)[0] == [ended], "the child outlived close()"
    finally:
        os.close(ended)


def test_a_save_survives_git_gc_packing_its_objects_meanwhile(repo: GitRepository) -> None:
    """Bringing an old text back writes a loose copy of an object git already packed; a
    ``git gc`` beside the wiki may remove that copy before the wiki syncs it to disk."""
    first = commit(repo, {"een.md": b"# Een, eerste tekst\n"})
    commit(repo, {"een.md": b"# Een, tweede tekst\n"})
    git(repo.git_dir, "repack", "-a", "-d", "-q")
    with repo.writer():
        head = repo.head()
        tree = repo.build_tree(head, {"een.md": b"# Een, eerste tekst\n"})
        back = repo.write_commit(tree, [head or ""], AUTHOR, "terug", WHEN)
        git(repo.git_dir, "prune-packed")  # what gc does after packing: the loose copy goes
        assert repo.move_branch(back, head)
    assert repo.read_blob(repo.blob_at(back, "een.md") or "") == repo.read_blob(repo.blob_at(first, "een.md") or "")
    commit(repo, {"twee.md": b"twee\n"})  # and the next save is not held up by it


def deleted_packs_held(repo: GitRepository) -> list[str]:
    """Pack files of ``repo`` that this process's children (the cat-file readers) still hold
    after git deleted them."""
    held = []
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            if (folder / "stat").read_text().rsplit(")", 1)[1].split()[1] != str(os.getpid()):
                continue
            targets = [os.readlink(fd) for fd in (folder / "fd").iterdir()]
            targets += (folder / "maps").read_text().splitlines()
        except OSError:
            continue
        packs = str(repo.git_dir / "objects" / "pack")
        held += [target for target in targets if packs in target and target.endswith("(deleted)")]
    return held


def test_readers_move_to_the_new_packs_after_maintenance(repo: GitRepository) -> None:
    """A reader keeps reading the packs it opened even once git deleted them, so after a
    repack the wiki would go on reading the old, long delta chains (and hold their space)."""
    for number in range(5):
        commit(repo, {"een.md": f"# Een, versie {number}\n".encode()})
    git(repo.git_dir, "repack", "-a", "-d", "-q")
    head = repo.head() or ""
    assert repo.read_blob(repo.blob_at(head, "een.md") or "") == b"# Een, versie 4\n"  # a reader opens the pack
    repo.maintain()  # the first time: everything repacked
    assert repo.read_blob(repo.blob_at(head, "een.md") or "") == b"# Een, versie 4\n"
    assert deleted_packs_held(repo) == []


def test_an_object_whose_folder_git_removed_as_it_was_written_is_written_again(
    repo: GitRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # git's clean-up may remove an empty objects/xx/ folder between gitdb making it and moving
    # the new object in; gitdb then raises FileNotFoundError for an object that is nowhere.
    store = repo._loose.store
    calls: list[object] = []

    def vanishing_folder(stream: object) -> object:
        calls.append(stream)
        if len(calls) == 1:
            raise FileNotFoundError("objects/ab/tmp_obj: the folder went")
        return store(stream)

    monkeypatch.setattr(repo._loose, "store", vanishing_folder)
    tree = repo.build_tree(repo.head(), {"nieuw.md": b"Een tekst die er nog niet was.\n"})
    monkeypatch.undo()
    blob = repo.list_files(repo.write_commit(tree, [], AUTHOR, "x", 0))["nieuw.md"]
    assert repo.read_blob(blob) == b"Een tekst die er nog niet was.\n"
    assert len(calls) == 3  # the blob, the blob again, the tree
