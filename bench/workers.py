#!/usr/bin/env python3
"""Signed-in page views: ``wiki serve --workers 2`` against one process, in one run (issue 19).

    .venv/bin/python bench/workers.py --data /tmp/benchdata/large --out bench/results/targets/workers.json \\
        [--connections 8] [--rounds 3] [--duration 8]

Both servers serve the same bare copy of DATA/repo and one database at once (as workers do:
one writer lock, one index, one leader), so the index is built once and both are measured in
the same state.  An editor made with the ``wiki`` command signs in once through the form; its
cookies go with every request, so no view is a page kept for anonymous readers.  The load
client runs here, on the same cores as the servers: ``--connections`` kept-alive connections
(8 by default) per measurement, each asking for pages of the manifest one after the other.
Towards the two workers the connections are split evenly (four each, told apart by the
process ``/readyz`` names), as many clients behind a balancer would be; a kernel left alone
may hand every connection opened at once to the worker that happened to be awake.
Rounds alternate one process, two workers, ...; the figure of each is the median of its
rounds, and the target is their ratio (>= 1.3x).
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.targets import EDITOR, make_editor, server, wait_until_maintained, wiki_command  # noqa: E402
from tests.server import free_port  # noqa: E402

PASSWORD = "bench-password-0123456789"  # noqa: S105 (the one ``make_editor`` gives)
SHOWN_NAME = b"Bench Editor"  # on every page the editor sees signed in
TARGET = 1.3


@contextmanager
def serving(repo: Path, database: str, log: Path, *extra: str) -> Iterator[str]:
    """``wiki serve`` (with ``extra`` arguments) until the block ends; yields its address."""
    port = free_port()
    command = wiki_command("serve", "--repo", str(repo), "--database", database, "--port", str(port), *extra)
    with server(command, f"http://127.0.0.1:{port}/healthz", log):
        yield f"http://127.0.0.1:{port}"


def sign_in(base: str) -> str:
    """The editor's cookies after signing in through the form, as one Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/signin") as response:
        form = response.read().decode()
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert found, "no form token on /signin"
    fields = {"username": EDITOR, "password": PASSWORD, "csrf_token": found.group(1), "next": "/"}
    with opener.open(f"{base}/signin", urllib.parse.urlencode(fields).encode()) as response:
        assert response.status == 200
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


@dataclass
class Connection:
    """One kept-alive connection of the load client."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def get(self, path: str, cookie: str) -> tuple[int, bytes]:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n"
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length: *(\d+)", head)
        assert length, "an answer without Content-Length"
        body = await self.reader.readexactly(int(length.group(1)))
        return int(head.split(b" ", 2)[1]), body

    def close(self) -> None:
        self.writer.close()


async def connections(base: str, count: int, workers: int) -> list[Connection]:
    """``count`` connections, split evenly over ``workers`` processes (by the pid of /readyz)."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    per_worker: dict[int, list[Connection]] = {}
    spare: list[Connection] = []
    deadline = time.monotonic() + 60  # the second worker may still be opening the site
    while time.monotonic() < deadline:
        reader, writer = await asyncio.open_connection(host, port)
        connection = Connection(reader, writer)
        status, body = await connection.get("/readyz", "")
        assert status == 200
        group = per_worker.setdefault(int(json.loads(body)["worker"]["pid"]), [])
        if len(per_worker) > workers:
            raise RuntimeError(f"{base} has more than {workers} worker(s)")
        (group if len(group) < count // workers else spare).append(connection)
        if sum(len(group) for group in per_worker.values()) == count:
            break
    else:
        raise RuntimeError(f"could not open {count // workers} connection(s) to each worker of {base}")
    for connection in spare:
        connection.close()
    return [connection for group in per_worker.values() for connection in group]


async def measure(base: str, workers: int, cookie: str, pages: list[str], args: argparse.Namespace) -> float:
    """Signed-in views per second over ``args.connections`` connections for ``args.duration`` s."""
    opened = await connections(base, args.connections, workers)
    status, body = await opened[0].get(f"/p/{pages[0]}", cookie)
    assert status == 200
    assert SHOWN_NAME in body, "the views are not signed in"
    deadline = time.perf_counter() + args.duration
    done = 0

    async def client(connection: Connection, seed: int) -> None:
        nonlocal done
        picker = random.Random(seed)
        while time.perf_counter() < deadline:
            status, _ = await connection.get(f"/p/{picker.choice(pages)}", cookie)
            assert status == 200
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(connection, seed) for seed, connection in enumerate(opened)))
    elapsed = time.perf_counter() - started
    for connection in opened:
        connection.close()
    return done / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="output folder of gen_repo.py")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "targets" / "workers.json")
    parser.add_argument("--connections", type=int, default=8, help="kept-alive connections of the load client")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per round and server")
    parser.add_argument("--pages", type=int, default=200, help="how many of the manifest's pages are viewed")
    args = parser.parse_args()
    pages = json.loads((args.data / "manifest.json").read_text())["pages"][: args.pages]
    work = Path(tempfile.mkdtemp(prefix="wiki-workers-"))
    try:
        repo = work / "repo.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(args.data / "repo"), str(repo)], check=True)
        database = f"sqlite:///{work / 'wiki.sqlite3'}"
        make_editor(database)
        rates: dict[str, list[float]] = {"one process": [], "two workers": []}
        with ExitStack() as stack:
            single = stack.enter_context(serving(repo, database, work / "single.log"))
            wait_until_maintained(repo)
            double = stack.enter_context(serving(repo, database, work / "workers.log", "--workers", "2"))
            cookie = sign_in(single)  # one database: the session is good on both
            for _ in range(args.rounds):
                rates["one process"].append(asyncio.run(measure(single, 1, cookie, pages, args)))
                rates["two workers"].append(asyncio.run(measure(double, 2, cookie, pages, args)))
        medians = {name: statistics.median(values) for name, values in rates.items()}
        summary = {
            "what": "signed-in page views per second, two workers against one process",
            "connections": args.connections,
            "client": "one asyncio process on the same cores as the servers",
            "cpus": os.cpu_count(),
            "pages": len(pages),
            "duration_s": args.duration,
            "rounds": {name: [round(value, 1) for value in values] for name, values in rates.items()},
            "rps": {name: round(value, 1) for name, value in medians.items()},
            "ratio": round(medians["two workers"] / medians["one process"], 2),
            "target": TARGET,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
        print(json.dumps(summary, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
