#!/usr/bin/env python3
"""Whether memory stays flat: bursts of work for half an hour, resident peak early and late.

    .venv/bin/python bench/soak.py --data /tmp/benchdata/large [--minutes 30] [--out DIR]

Our wiki (``wiki serve``) on a bare copy of DATA, warmed like bench/targets.py warms it.
Then, until ``--minutes`` have passed, bursts: bench/load.py with 8 clients over views,
history, search, recent changes and saves (a few seconds each), then a pause longer than
the thread pool keeps an idle worker (AnyIO lets one go after 10 s), so every burst is
served partly by threads that did not exist before, as a day of office traffic is.

VmHWM (the resident peak) is read after the first 5 minutes and at the end; the target is
an end within 10 % of the early figure.  Open SQLite connections cannot be counted from
outside, so the number of open file descriptors (``/proc/PID/fd``) is reported beside it:
a connection per gone thread shows there as a rising count.  Writes ``soak.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.targets import (  # noqa: E402 (run as a script)
    make_editor,
    memory,
    ours,
    server,
    wait_until_maintained,
    wait_until_warm,
)
from tests.server import free_port  # noqa: E402

EARLY_S = 300
PAUSE_S = 12
BURST_OPS = "view,history,search,recent,save"


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def burst(manifest: Path, port: int, token: str, out: Path) -> None:
    """One burst of 8 clients, a few seconds per operation."""
    subprocess.run(
        [
            sys.executable,
            str(HERE / "load.py"),
            "bench",
            "--manifest",
            str(manifest),
            "--target",
            f"ours:wikisvc:http://127.0.0.1:{port}",
            "--label",
            "soak",
            "--conc",
            "8",
            "--ops",
            BURST_OPS,
            "--duration",
            "3",
            "--max-requests",
            "2000",
            "--set",
            f"api_token={token}",
            "--out",
            str(out),
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def soak(data: Path, minutes: float, work: Path) -> dict[str, object]:
    repo = work / "repo.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(data / "repo"), str(repo)], check=True)
    database = f"sqlite:///{work / 'wiki.sqlite3'}"
    token = make_editor(database)
    port = free_port()
    health = f"http://127.0.0.1:{port}/healthz"
    with server(ours(repo, database, port), health, work / "ours.log") as (process, _):
        wait_until_warm(health)
        wait_until_maintained(repo)
        start = time.monotonic()
        early: dict[str, float] | None = None
        bursts = 0
        samples: list[dict[str, float]] = []
        while time.monotonic() - start < minutes * 60:
            burst(data / "manifest.json", port, token, work / "load.jsonl")
            bursts += 1
            time.sleep(PAUSE_S)  # pacing: longer than the pool keeps an idle thread
            figures = memory(process.pid)
            sample = {
                "s": round(time.monotonic() - start),
                "VmHWM_mb": figures["VmHWM_mb"],
                "VmRSS_mb": figures["VmRSS_mb"],
                "fds": open_files(process.pid),
            }
            samples.append(sample)
            print(f"soak: {sample}", flush=True)
            if early is None and time.monotonic() - start >= EARLY_S:
                early = sample
        late = samples[-1]
        first = early or samples[0]
    return {
        "minutes": minutes,
        "bursts": bursts,
        "early": first,
        "end": late,
        "ratio": round(late["VmHWM_mb"] / first["VmHWM_mb"], 3),
        "samples": samples,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="output folder of gen_repo.py")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "targets")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wiki-soak-") as folder:
        figures = soak(args.data.resolve(), args.minutes, Path(folder))
    (args.out / "soak.json").write_text(json.dumps(figures, indent=1))
    print(f"soak: VmHWM {figures['early']} early, {figures['end']} at the end, ratio {figures['ratio']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
