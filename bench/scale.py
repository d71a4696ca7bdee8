#!/usr/bin/env python3
"""10,000 pages against 2,000 (issue 19's targets at scale), in one run.

    .venv/bin/python bench/scale.py --huge /tmp/benchdata/huge --large /tmp/benchdata/large \\
        [--out bench/results/targets] [--rounds 3] [--seconds 6]

HUGE and LARGE are output folders of bench/gen_repo.py (10,000 pages and 200,000 commits; 2,000
and 50,000).  On a bare copy of each, with no index yet:

1. ``wiki serve`` is started on HUGE alone and timed from the spawn until ``/readyz`` answers 200
   (the index is caught up with the branch; ``/healthz`` answers before that);
2. it is left to keep every page for readers and to repack, then LARGE is served next to it the
   same way; how many pages HUGE keeps is read from its ``/metrics`` (``wiki_kept_pages``);
3. in ``--rounds`` rounds that alternate which set goes first: anonymous views of random pages at 1
   and 8 keep-alive clients (``--seconds`` each), then p50s of one client at addresses no cache has
   seen: history of random pages and of the deep page, recent changes, and a search on a word that
   is in every page;
4. HUGE's peak resident memory (VmHWM) is read last.

Targets: views HUGE / LARGE >= 0.8x, every page kept, first start < 10 s, peak < 300 MB,
history and recent changes flat, search <= 2x.  Writes ``scale.json`` into ``--out``;
``bench/summary.py`` turns it into its table lines (``scale_lines`` of bench/benchmark_lines.py,
printed here too).  Both servers listen on 127.0.0.1 only and are stopped by their process ids,
also on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import astuple
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.benchmark_lines import EVERY_PAGE_WORD, scale_lines  # noqa: E402
from bench.kept_under_saves import readers  # noqa: E402
from bench.load import Conn  # noqa: E402
from bench.targets import memory, ours, server, wait_until_maintained, wait_until_warm  # noqa: E402
from tests.server import free_port  # noqa: E402

METRICS_TOKEN = "bench-metrics-token-0123456789"  # noqa: S105 (a throwaway token on loopback)
FRESH_REQUESTS = 60


class Served:
    """One generated set served on a bare copy: its port, pages and deep page."""

    def __init__(self, data: Path, work: Path, name: str) -> None:
        manifest = json.loads((data / "manifest.json").read_text())
        self.name, self.pages, self.deep = name, list(manifest["pages"]), str(manifest["deep_page"])
        self.repo = work / f"{name}.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(data / "repo"), str(self.repo)], check=True)
        self.database = f"sqlite:///{work / (name + '.sqlite3')}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = work / f"{name}.log"
        self.paths = ["/p/" + urllib.parse.quote(page) for page in self.pages]


def kept_pages(served: Served) -> int:
    """``wiki_kept_pages`` of the server's own ``/metrics``."""
    request = urllib.request.Request(served.base + "/metrics")  # noqa: S310 (loopback)
    request.add_header("Authorization", f"Bearer {METRICS_TOKEN}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        if family.name == "wiki_kept_pages":
            return int(sum(sample.value for sample in family.samples))
    raise RuntimeError("/metrics has no wiki_kept_pages")


async def fresh_p50(served: Served, kind: str, pick: random.Random) -> float:
    """p50 in ms of one client asking ``kind`` at addresses no cache has seen."""
    conn = Conn("127.0.0.1", served.port)  # type: ignore[no-untyped-call]
    took = []
    try:
        for number in range(FRESH_REQUESTS):
            nonce = f"{pick.random():.12f}{number}"
            if kind == "history":
                path = "/history/" + urllib.parse.quote(pick.choice(served.pages)) + f"?fresh={nonce}"
            elif kind == "history_deep":
                path = "/history/" + urllib.parse.quote(served.deep) + f"?fresh={nonce}"
            elif kind == "recent":
                path = f"/changes?fresh={nonce}"
            else:
                path = f"/search?q={EVERY_PAGE_WORD}&fresh={nonce}"
            start = time.perf_counter()
            status, _headers, _body = await conn.request("GET", path, {"Accept-Encoding": "gzip"})  # type: ignore[no-untyped-call]
            took.append((time.perf_counter() - start) * 1000)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
    finally:
        conn.close()  # type: ignore[no-untyped-call]
    return statistics.median(took)


FRESH_KINDS = ("history", "history_deep", "recent", "search")


async def rounds(huge: Served, large: Served, count: int, seconds: float) -> dict[str, Any]:
    """Views and fresh p50s of both sets, in rounds that alternate which set goes first."""
    result: dict[str, Any] = {"huge": {}, "large": {}}
    pick = random.Random(19)
    for number in range(count):
        order = (huge, large) if number % 2 == 0 else (large, huge)
        for clients in (1, 8):
            for served in order:
                rate = await readers(served.port, served.paths, clients, seconds)
                result[served.name].setdefault(f"view_{clients}_rps", []).append(rate)
        for kind in FRESH_KINDS:
            for served in order:
                result[served.name].setdefault(f"{kind}_p50_ms", []).append(await fresh_p50(served, kind, pick))
    return result


def spawn_to_ready(served: Served, stack: ExitStack) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``wiki serve`` on ``served`` and return it with the seconds from spawn to /readyz 200."""
    started = time.perf_counter()
    command = ours(served.repo, served.database, served.port)
    os.environ["WIKI_METRICS_TOKEN"] = METRICS_TOKEN
    process, _ = stack.enter_context(server(command, f"{served.base}/readyz", served.log))
    return process, round(time.perf_counter() - started, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--huge", type=Path, required=True, help="gen_repo.py folder, 10,000 pages")
    parser.add_argument("--large", type=Path, required=True, help="gen_repo.py folder, 2,000 pages")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "targets")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of one round of views")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="wiki-scale-"))
    try:
        huge, large = Served(args.huge, work, "huge"), Served(args.large, work, "large")
        with ExitStack() as stack:
            process, ready_s = spawn_to_ready(huge, stack)
            print(f"huge: first start to /readyz {ready_s} s", flush=True)
            start_memory = memory(process.pid)
            wait_until_warm(f"{huge.base}/healthz", timeout=900)
            wait_until_maintained(huge.repo, timeout=900)
            spawn_to_ready(large, stack)
            wait_until_warm(f"{large.base}/healthz", timeout=900)
            wait_until_maintained(large.repo, timeout=900)
            result: dict[str, Any] = {
                "pages": len(huge.pages),
                "large_pages": len(large.pages),
                "first_start_to_ready_s": ready_s,
                "memory_at_ready": start_memory,
                "kept_pages": kept_pages(huge),
            }
            result |= asyncio.run(rounds(huge, large, args.rounds, args.seconds))
            result["kept_pages_after"] = kept_pages(huge)
            result["memory"] = memory(process.pid)
        (args.out / "scale.json").write_text(json.dumps(result, indent=2) + "\n")
        for line in scale_lines(args.out):
            print(" | ".join(str(part) for part in astuple(line)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
