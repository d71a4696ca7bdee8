#!/usr/bin/env python3
"""Group commit (issue 19): saves/s of 8 writers on their own pages against 1 writer, their
p50s, and one writer's p50 against the raw git floor, all in one run.

    .venv/bin/python bench/group_commit.py --data /tmp/benchdata/large --out bench/results/targets \\
        [--duration 5] [--rounds 3] [--floor-commits 60]

On a bare clone of DATA (an output folder of bench/gen_repo.py), ``wiki serve`` with an editor
token; each round, in alternating order, 1 and then 8 writers (threads with a keep-alive
connection each) save their own pages through the JSON API (``PUT /api/pages/NAME`` with the
revision their last save answered) for ``--duration`` seconds.  The floor, measured in the same
rounds on a second clone: one changed page per commit written by git from Python as the wiki
writes it (``hash-object -w``, ``mktree`` for the page's folder and the root, ``commit-tree``,
``update-ref NEW OLD``), with the wiki's fsync settings (``core.fsync=reference,loose-object``,
``core.fsyncMethod=fsync``).  Figures are medians over the rounds.  Writes
``group_commit.json`` into ``--out``; ``bench/summary.py`` shows its lines.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.targets import make_editor, wait_for, wait_until_idle, wait_until_maintained  # noqa: E402
from tests.server import free_port  # noqa: E402

WRITERS = (1, 8)
FSYNC = ("-c", "core.fsync=reference,loose-object", "-c", "core.fsyncMethod=fsync")


@contextmanager
def serving(repo: Path, database: str, log: Path) -> Iterator[int]:
    """``wiki serve`` of this checkout on ``repo`` until the block ends; yields its port."""
    port = free_port()
    command = [sys.executable, "-m", "wiki", "serve", "--repo", str(repo), "--database", database]
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz", process)
        wait_until_maintained(repo)
        wait_until_idle(process.pid)  # the start's background work (kept pages, blame) is not timed
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def request(connection: http.client.HTTPConnection, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    connection.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
    return json.loads(data)


def writers(port: int, token: str, pages: list[str], duration: float) -> dict[str, float]:
    """``len(pages)`` writers, each saving its own page for ``duration`` seconds."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(len(pages) + 1)
    failures: list[BaseException] = []

    def write(page: str) -> None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            current = request(connection, "GET", f"/api/pages/{page}", None, headers)
            revision, body = current["revision"], current["body"]
            mine: list[float] = []
            start.wait()
            deadline = time.perf_counter() + duration
            count = 0
            while time.perf_counter() < deadline:
                count += 1
                text = {"body": f"{body}\nbench {count}\n", "base_revision": revision, "message": f"bench {count}"}
                began = time.perf_counter()
                revision = request(connection, "PUT", f"/api/pages/{page}", text, headers)["revision"]
                mine.append((time.perf_counter() - began) * 1000)
            connection.close()
            with lock:
                latencies.extend(mine)
        except BaseException as error:  # reported by the caller
            failures.append(error)
            start.abort()

    threads = [threading.Thread(target=write, args=(page,)) for page in pages]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise failures[0]
    latencies.sort()
    return {
        "saves": len(latencies),
        "saves_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2], 2),
        "p90_ms": round(latencies[int(len(latencies) * 0.9)], 2),
    }


def git(repo: Path, *args: str, given: str | None = None) -> str:
    done = subprocess.run(
        ["git", f"--git-dir={repo}", *FSYNC, *args], input=given, text=True, check=True, capture_output=True
    )
    return done.stdout.strip()


