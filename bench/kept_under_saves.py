#!/usr/bin/env python3
"""Kept pages under saves, and proposal pages against page views (issue 19), in one run.

    .venv/bin/python bench/kept_under_saves.py --data /tmp/benchdata/large --out bench/results/targets \\
        [--rounds 3] [--seconds 6] [--clients 8]

One ``wiki serve`` on a bare clone of DATA (an output folder of bench/gen_repo.py), warm (every
page kept).  Then, in alternating rounds of ``--seconds`` each (so machine noise hits both alike):

1. *quiet*: ``--clients`` anonymous readers with keep-alive, each GETting random pages of all
   pages as fast as answers come;
2. *saving*: the same, while one editor saves a page (a random other page, through the JSON
   API with a token, base revision read first) every 2 s.

Then a proposal is made on one page, and in alternating rounds the readers GET the proposal
page, that page (kept), or that page rendered for every request (an address with a query
parameter no page is kept for).  Targets: views while saving >= 0.9x quiet views; proposal
page >= 0.5x a page view (medians of the rounds).  The server's peak resident memory (VmHWM)
after all of it is recorded too.  Writes ``kept_under_saves.json`` into ``--out``;
``bench/summary.py`` turns it into its table lines (``kept_lines`` of bench/benchmark_lines.py).
The server listens on 127.0.0.1 only and is stopped by its process id, also on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.load import Conn  # noqa: E402
from bench.targets import make_editor, memory, ours, server, wait_until_maintained, wait_until_warm  # noqa: E402
from tests.server import free_port  # noqa: E402

SAVE_EVERY_S = 2.0


async def readers(port: int, paths: list[str], clients: int, seconds: float) -> float:
    """Requests per second that ``clients`` keep-alive readers get for random ``paths``."""
    done = 0
    stop = time.perf_counter() + seconds

    async def reader() -> None:
        nonlocal done
        conn = Conn("127.0.0.1", port)  # type: ignore[no-untyped-call]
        pick = random.Random(len(paths) + done)
        try:
            while time.perf_counter() < stop:
                status, _headers, _body = await conn.request("GET", pick.choice(paths), {"Accept-Encoding": "gzip"})  # type: ignore[no-untyped-call]
                if status != 200:
                    raise RuntimeError(f"GET answered {status}")
                done += 1
        finally:
            conn.close()  # type: ignore[no-untyped-call]

    started = time.perf_counter()
    await asyncio.gather(*(reader() for _ in range(clients)))
    return done / (time.perf_counter() - started)


def api(base: str, method: str, path: str, token: str, body: object | None = None) -> dict[str, object]:
    """One JSON API call as the bench editor."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310 (loopback)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        answer: dict[str, object] = json.loads(response.read())
        return answer


def save(base: str, token: str, page: str, number: int) -> None:
    """Add a line to ``page`` (read first, for its base revision)."""
    address = "/api/pages/" + urllib.parse.quote(page)
    current = api(base, "GET", address, token)
    body = f"{current['body']}\nRegel {number} van de bench.\n"
    api(base, "PUT", address, token, {"body": body, "base_revision": current["revision"]})


async def saving(base: str, token: str, pages: list[str], seconds: float, counter: list[int]) -> None:
    """One save every ``SAVE_EVERY_S`` for ``seconds``, off the event loop of the readers."""
    stop = time.perf_counter() + seconds
    pick = random.Random(counter[0])
    while time.perf_counter() < stop:
        counter[0] += 1
        await asyncio.to_thread(save, base, token, pick.choice(pages), counter[0])
        await asyncio.sleep(max(0.0, min(SAVE_EVERY_S, stop - time.perf_counter())))


async def under_saves(
    base: str, port: int, token: str, pages: list[str], args: argparse.Namespace
) -> dict[str, object]:
    """Rounds of quiet and saving views, alternating."""
    paths = ["/p/" + urllib.parse.quote(page) for page in pages]
    quiet, busy, counter = [], [], [0]
    for _ in range(args.rounds):
        quiet.append(await readers(port, paths, args.clients, args.seconds))
        saves = asyncio.create_task(saving(base, token, pages, args.seconds, counter))
        busy.append(await readers(port, paths, args.clients, args.seconds))
        await saves
    return {"quiet_rps": quiet, "saving_rps": busy, "saves": counter[0]}


async def proposal_vs_page(port: int, proposal: str, page: str, args: argparse.Namespace) -> dict[str, object]:
    """Rounds of a proposal page, of the page it changes, and of that page rendered anew."""
    proposals, views, rendered = [], [], []
    for _ in range(args.rounds):
        proposals.append(await readers(port, [proposal], args.clients, args.seconds))
        views.append(await readers(port, [page], args.clients, args.seconds))
        rendered.append(await readers(port, [page + "?bench=1"], args.clients, args.seconds))
    return {"proposal_rps": proposals, "page_rps": views, "rendered_page_rps": rendered}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="output folder of gen_repo.py")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "targets")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of one round")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    manifest = json.loads((args.data / "manifest.json").read_text())
    pages: list[str] = manifest["pages"]
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="wiki-kept-"))
    try:
        repo = work / "repo.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(args.data / "repo"), str(repo)], check=True)
        database = f"sqlite:///{work / 'wiki.sqlite3'}"
        token = make_editor(database)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with server(ours(repo, database, port), f"{base}/healthz", work / "server.log") as (process, _):
            wait_until_warm(f"{base}/healthz")
            wait_until_maintained(repo)
            result: dict[str, object] = {"pages": len(pages), "clients": args.clients, "seconds": args.seconds}
            result |= asyncio.run(under_saves(base, port, token, pages, args))
            changed = pages[1]
            current = api(base, "GET", "/api/pages/" + urllib.parse.quote(changed), token)
            made = api(
                base,
                "POST",
                "/api/proposals",
                token,
                {"title": "Bench", "changes": [{"path": changed, "body": f"{current['body']}\nVoorstel.\n"}]},
            )
            proposal, page = f"/proposals/{made['id']}", "/p/" + urllib.parse.quote(changed)
            result |= asyncio.run(proposal_vs_page(port, proposal, page, args))
            result["memory"] = memory(process.pid)
        quiet, busy = statistics.median(result["quiet_rps"]), statistics.median(result["saving_rps"])  # type: ignore[arg-type]
        shown, viewed = statistics.median(result["proposal_rps"]), statistics.median(result["page_rps"])  # type: ignore[arg-type]
        result |= {"saving_ratio": busy / quiet, "proposal_ratio": shown / viewed}
        (args.out / "kept_under_saves.json").write_text(json.dumps(result, indent=2) + "\n")
        print(f"views while saving / quiet: {busy:.0f} / {quiet:.0f} req/s = {busy / quiet:.2f}x")
        print(f"proposal page / page view: {shown:.0f} / {viewed:.0f} req/s = {shown / viewed:.2f}x")
        rendered = statistics.median(result["rendered_page_rps"])  # type: ignore[arg-type]
        print(f"proposal page / page view rendered anew: {shown:.0f} / {rendered:.0f} req/s")
        print(f"peak resident memory: {result['memory']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
