"""A save with notifications against a save without, in one run (issue 16: "a save is not
measurably slower").

Two ``wiki serve`` processes on copies of the same data: *before*, a checkout of a commit from
before notifications (``--before``, e.g. ``git worktree add /tmp/before 10de4aa``), and *after*,
this checkout, where ``--watchers`` accounts watch the whole wiki, so every save is told to each
of them (notifications written by the notifier's thread while the saves go on).  Both share
one editor token (the database is made by the older code, then copied; the newer one migrates
its copy at start-up).  ``load.py bench --ops save`` interleaves the two per client count, so
machine noise hits both alike; the result is the ratio of their p50s.

    .venv/bin/python bench/save_ab.py --data /tmp/benchdata/small --before /tmp/before
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.targets import EDITOR, wait_for, wait_until_idle, wait_until_maintained  # noqa: E402
from tests.server import free_port  # noqa: E402


def wiki(tree: Path, *args: str, stdin: str | None = None) -> str:
    """Run the ``wiki`` command of the checkout ``tree``; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "wiki", *args],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
    )
    return done.stdout.strip()


@contextmanager
def serving(tree: Path, repo: Path, database: str, log: Path) -> Iterator[str]:
    """``wiki serve`` of ``tree`` until the block ends; yields its address."""
    port = free_port()
    command = [sys.executable, "-m", "wiki", "serve", "--repo", str(repo), "--database", database]
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        wait_until_maintained(repo)
        wait_until_idle(process.pid)  # the start's background work (kept pages, blame) is not timed
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="output folder of gen_repo.py")
    parser.add_argument("--before", type=Path, required=True, help="a checkout from before notifications")
    parser.add_argument("--watchers", type=int, default=20, help="accounts that watch the whole wiki")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=400)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "save_ab.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wiki-save-ab-"))
    try:
        repos = {}
        for name in ("before", "after"):
            repos[name] = work / name / "repo.git"
            subprocess.run(["git", "clone", "-q", "--bare", str(args.data / "repo"), str(repos[name])], check=True)
        made = f"sqlite:///{work / 'before' / 'wiki.sqlite3'}"
        wiki(args.before, "user", "add", EDITOR, "--role", "editor", "--database", made, stdin="bench-password-0123\n")
        token = wiki(args.before, "token", "create", EDITOR, "--label", "bench", "--database", made)
        shutil.copy(work / "before" / "wiki.sqlite3", work / "after" / "wiki.sqlite3")
        copied = f"sqlite:///{work / 'after' / 'wiki.sqlite3'}"
        for number in range(args.watchers):
            account = ["user", "add", f"watcher{number}", "--role", "contributor", "--database", copied]
            wiki(ROOT, *account, stdin="bench-password-0123\n")
        if args.watchers:  # without any, the newer code migrates its copy when it starts
            with sqlite3.connect(work / "after" / "wiki.sqlite3") as connection:
                connection.execute(
                    "INSERT INTO watches (user_id, kind, target, created)"
                    " SELECT id, 'all', '', ? FROM users WHERE username LIKE 'watcher%'",
                    (time.time(),),
                )
        results = work / "bench.jsonl"
        with ExitStack() as stack:
            before = stack.enter_context(serving(args.before, repos["before"], made, work / "before.log"))
            after = stack.enter_context(serving(ROOT, repos["after"], copied, work / "after.log"))
            targets = ["--target", f"before:wikisvc:{before}", "--target", f"after:wikisvc:{after}"]
            limits = ["--duration", str(args.duration), "--max-requests", str(args.max_requests)]
            load = [sys.executable, str(HERE / "load.py"), "bench", "--manifest", str(args.data / "manifest.json")]
            options = ["--ops", "save", "--conc", "1,8", "--set", f"api_token={token}", "--out", str(results)]
            subprocess.run([*load, *targets, *limits, *options], check=True)
        with sqlite3.connect(work / "after" / "wiki.sqlite3") as connection:
            told = connection.execute("SELECT count(*) FROM notifications").fetchone()[0]
        rows = [json.loads(line) for line in results.read_text().splitlines()]
        p50 = {(row["target"], row["conc"]): row["p50_ms"] for row in rows}
        summary = {
            "watchers": args.watchers,
            "notifications_written": told,
            "p50_ms": {f"{target}@{conc}": value for (target, conc), value in p50.items()},
            "ratio_after_before": {
                str(conc): round(p50[("after", conc)] / p50[("before", conc)], 2) for conc in (1, 8)
            },
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
        print(json.dumps(summary, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
