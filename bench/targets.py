#!/usr/bin/env python3
"""Issue #7's targets measured in one run: our wiki, An Otter Wiki and a bare Starlette endpoint.

    .venv/bin/python bench/targets.py --data /tmp/benchdata/large --small /tmp/benchdata/small \\
        [--out bench/results/targets] [--duration 10] [--max-requests 400] [--view-max-requests 20000]

On copies of the generated repository DATA (an output folder of bench/gen_repo.py):

1. our wiki (``wiki serve``, one uvicorn process) on a bare clone, with an editor and an API
   token made with the ``wiki`` command: the first start (index built from every commit), then
   three starts with the index present, each timed from spawning to the first 200 of /healthz;
2. the peer (bench/peer_otterwiki.sh: gunicorn, 2 sync workers, as the shared kit ran it) on a
   copy with a work tree, and bench/hello_app.py answering the bytes our wiki sends for a page;
3. bench/load.py, all targets interleaved per operation: view (with the bare endpoint),
   history, search and recent changes over all pages, history and compare of the deep page
   (most pages have one revision, nothing to compare), then saves (ours through the JSON API
   with the token, base revision read per request);
4. bench/load.py writers: 8 concurrent writers, same page and different pages, on both; every
   acknowledged save's token must be in the branch's history afterwards;
5. VmRSS and VmHWM of our server process (and of its git children) after all of that;
6. with ``--small``: our wiki on that repository and on a fresh copy of DATA, both served at
   once, the reads at addresses never asked before with one client in alternating rounds, to show
   whether the p50s stay the same at 200 commits and at 50,000.

Writes ``bench.jsonl``, ``writers.jsonl``, ``flat-small.jsonl``, ``flat-large.jsonl`` and
``run.json`` to ``--out`` (emptied first); ``bench/summary.py`` turns them into the table of
targets.  Servers listen on 127.0.0.1 only and are stopped by their process id, also on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.server import free_port
from wiki.store.git.maintenance import PACK_DEPTH_KEY

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

EDITOR = "bench-editor"
PEER_FSYNC = (
    "none: An Otter Wiki commits with GitPython (IndexFile.add/commit), which writes objects, index "
    "and branch itself without fsync, so git's core.fsync does not apply; the shared kit ran it so too"
)
OURS_FSYNC = "objects and folders fsynced in-process, ref by git (core.fsync=reference,loose-object)"


def answers(url: str) -> bool:
    """True when ``url`` answers 200 right now."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 300) -> float:
    """Seconds until ``url`` answers 200, polled every 10 ms; fails when the process exits."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        if answers(url):
            return time.perf_counter() - start
        time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def wait_until_warm(url: str, timeout: float = 300) -> float:
    """Seconds until our ``/healthz`` says every page is kept for readers (``"warm": true``)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            if json.load(response).get("warm"):
                seconds = round(time.perf_counter() - start, 2)
                print(f"our wiki: every page kept for readers {seconds} s after it answered", flush=True)
                return seconds
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not report warm within {timeout} s")


def wait_until_maintained(repo: Path, timeout: float = 600) -> float:
    """Seconds until the server's background git maintenance has repacked the copied repository
    with short delta chains (it marks the repository with ``PACK_DEPTH_KEY`` then); measuring
    before that would time reads racing a repack."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        marked = subprocess.run(
            ["git", f"--git-dir={repo}", "config", "--get", PACK_DEPTH_KEY], capture_output=True, check=False
        )
        if marked.returncode == 0:
            seconds = round(time.perf_counter() - start, 2)
            print(f"our wiki: repository repacked by maintenance {seconds} s after that", flush=True)
            return seconds
        time.sleep(0.2)
    raise RuntimeError(f"{repo} was not repacked within {timeout} s")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used so far (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(pid: int, window: float = 1.0, busy: float = 0.05, timeout: float = 300) -> float:
    """Seconds until the server used less than ``busy`` of a core over ``window`` seconds: after
    a start it still derives what it keeps in the background (the blame of long histories, the
    search rows), and reads timed while it does measure that work, not the reads."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        before = cpu_seconds(pid)
        time.sleep(window)
        if cpu_seconds(pid) - before < busy * window:
            seconds = round(time.perf_counter() - start, 2)
            print(f"our wiki: idle {seconds} s after that", flush=True)
            return seconds
    raise RuntimeError(f"process {pid} was still busy after {timeout} s")


