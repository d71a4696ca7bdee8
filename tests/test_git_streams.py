"""Histories and blobs read from git as streams: the same commits as a whole read gives, in
chunks of any size, a failing git reported, blobs many at once, and a reader that stops early
leaves no git behind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from wiki.errors import StoreUnavailable
from wiki.models import Author
from wiki.store.git import parsers, streams
from wiki.store.git.repository import GitRepository

AUTHOR = Author("Ada Tester", "ada@users.wiki.invalid")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepository:
    """Why: a history of 40 commits with adds, edits, a rename and a delete, to read back."""
    made = GitRepository.create_bare(tmp_path / "r.git", {"een.md": b"# Een\n"}, AUTHOR, "Begin")
    for number in range(40):
        changes: dict[str, bytes | None] = {f"p{number % 7}.md": f"# P\n\nversie {number}\n".encode()}
        if number == 20:
            changes["een.md"] = None
        with made.writer():
            head = made.head()
            assert head is not None
            new = made.write_commit(made.build_tree(head, changes), [head], AUTHOR, f"stap {number}", 1_700_000_000)
            assert made.move_branch(new, head)
    return made


def whole_log(repo: GitRepository) -> list[tuple[str, str, tuple[tuple[str, str, int | None], ...]]]:
    """The log as one read of git's whole output gives it (what the index was built from)."""
    out = subprocess.run(
        ["git", "-C", str(repo.git_dir), "log", "--reverse", "--first-parent", "-m", "--root", "--raw", "-M",
         "--no-abbrev", "-z", f"--format={parsers.LOG_FORMAT}", "main", "--"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    parsed = parsers.parse_log(out)
    sizes = repo.blob_sizes(change.blob for commit in parsed for change in commit.changes if change.blob)
    return [
        (
            c.revision,
            c.message,
            tuple((ch.status, ch.path, sizes.get(ch.blob) if ch.blob else None) for ch in c.changes),
        )
        for c in parsed
    ]


@pytest.mark.parametrize(("chunk", "read"), [(4096, 1 << 20), (3, 64), (1, 7)])
def test_a_streamed_log_is_the_whole_log_in_any_chunks(
    repo: GitRepository, chunk: int, read: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "CHUNK", chunk)
    monkeypatch.setattr(streams, "_READ", read)  # records split across reads of the pipe
    head = repo.head()
    assert head is not None
    streamed = [
        (c.revision, c.message, tuple((ch.status, ch.path, ch.size) for ch in c.changes)) for c in repo.log(head)
    ]
    assert streamed == whole_log(repo)
    assert len(streamed) == 41


def test_a_failing_log_is_reported_not_taken_for_an_empty_history(repo: GitRepository) -> None:
    with pytest.raises(StoreUnavailable):
        list(repo.log("0" * 40))


def test_many_blobs_come_in_order_and_a_missing_one_as_none(repo: GitRepository) -> None:
    head = repo.head()
    assert head is not None
    files = repo.list_files(head)
    wanted = [*files.values(), "f" * 40, *files.values()]
    read = list(repo.read_blobs(wanted))
    assert [blob for blob, _data in read] == wanted
    assert [data for _blob, data in read] == [
        *(repo.read_blob(blob) for blob in files.values()),
        None,
        *(repo.read_blob(blob) for blob in files.values()),
    ]


def test_a_reader_that_stops_early_leaves_no_git_running(repo: GitRepository) -> None:
    head = repo.head()
    assert head is not None
    blob = next(iter(repo.list_files(head).values()))
    stream = repo.read_blobs([blob] * 50_000)  # more than a pipe holds
    assert next(stream)[1] == repo.read_blob(blob)
    stream.close()
    running = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    assert [line for line in running.splitlines() if "cat-file --batch" in line and str(repo.git_dir) in line] == []


def test_a_log_run_beside_other_work_is_the_whole_log(repo: GitRepository) -> None:
    head = repo.head()
    assert head is not None
    with repo.log_beside(head) as history:
        spooled = [(c.revision, c.message, tuple((ch.status, ch.path, ch.size) for ch in c.changes)) for c in history()]
    assert spooled == whole_log(repo)


def test_a_log_beside_that_fails_or_is_left_unread_leaves_no_git_running(repo: GitRepository) -> None:
    with pytest.raises(StoreUnavailable), repo.log_beside("0" * 40) as history:
        list(history())
    head = repo.head()
    assert head is not None
    with repo.log_beside(head):
        pass  # never read: git is stopped on the way out
    running = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    assert [line for line in running.splitlines() if " log " in line and str(repo.git_dir) in line] == []