def floor(repo: Path, page_file: str, commits: int) -> dict[str, float]:
    """The raw git floor per commit: the page's blob, its folder's and the root's trees, the
    commit and the compare-and-swap, each a git process started from Python."""
    folder, name = page_file.rsplit("/", 1)
    head = git(repo, "rev-parse", "refs/heads/main")
    root = git(repo, "ls-tree", head)
    inner = git(repo, "ls-tree", f"{head}:{folder}")
    env = {**os.environ, "GIT_AUTHOR_NAME": "Vloer", "GIT_AUTHOR_EMAIL": "vloer@bench.invalid"}
    env |= {"GIT_COMMITTER_NAME": "Vloer", "GIT_COMMITTER_EMAIL": "vloer@bench.invalid"}
    times: list[float] = []
    for number in range(commits):
        began = time.perf_counter()
        blob = git(repo, "hash-object", "-w", "--stdin", given=f"# {name}\n\nvloer {number} {time.time_ns()}\n")
        folder_tree = git(repo, "mktree", given=_replace(inner, name, "blob", blob))
        root_tree = git(repo, "mktree", given=_replace(root, folder, "tree", folder_tree))
        commit = subprocess.run(
            ["git", f"--git-dir={repo}", *FSYNC, "commit-tree", root_tree, "-p", head, "-m", f"vloer {number}"],
            env=env,
            text=True,
            check=True,
            capture_output=True,
        ).stdout.strip()
        git(repo, "update-ref", "refs/heads/main", commit, head)
        times.append((time.perf_counter() - began) * 1000)
        head, root, inner = commit, _replace(root, folder, "tree", folder_tree), _replace(inner, name, "blob", blob)
    times.sort()
    return {"commits": commits, "p50_ms": round(times[len(times) // 2], 2)}


def _replace(listing: str, name: str, kind: str, sha: str) -> str:
    """An ``ls-tree`` listing with the entry ``name`` pointing at ``sha`` (what ``mktree`` reads)."""
    mode = "040000" if kind == "tree" else "100644"
    lines = [line for line in listing.splitlines() if line.split("\t", 1)[1] != name]
    lines.append(f"{mode} {kind} {sha}\t{name}")
    return "\n".join(sorted(lines, key=lambda line: line.split("\t", 1)[1])) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="output folder of gen_repo.py")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "targets")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--floor-commits", type=int, default=60)
    args = parser.parse_args()
    manifest = json.loads((args.data / "manifest.json").read_text())
    pages = [page for page in manifest["pages"] if page != manifest.get("deep_page")][: max(WRITERS) + 1]
    work = Path(tempfile.mkdtemp(prefix="wiki-group-commit-"))
    try:
        for name in ("wiki.git", "floor.git"):
            subprocess.run(["git", "clone", "-q", "--bare", str(args.data / "repo"), str(work / name)], check=True)
        database = f"sqlite:///{work / 'wiki.sqlite3'}"
        token = make_editor(database)
        rounds: list[dict[str, Any]] = []
        with serving(work / "wiki.git", database, work / "server.log") as port:
            writers(port, token, pages[:1], 1.0)  # warm: the first save starts the writer's processes
            for number in range(args.rounds):
                measured: dict[str, Any] = {}
                for count in WRITERS if number % 2 == 0 else WRITERS[::-1]:
                    measured[str(count)] = writers(port, token, pages[1 : count + 1], args.duration)
                measured["floor"] = floor(work / "floor.git", manifest["files"][-1], args.floor_commits)
                print(json.dumps(measured), flush=True)
                rounds.append(measured)
        summary = summarise(rounds)
        summary["rounds"] = rounds
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "group_commit.json").write_text(json.dumps(summary, indent=2) + "\n")
        print(json.dumps({key: value for key, value in summary.items() if key != "rounds"}, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def summarise(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the rounds, and the two ratios the targets name."""

    def median(key: str, field: str) -> float:
        return round(float(statistics.median(measured[key][field] for measured in rounds)), 2)

    one, eight = median("1", "saves_per_s"), median("8", "saves_per_s")
    return {
        "saves_per_s": {"1": one, "8": eight},
        "p50_ms": {"1": median("1", "p50_ms"), "8": median("8", "p50_ms")},
        "floor_p50_ms": median("floor", "p50_ms"),
        "throughput_8_over_1": round(eight / one, 2),
        "p50_1_over_floor": round(median("1", "p50_ms") / median("floor", "p50_ms"), 2),
    }


if __name__ == "__main__":
    raise SystemExit(main())
