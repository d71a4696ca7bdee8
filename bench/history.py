#!/usr/bin/env python3
"""How fast history is on a large repository: index build, start-up, and p50/p95 per request.

    python bench/gen_repo.py --out /tmp/large --pages 2000 --commits 50000 --deep-revs 5000
    .venv/bin/python bench/history.py --data /tmp/large [--out bench/results/history-large.json]

Measures, on a copy of the generated repository:
- the first full index build (from ``git log --raw -M`` over every commit) and a start-up
  with the index present;
- in-process service calls: first page of history of the deep page and of sparse pages,
  recent changes, compare of two revisions, blame;
- the same pages over HTTP from a real ``wiki serve`` process (one client, keep-alive off).
Prints a table and writes JSON.  Not part of ``make test``: a benchmark, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.server import running_server
from wiki.config import Settings
from wiki.services.site import open_site


def timed(call: Callable[[], object], runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "runs": runs,
    }


def bare_copy(data: Path) -> tuple[Path, Settings]:
    """A scratch folder holding a bare copy of the generated repository, and settings for it."""
    work = Path(tempfile.mkdtemp(prefix="wiki-bench-"))
    repo = work / "repo.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(data / "repo"), str(repo)], check=True)
    return work, Settings(repo=repo, database_url=f"sqlite:///{work / 'wiki.sqlite3'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="output folder of gen_repo.py")
    parser.add_argument("--runs", type=int, default=200, help="requests per measurement")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    manifest = json.loads((args.data / "manifest.json").read_text())
    work, settings = bare_copy(args.data)
    repo = settings.repo
    commits = int(
        subprocess.run(
            ["git", f"--git-dir={repo}", "rev-list", "--count", "HEAD"], capture_output=True, text=True, check=True
        ).stdout
    )
    results: dict[str, object] = {"commits": commits, "pages": len(manifest["pages"])}

    start = time.perf_counter()
    site = open_site(settings)
    results["first_index_build_s"] = round(time.perf_counter() - start, 2)
    site.close()
    start = time.perf_counter()
    site = open_site(settings)
    results["start_up_with_index_s"] = round(time.perf_counter() - start, 3)

    deep = manifest["deep_page"]
    rnd = random.Random(7)
    others = [p for p in manifest["pages"] if p != deep]
    sparse = rnd.sample(others, min(50, len(others)))
    revisions = manifest["last_two_revs"]
    calls: dict[str, Callable[[], object]] = {
        "history, deep page (first 50)": lambda: site.history.page_history(deep),
        "history, sparse pages (first 50)": lambda: site.history.page_history(rnd.choice(sparse)),
        "recent changes (first 50)": site.history.recent_changes,
        "compare, deep page": lambda: site.history.compare(deep, *revisions[deep]),
        "page view data": lambda: site.pages.get(rnd.choice(sparse)),
    }
    service = {name: timed(call, args.runs) for name, call in calls.items()}
    service["blame, deep page (first, uncached)"] = timed(lambda: site.history.blame(deep), 1)
    service["blame, deep page (cached)"] = timed(lambda: site.history.blame(deep), 20)
    results["service"] = service
    site.close()

    paths = {
        "history, deep page": f"/history/{deep}",
        "history, sparse page": f"/history/{sparse[0]}",
        "recent changes": "/changes",
        "compare, deep page": f"/compare/{deep}?from={revisions[deep][0]}&to={revisions[deep][1]}",
        "api history, deep page": f"/api/history/{deep}",
        "view a page": f"/p/{sparse[1]}",
    }
    http: dict[str, dict[str, float]] = {}
    with running_server(settings, work / "server.log") as base:
        for name, path in paths.items():

            def get(url: str = base + path) -> None:
                with urllib.request.urlopen(url) as response:  # noqa: S310 (loopback)
                    response.read()

            get()
            http[name] = timed(get, args.runs)
    results["http"] = http
    shutil.rmtree(work)

    print(f"{commits} commits, {results['pages']} pages")
    print(
        f"first index build: {results['first_index_build_s']} s; start-up with index: "
        f"{results['start_up_with_index_s']} s"
    )
    report(results, args.out)
    return 0


def report(results: dict[str, object], out: Path | None) -> None:
    """Print the service and HTTP timings as a table, and write every result as JSON to ``out``."""
    for layer in ("service", "http"):
        for name, figures in results[layer].items():  # type: ignore[attr-defined]
            print(f"{layer:8} {name:48} p50 {figures['p50_ms']:8.2f} ms   p95 {figures['p95_ms']:8.2f} ms")
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
