#!/usr/bin/env python3
"""Kept page views while ``/export/site.zip`` is built, against the same views without a build.

    .venv/bin/python bench/export_load.py --data /tmp/benchdata/large --out bench/results/targets \\
        [--clients 8] [--rounds 3] [--seconds 5]

On a bare copy of the generated repository DATA, one ``wiki serve``: anonymous readers fetch pages
that are kept (each fetched once first) with ``--clients`` keep-alive connections.  After a
warm-up, each round measures them for ``--seconds`` without an export and as long again (or until
it arrives) while the static site is built: the download is asked with a Host no round used
before, so its address (and so its file) is new and the child process really builds it; it then
finishes without readers.  Then the same download is asked again (a file read).  Rounds
interleave the two (the build first in every other round), so drift in the machine's load hits
both alike.
Writes ``export_load.json`` into ``--out``: views/s quiet and during each build, their ratio
(sum of views over sum of seconds), the build's seconds and the second request's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.history import bare_copy
from tests.server import running_server
from wiki.services.site import open_site

PAGES = 200


class Connection:
    """One keep-alive HTTP/1.1 connection that reads answers with a Content-Length."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str, host: str = "127.0.0.1") -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\n\r\n".encode())
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = dict(line.lower().split(": ", 1) for line in head[1:] if ": " in line)
        body = await reader.readexactly(int(fields.get("content-length", "0")))
        return int(head[0].split(" ")[1]), body

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def views(port: int, pages: list[str], clients: int, done: Callable[[], bool]) -> tuple[int, float]:
    """Views served by ``clients`` connections until ``done()``; how many, in how many seconds."""
    started = time.perf_counter()
    counts = [0] * clients

    async def reader(number: int) -> None:
        connection = Connection(port)
        chosen = random.Random(number)
        try:
            while not done():
                status, _body = await connection.get("/p/" + chosen.choice(pages))
                if status == 200:
                    counts[number] += 1
        finally:
            connection.close()

    await asyncio.gather(*(reader(number) for number in range(clients)))
    return sum(counts), time.perf_counter() - started


def after(seconds: float) -> Callable[[], bool]:
    """True from ``seconds`` from now on."""
    stop = time.perf_counter() + seconds
    return lambda: time.perf_counter() >= stop


async def export(port: int, host: str, finished: asyncio.Event) -> float:
    """Seconds until ``/export/site.zip`` asked with ``host`` arrives whole."""
    connection = Connection(port)
    started = time.perf_counter()
    try:
        status, body = await connection.get("/export/site.zip", host)
        if status != 200 or not body.startswith(b"PK"):
            raise RuntimeError(f"the export answered {status}")
        return time.perf_counter() - started
    finally:
        connection.close()
        finished.set()


async def while_built(port: int, pages: list[str], args: argparse.Namespace, host: str) -> tuple[int, float, float]:
    """Views while a new static site is built (for ``--seconds`` at most), and the build's seconds."""
    finished = asyncio.Event()
    build = asyncio.create_task(export(port, host, finished))
    window = after(args.seconds)
    during, during_s = await views(port, pages, args.clients, lambda: finished.is_set() or window())
    return during, during_s, await build


async def measure(port: int, pages: list[str], args: argparse.Namespace) -> dict[str, object]:
    connection = Connection(port)
    for page in pages:  # kept from here on
        await connection.get("/p/" + page)
    connection.close()
    rounds = []
    load_before = os.getloadavg()[0]
    await views(port, pages, args.clients, after(args.seconds))  # warm-up, not counted
    for number in range(args.rounds):
        host = f"round-{number}-{time.time_ns()}.bench.invalid"
        if number % 2:  # every other round the build first: a drift in the machine's load evens out
            during, during_s, build_s = await while_built(port, pages, args, host)
            quiet, quiet_s = await views(port, pages, args.clients, after(args.seconds))
        else:
            quiet, quiet_s = await views(port, pages, args.clients, after(args.seconds))
            during, during_s, build_s = await while_built(port, pages, args, host)
        again_s = await export(port, host, asyncio.Event())
        rounds.append({
            "quiet_views": quiet, "quiet_s": round(quiet_s, 3), "during_views": during,
            "during_s": round(during_s, 3), "build_s": round(build_s, 3), "second_request_s": round(again_s, 4),
        })  # fmt: skip
    quiet_rate = sum(float(r["quiet_views"]) for r in rounds) / sum(float(r["quiet_s"]) for r in rounds)
    during_rate = sum(float(r["during_views"]) for r in rounds) / sum(float(r["during_s"]) for r in rounds)
    return {
        "clients": args.clients,
        "load_average": [load_before, os.getloadavg()[0]],
        "rounds": rounds,
        "quiet_rps": round(quiet_rate, 1),
        "during_build_rps": round(during_rate, 1),
        "ratio": round(during_rate / quiet_rate, 3),
        "build_s_median": sorted(float(r["build_s"]) for r in rounds)[len(rounds) // 2],
        "second_request_s_median": sorted(float(r["second_request_s"]) for r in rounds)[len(rounds) // 2],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="output folder of gen_repo.py")
    parser.add_argument("--out", type=Path, required=True, help="folder to write export_load.json into")
    parser.add_argument("--clients", type=int, default=8, help="keep-alive reader connections")
    parser.add_argument("--rounds", type=int, default=3, help="quiet and during-a-build rounds, interleaved")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each quiet measurement")
    args = parser.parse_args()
    manifest = json.loads((args.data / "manifest.json").read_text())
    pages = random.Random(7).sample(manifest["pages"], min(PAGES, len(manifest["pages"])))
    work, settings = bare_copy(args.data)
    try:
        open_site(settings).close()  # the index built here, so the server starts within its wait
        with running_server(settings, work / "server.log") as base:
            results = asyncio.run(measure(int(base.rsplit(":", 1)[1]), pages, args))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["pages"] = len(manifest["pages"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "export_load.json").write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"kept views {results['quiet_rps']} req/s quiet, {results['during_build_rps']} req/s while the site is built "
        f"({results['ratio']}x); build {results['build_s_median']} s, "
        f"second request {results['second_request_s_median']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