@contextmanager
def server(command: list[str], health: str, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    """Run ``command`` until the block ends; yields the process and its seconds to the first 200."""
    with log.open("ab") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        yield process, wait_for(health, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wiki_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "wiki", *args]


def make_editor(database: str) -> str:
    """An editor account and a personal API token for it, made with the ``wiki`` command."""
    subprocess.run(
        wiki_command(
            "user", "add", EDITOR, "--role", "editor", "--display-name", "Bench Editor", "--database", database
        ),
        input="bench-password-0123456789\n",
        text=True,
        check=True,
        capture_output=True,
    )
    created = subprocess.run(
        wiki_command("token", "create", EDITOR, "--label", "bench", "--database", database),
        text=True,
        check=True,
        capture_output=True,
    )
    return created.stdout.strip()


def ours(repo: Path, database: str, port: int) -> list[str]:
    return wiki_command("serve", "--repo", str(repo), "--database", database, "--port", str(port))


def _status(pid: int | str) -> dict[str, str]:
    text = Path(f"/proc/{pid}/status").read_text()
    return {key: value.strip() for key, _, value in (line.partition(":") for line in text.splitlines())}


def _kb(value: str) -> int:
    return int(value.split(maxsplit=1)[0]) if value else 0


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB; and of its child processes (git readers) their count,
    summed VmRSS, summed RssAnon (their own memory) and summed Pss (shared pages such as a
    mapped pack file split between the processes that map them)."""
    mine = _status(pid)
    figures: dict[str, float] = {"VmRSS_mb": _kb(mine["VmRSS"]) / 1024, "VmHWM_mb": _kb(mine["VmHWM"]) / 1024}
    children = rss = anon = pss = 0
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            status = _status(folder.name)
            if status.get("PPid") != str(pid):
                continue
            rollup = (folder / "smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        children += 1
        rss += _kb(status.get("VmRSS", ""))
        anon += _kb(status.get("RssAnon", ""))
        pss += sum(_kb(line.split(":", 1)[1]) for line in rollup if line.startswith("Pss:"))
    figures |= {"children": children, "children_VmRSS_mb": rss / 1024, "children_RssAnon_mb": anon / 1024}
    figures["children_Pss_mb"] = pss / 1024
    return {key: round(value, 1) for key, value in figures.items()}


def git_count(repo: Path) -> int:
    out = subprocess.run(
        ["git", f"--git-dir={repo}", "rev-list", "--count", "main"], capture_output=True, text=True, check=True
    )
    return int(out.stdout)


class Run:
    """One measurement run: where results go and how long each loop may take."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.out: Path = args.out
        self.label: str = args.data.name
        self.limits = ["--duration", str(args.duration), "--max-requests", str(args.max_requests)]

    def load(self, *arguments: str) -> None:
        """bench/load.py with ``arguments``; its table goes to our output."""
        sys.stdout.flush()
        subprocess.run([sys.executable, str(HERE / "load.py"), *arguments], check=True, cwd=ROOT)

    def copies(self, data: Path, name: str) -> tuple[Path, str]:
        """A bare clone of ``data``'s repository for our wiki, and a database URL beside it."""
        folder = self.work / name
        folder.mkdir()
        repo = folder / "repo.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(data / "repo"), str(repo)], check=True)
        return repo, f"sqlite:///{folder / 'wiki.sqlite3'}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="output folder of gen_repo.py (the large set)")
    parser.add_argument("--small", type=Path, help="a small set (200 commits), for the flatness of history")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "targets", help="folder for the results")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per operation and target at most")
    parser.add_argument("--max-requests", type=int, default=400, help="requests per operation and target at most")
    parser.add_argument("--view-max-requests", type=int, default=20000, help="the same for page views")
    parser.add_argument("--conc", default="1,8", help="client counts for the side by side")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--saves", type=int, default=25, help="saves per writer")
    parser.add_argument("--otter-venv", type=Path, default=ROOT / ".venv-otter")
    args = parser.parse_args()
    args.data = args.data.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("bench.jsonl", "writers.jsonl", "flat-small.jsonl", "flat-large.jsonl", "run.json"):
        (args.out / name).unlink(missing_ok=True)
    work = Path(tempfile.mkdtemp(prefix="wiki-targets-"))
    try:
        run = Run(args, work)
        record: dict[str, object] = {
            "label": run.label,
            "data": str(args.data),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "load_before": os.getloadavg(),
            "cpus": os.cpu_count(),
            "git": subprocess.run(["git", "--version"], capture_output=True, text=True, check=True).stdout.strip(),
            "duration_s": args.duration,
            "max_requests": args.max_requests,
            "peer": {"system": "otterwiki 2.26.1, gunicorn 27.0.1, 2 sync workers", "fsync": PEER_FSYNC},
            "ours": {"system": "wiki serve, one uvicorn process", "fsync": OURS_FSYNC},
        }
        record.update(side_by_side(run))
        if args.small:
            record["flat"] = flatness(run, args.small.resolve())
        record["load_after"] = os.getloadavg()
        (args.out / "run.json").write_text(json.dumps(record, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def side_by_side(run: Run) -> dict[str, object]:
    """Steps 1 to 5 of the module docstring on ``--data``; returns start-up and memory figures."""
    args, work, out = run.args, run.work, run.out
    manifest = json.loads((args.data / "manifest.json").read_text())
    repo, database = run.copies(args.data, "ours")
    token = make_editor(database)
    peer_repo = work / "peer" / "repo"
    peer_repo.parent.mkdir()
    subprocess.run(["cp", "-a", str(args.data / "repo"), str(peer_repo)], check=True)
    figures: dict[str, object] = {"commits": git_count(repo), "pages": len(manifest["pages"])}
    port = free_port()
    health = f"http://127.0.0.1:{port}/healthz"
    command = ours(repo, database, port)
    with server(command, health, work / "ours.log") as (_, first):
        figures["first_start_s"] = round(first, 2)  # builds every index from all commits
    starts = []
    for _ in range(3):
        with server(command, health, work / "ours.log") as (_, seconds):
            starts.append(round(seconds, 3))
    figures["starts_with_index_s"] = starts
    figures["start_with_index_s"] = statistics.median(starts)
    print(f"our wiki: first start {figures['first_start_s']} s (index build), then {starts} s", flush=True)

    peer_port, hello_port = free_port(), free_port()
    env = {**os.environ, "OTTER_VENV": str(args.otter_venv)}
    peer_script = str(HERE / "peer_otterwiki.sh")
    with ExitStack() as stack:
        process, _ = stack.enter_context(server(command, health, work / "ours.log"))
        figures["warm_s"] = wait_until_warm(health)  # every page kept for readers
        figures["maintained_s"] = wait_until_maintained(repo)
        stack.callback(subprocess.run, [peer_script, "stop", str(peer_repo)], check=False, env=env)
        subprocess.run([peer_script, "start", str(peer_repo), str(peer_port), "2"], check=True, env=env)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/p/{manifest['pages'][0]}") as response:
            page = response.read()
        figures["view_bytes"] = (work / "page.html").write_bytes(page)
        page_file = str(work / "page.html")
        hello = [sys.executable, str(HERE / "hello_app.py"), "--page", page_file, "--port", str(hello_port)]
        stack.enter_context(server(hello, f"http://127.0.0.1:{hello_port}/healthz", work / "hello.log"))

        peer, wiki, bare = (
            f"peer:otterwiki:http://127.0.0.1:{peer_port}",
            f"ours:wikisvc:http://127.0.0.1:{port}",
            f"hello:hello:http://127.0.0.1:{hello_port}",
        )
        manifest_file = str(args.data / "manifest.json")
        both = ["--manifest", manifest_file, "--target", peer, "--target", wiki]
        common = [*both, "--label", run.label, "--conc", args.conc, "--out", str(out / "bench.jsonl")]
        # Views may run to --view-max-requests: 400 requests take the bare endpoint a fraction of a second.
        view_limits = ["--duration", str(args.duration), "--max-requests", str(args.view_max_requests)]
        run.load("bench", *common, *view_limits, "--target", bare, "--ops", "view")
        # Compare on the deep page only: most generated pages have a single revision (load.py needs two).
        run.load("bench", *common, *run.limits, "--ops", "history,search,recent")
        run.load("bench", *common, *run.limits, "--pages", "deep", "--ops", "history,diff")
        run.load("bench", *common, *run.limits, "--ops", "save", "--set", f"api_token={token}")
        writers = ["--writers", str(args.writers), "--saves", str(args.saves), "--set", f"api_token={token}"]
        for mode in ("same", "different"):
            for target, target_repo in ((peer, peer_repo), (wiki, repo)):
                where = ["--manifest", manifest_file, "--target", target, "--repo", str(target_repo)]
                run.load("writers", *where, *writers, "--mode", mode, "--out", str(out / "writers.jsonl"))
        figures["memory"] = memory(process.pid)
        print(f"our wiki after the runs: {figures['memory']}", flush=True)
    return figures


FLAT_ROUNDS = 3


def flatness(run: Run, small_data: Path) -> dict[str, object]:
    """Step 6: our wiki on the small set and on a fresh copy of the large one, both started,
    kept warm and maintained the same way and otherwise idle, the same reads with one client.
    Rounds alternate which set goes first, so drift on the machine hits both alike; both start
    once their server is idle, so no round times reads against work still done after a start."""
    sets = {"small": small_data, "large": run.args.data}
    served: dict[str, tuple[Path, int, Path, int]] = {}
    figures: dict[str, object] = {}
    with ExitStack() as stack:
        for name, data in sets.items():
            repo, database = run.copies(data, f"flat-{name}")
            port = free_port()
            health = f"http://127.0.0.1:{port}/healthz"
            process, _ = stack.enter_context(server(ours(repo, database, port), health, run.work / f"flat-{name}.log"))
            served[name] = (data, port, repo, process.pid)
        for name, (data, port, repo, pid) in served.items():
            wait_until_warm(f"http://127.0.0.1:{port}/healthz")
            wait_until_maintained(repo)
            figures[name] = {"label": data.name, "commits": git_count(repo), "idle_after_s": wait_until_idle(pid)}
        for turn in range(FLAT_ROUNDS):
            for name in list(served) if turn % 2 == 0 else reversed(list(served)):
                data, port, _, _ = served[name]
                common = [
                    *("--manifest", str(data / "manifest.json"), "--label", f"{name}-{turn}"),
                    *("--target", f"ours:wikisvc:http://127.0.0.1:{port}", *run.limits, "--conc", "1"),
                    *("--out", str(run.out / f"flat-{name}.jsonl")),
                ]
                run.load("bench", *common, "--ops", "history_fresh,recent_fresh,search")
                run.load("bench", *common, "--pages", "deep", "--ops", "history_fresh,diff_fresh")
    return figures


if __name__ == "__main__":
    sys.exit(main())
