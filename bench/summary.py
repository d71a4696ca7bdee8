#!/usr/bin/env python3
"""One table of issue #7's targets from the JSON that bench/targets.py wrote.

    .venv/bin/python bench/summary.py [--results bench/results/targets] [--history FILE] [--markdown]

Columns: operation, the peer's figure (or the reference named in the operation), ours, the
ratio, the target and whether it is met.  Ratios are of figures measured in the same run on
the same data.  Writes the rows to ``summary.json`` beside the results as well.

Readings of the targets (also printed under the table):
- throughput ratios are req/s over req/s at the same number of clients;
- "p50 under 10 ms" is with one client (with 8, a p50 includes waiting for the other 7);
- "flat" means the p50 on the large repository is at most 1.5 times the p50 on the small one,
  or at most 1 ms more (run to run noise on this machine is about that large); both are served
  at once in the same state, and each p50 is the median of the rounds' p50s;
- save errors are answers other than success and 409 (a refused conflicting edit is a correct
  answer: the writer is told and gets the current text back, nothing is lost).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench import scale  # noqa: E402

Row = dict[str, Any]

READS = (
    ("history", "all", "history, first page, sparse pages"),
    ("history", "deep", "history, first page, deep page"),
    ("diff", "deep", "compare two revisions, deep page"),
    ("search", "all", "search"),
    ("recent", "all", "recent changes"),
)
FLAT_FACTOR = 1.5
FLAT_MARGIN_MS = 1.0


@dataclass
class Line:
    """One row of the table."""

    operation: str
    peer: str
    ours: str
    ratio: str
    target: str
    met: bool | None  # None: informational, or no data


def read_jsonl(path: Path) -> list[Row]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def keyed(rows: list[Row]) -> dict[tuple[str, str, str, int], Row]:
    """Load rows by (target, op, pages, clients); a later row replaces an earlier one."""
    return {(r["target"], r["op"], r["pages"], int(r["conc"])): r for r in rows}


def medians(rows: list[Row]) -> dict[tuple[str, str, str, int], float]:
    """The median p50 per (target, op, pages, clients) over the rounds of a flatness run."""
    rounds: dict[tuple[str, str, str, int], list[float]] = {}
    for r in rows:
        rounds.setdefault((r["target"], r["op"], r["pages"], int(r["conc"])), []).append(float(r["p50_ms"]))
    return {key: statistics.median(values) for key, values in rounds.items()}


def get(row: Row | None, field: str) -> float | None:
    """A figure of a load row, or None when the row is missing."""
    return None if row is None else float(row[field])


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"
    return f"{text}{unit}"


def times(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}x" if value >= 10 else f"{value:.1f}x"


def ratio_line(operation: str, peer: Row | None, ours: Row | None, at_least: float, field: str = "rps") -> Line:
    """ours/peer of req/s (or peer/ours of a latency) against ``at_least``."""
    theirs, mine = get(peer, field), get(ours, field)
    unit = " req/s" if field == "rps" else " ms"
    if not theirs or not mine:
        return Line(operation, fmt(theirs, unit), fmt(mine, unit), "-", f">= {at_least:g}x peer", None)
    value = mine / theirs if field == "rps" else theirs / mine
    return Line(
        operation, fmt(theirs, unit), fmt(mine, unit), times(value), f">= {at_least:g}x peer", value >= at_least
    )


def is_flat(small: float, large: float) -> bool:
    return large <= small * FLAT_FACTOR or large - small <= FLAT_MARGIN_MS


def lines(results: Path, history: Path | None) -> Iterator[Line]:
    run: Row = json.loads((results / "run.json").read_text()) if (results / "run.json").exists() else {}
    bench = keyed(read_jsonl(results / "bench.jsonl"))
    flat = (medians(read_jsonl(results / "flat-small.jsonl")), medians(read_jsonl(results / "flat-large.jsonl")))
    concs = sorted({key[3] for key in bench})

    def row(target: str, op: str, pages: str, conc: int) -> Row | None:
        return bench.get((target, op, pages, conc))

    yield from view_lines(row, concs)
    for op, pages, name in READS:
        for conc in concs:
            yield ratio_line(
                f"{name}, {conc} client(s)", row("peer", op, pages, conc), row("ours", op, pages, conc), 50
            )
        p50 = get(row("ours", op, pages, 1), "p50_ms")
        yield Line(
            f"{name}, p50, 1 client",
            fmt(get(row("peer", op, pages, 1), "p50_ms"), " ms"),
            fmt(p50, " ms"),
            "",
            "< 10 ms",
            None if p50 is None else p50 < 10,
        )
        yield from flat_lines((op, pages, name), *flat, run)
    yield from save_lines(row, concs, read_jsonl(results / "writers.jsonl"))
    yield from server_lines(run, history)
    yield from soak_lines(results)
    yield from export_lines(results)
    yield from blame_lines(results / "blame.json")
    yield from kept_lines(results)
    yield from signed_in_lines(results / "signed_in.json")
    yield from workers_lines(results)
    yield from group_commit_lines(results)
    yield from (Line(*line) for line in scale.scale_lines(results))


def signed_in_lines(path: Path) -> Iterator[Line]:
    """bench/signed_in.py: signed-in views and the deep page's history against anonymous ones
    (req/s over req/s, same server, interleaved), issue 19's ">= 0.6x"."""
    if not path.exists():
        return
    rows = {(row["target"], row["op"], row["conc"]): row for row in json.loads(path.read_text())["rows"]}
    for op, name in (("view", "signed-in page views"), ("history", "signed-in history, deep page")):
        for conc in (1, 8):
            anonymous, signed = (
                get(rows.get(("anonymous", op, conc)), "rps"),
                get(rows.get(("signed-in", op, conc)), "rps"),
            )
            value = signed / anonymous if anonymous and signed else None
            yield Line(
                f"{name}, {conc} client(s)",
                fmt(anonymous, " req/s"),
                fmt(signed, " req/s"),
                "-" if value is None else f"{value:.2f}x",
                ">= 0.6x anonymous",
                None if value is None else value >= 0.6,
            )


def flat_lines(
    read: tuple[str, str, str], small: dict[Any, float], large: dict[Any, float], run: Row
) -> Iterator[Line]:
    """Flatness: p50 on the small set against the large one, with one client.  Where the run has
    the operation at addresses never asked before (``<op>_fresh``), that is what is compared:
    the same cache state on both sets (20 pages stay cached, 2,000 mostly do not)."""
    op, pages, name = read
    fresh = ("ours", op + "_fresh", pages, 1)
    kind = "uncached" if fresh in small and fresh in large else ""
    key = fresh if kind else ("ours", op, pages, 1)
    if key not in small or key not in large:
        return
    sets = run.get("flat") or {}
    commits = f"{sets.get('small', {}).get('commits', '?')} vs {sets.get('large', {}).get('commits', '?')} commits"
    label = f"{name}, p50 ours{', ' + kind if kind else ''}, {commits}"
    small_p50, large_p50 = small[key], large[key]
    ratio = times(large_p50 / small_p50) if small_p50 else "-"
    yield Line(label, fmt(small_p50, " ms"), fmt(large_p50, " ms"), ratio, "flat", is_flat(small_p50, large_p50))


def view_lines(row: Callable[[str, str, str, int], Row | None], concs: list[int]) -> Iterator[Line]:
    for conc in concs:
        peer, ours, bare = (
            row("peer", "view", "all", conc),
            row("ours", "view", "all", conc),
            row("hello", "view", "all", conc),
        )
        line = ratio_line(f"view, {conc} client(s)", peer, ours, 100)
        if conc != 8:
            line.target, line.met = "(at 8 clients)", None
        yield line
        mine, ceiling = get(ours, "rps"), get(bare, "rps")
        share = mine / ceiling if mine is not None and ceiling else None
        yield Line(
            f"view, {conc} client(s); left: bare Starlette, same bytes",
            fmt(ceiling, " req/s"),
            fmt(mine, " req/s"),
            "-" if share is None else f"{share:.0%}",
            ">= 40 % of bare" if conc == 8 else "(at 8 clients)",
            None if share is None or conc != 8 else share >= 0.40,
        )


def save_lines(row: Callable[[str, str, str, int], Row | None], concs: list[int], writers: list[Row]) -> Iterator[Line]:
    yield ratio_line(
        "save, p50, 1 client (peer without fsync)",
        row("peer", "save", "all", 1),
        row("ours", "save", "all", 1),
        5,
        "p50_ms",
    )
    for conc in (c for c in concs if c != 1):
        peer, ours = row("peer", "save", "all", conc), row("ours", "save", "all", conc)
        yield Line(
            f"save, {conc} clients, p50",
            fmt(get(peer, "p50_ms"), " ms"),
            fmt(get(ours, "p50_ms"), " ms"),
            "",
            "(info)",
            None,
        )
    by = {(w["target"], w["mode"]): w for w in writers}
    for mode in ("same", "different"):
        peer, ours = by.get(("peer", mode)), by.get(("ours", mode))
        if ours is None:
            continue
        what = "one page" if mode == "same" else "a page each"
        count = ours["writers"]

        def errors(w: Row | None) -> int | None:
            return None if w is None else sum(int(n) for code, n in w["failed"].items() if code != "409")

        def show(w: Row | None, key: str) -> str:
            return "-" if w is None else str(w[key])

        yield Line(
            f"{count} writers on {what}: acknowledged / tried (409 refused)",
            "-" if peer is None else f"{peer['acked']}/{peer['attempted']} ({peer['failed'].get('409', 0)})",
            f"{ours['acked']}/{ours['attempted']} ({ours['failed'].get('409', 0)})",
            "",
            "(info)",
            None,
        )
        ours_errors = errors(ours)
        yield Line(
            f"{count} writers on {what}: errors",
            "-" if peer is None else str(errors(peer)),
            str(ours_errors),
            "",
            "0",
            ours_errors == 0,
        )
        lost = ours["acked_but_lost"] + ours["final_state_mismatch_pages"]
        yield Line(
            f"{count} writers on {what}: acknowledged saves lost",
            show(peer, "acked_but_lost"),
            show(ours, "acked_but_lost"),
            "",
            "0 (peer loses some)",
            lost == 0 and ours["misattributed_commits"] == 0,
        )


def group_commit_lines(results: Path) -> Iterator[Line]:
    """Issue 19's save targets from bench/group_commit.py (nothing when it did not run)."""
    path = results / "group_commit.json"
    if not path.exists():
        return
    found = json.loads(path.read_text())
    rate, p50 = found["saves_per_s"], found["p50_ms"]
    yield Line(
        "saves/s, 8 writers on their own pages / 1 writer",
        f"{rate['1']} saves/s",
        f"{rate['8']} saves/s",
        times(found["throughput_8_over_1"]),
        ">= 1.8x",
        found["throughput_8_over_1"] >= 1.8,
    )
    yield Line("save p50, 8 writers on their own pages", "", fmt(p50["8"], " ms"), "", "<= 60 ms", p50["8"] <= 60)
    yield Line(
        "save p50, 1 writer / raw git floor (same fsync)",
        fmt(found["floor_p50_ms"], " ms"),
        fmt(p50["1"], " ms"),
        times(found["p50_1_over_floor"]),
        "<= 1.2x",
        found["p50_1_over_floor"] <= 1.2,
    )


def server_lines(run: Row, history: Path | None) -> Iterator[Line]:
    if "first_start_s" in run:
        commits = f"{run.get('commits', '?'):,} commits" if isinstance(run.get("commits"), int) else ""
        yield Line(
            f"first start, full index build, {commits}", "", fmt(run["first_start_s"], " s"), "", "(measured)", None
        )
        yield Line(
            "start-up with indexes, spawn to first /healthz",
            "",
            fmt(run["start_with_index_s"], " s"),
            "",
            "< 2 s",
            run["start_with_index_s"] < 2,
        )
    if history is not None and history.exists():
        figures = json.loads(history.read_text())
        yield Line(
            "first full index build in-process (history.py)",
            "",
            fmt(figures["first_index_build_s"], " s"),
            "",
            "(measured)",
            None,
        )
        yield Line(
            "open_site with indexes in-process (history.py)",
            "",
            fmt(figures["start_up_with_index_s"], " s"),
            "",
            "< 2 s",
            figures["start_up_with_index_s"] < 2,
        )
    memory = run.get("memory")
    if memory:
        yield Line(
            "resident memory, peak after the runs (VmHWM)",
            "",
            fmt(memory["VmHWM_mb"], " MB"),
            "",
            "< 200 MB",
            memory["VmHWM_mb"] < 200,
        )
        yield Line("resident memory after the runs (VmRSS)", "", fmt(memory["VmRSS_mb"], " MB"), "", "(info)", None)
        if "children_Pss_mb" in memory:
            children = (
                f"{memory['children']} git: {memory['children_RssAnon_mb']} MB own, "
                f"{memory['children_Pss_mb']} MB Pss, {memory['children_VmRSS_mb']} MB RSS"
            )
            yield Line(
                "child processes (own = RssAnon; RSS counts a shared pack file again)", "", children, "", "(info)", None
            )


def soak_lines(results: Path) -> Iterator[Line]:
    """bench/soak.py: the resident peak after half an hour of bursts against the first 5 minutes."""
    path = results / "soak.json"
    if not path.exists():
        return
    soak = json.loads(path.read_text())
    early, end = soak["early"], soak["end"]
    yield Line(
        f"memory after {soak['minutes']:g} min of bursts (VmHWM; left: after 5 min)",
        fmt(early["VmHWM_mb"], " MB"),
        fmt(end["VmHWM_mb"], " MB"),
        f"{soak['ratio']:.2f}x",
        "<= 1.1x",
        soak["ratio"] <= 1.1,
    )
    yield Line(
        "open files after the bursts (left: after 5 min)", str(early["fds"]), str(end["fds"]), "", "(info)", None
    )


def export_lines(results: Path) -> Iterator[Line]:
    """bench/export_load.py: kept views while the static site is built, against views without."""
    path = results / "export_load.json"
    if not path.exists():
        return
    figures = json.loads(path.read_text())
    clients = figures["clients"]
    yield Line(
        f"kept views while /export/site.zip is built, {clients} clients (export_load.py)",
        f"{fmt(figures['quiet_rps'], ' req/s')} without",
        fmt(figures["during_build_rps"], " req/s"),
        times(figures["ratio"]),
        ">= 0.9x without",
        figures["ratio"] >= 0.9,
    )
    yield Line(
        "/export/site.zip, second request for the same commit (a file read)",
        f"{fmt(figures['build_s_median'], ' s')} to build",
        fmt(figures["second_request_s_median"] * 1000, " ms"),
        "",
        "(info)",
        None,
    )


def blame_lines(path: Path) -> Iterator[Line]:
    """Issue 19: the first blame of the deep page against ``git blame`` (bench/blame.py)."""
    if not path.exists():
        return
    figures = json.loads(path.read_text())
    for key, name in (
        ("now", "blame, deep page, first time"),
        ("old_revision", "blame, deep page at an old revision, first time"),
        ("after_saves", f"blame, deep page, first time after {figures['after_saves']['saves']} saves"),
    ):
        found = figures[key]
        yield Line(
            f"{name} (git blame as peer)",
            fmt(found["git_blame_s"] * 1000, " ms"),
            fmt(found["first_blame_s"] * 1000, " ms"),
            f"{found['ratio']:.3f}x",
            "<= 0.15x, same lines",
            found["ratio"] <= 0.15 and found["same_as_git_blame"],
        )
    yield Line(
        f"blame of {figures['long_histories']} long histories derived after a rebuild (background)",
        "",
        fmt(figures["background_derivation_s"], " s"),
        "",
        "(measured)",
        None,
    )


def kept_lines(results: Path) -> Iterator[Line]:
    """Issue 19, bench/kept_under_saves.py: views with a save every 2 s against none, and a
    proposal page against a page view (medians of interleaved rounds)."""
    path = results / "kept_under_saves.json"
    if not path.exists():
        return
    kept = json.loads(path.read_text())
    clients = kept["clients"]
    quiet, busy = statistics.median(kept["quiet_rps"]), statistics.median(kept["saving_rps"])
    yield Line(
        f"views, {clients} clients, a save every 2 s / none",
        fmt(quiet, " req/s"),
        fmt(busy, " req/s"),
        times(busy / quiet),
        ">= 0.9x",
        busy / quiet >= 0.9,
    )
    page, shown = statistics.median(kept["page_rps"]), statistics.median(kept["proposal_rps"])
    yield Line(
        f"proposal page / page view, {clients} clients",
        fmt(page, " req/s"),
        fmt(shown, " req/s"),
        times(shown / page),
        ">= 0.5x",
        shown / page >= 0.5,
    )
    rendered = statistics.median(kept["rendered_page_rps"])
    yield Line(
        f"proposal page / page view rendered anew, {clients} clients",
        fmt(rendered, " req/s"),
        fmt(shown, " req/s"),
        times(shown / rendered),
        "(info)",
        None,
    )


def workers_lines(results: Path) -> Iterator[Line]:
    """bench/workers.py: signed-in views with ``wiki serve --workers 2`` against one process."""
    path = results / "workers.json"
    if not path.exists():
        return
    found: Row = json.loads(path.read_text())
    rps = found["rps"]
    yield Line(
        f"signed-in views, 2 workers vs 1 process, {found['connections']} connections (client on the same cores)",
        fmt(rps["one process"], " req/s"),
        fmt(rps["two workers"], " req/s"),
        f"{found['ratio']:.2f}x",
        f">= {found['target']:g}x one process",
        found["ratio"] >= found["target"],
    )


def render(table: list[Line]) -> str:
    headers = ("operation", "peer (or as named)", "ours", "ratio", "target", "result")
    cells = [
        (x.operation, x.peer, x.ours, x.ratio, x.target, "" if x.met is None else "met" if x.met else "NOT MET")
        for x in table
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    out = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out += [" | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    return "\n".join(out)


def render_markdown(table: list[Line]) -> str:
    """The table in Markdown, for RESULTS.md."""
    out = [
        "| operation | peer (or as named) | ours | ratio | target | result |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for x in table:
        result = "" if x.met is None else "met" if x.met else "**not met**"
        cells = (x.operation, x.peer, x.ours, x.ratio, x.target.replace(">=", "≥"), result)
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results" / "targets")
    parser.add_argument("--history", type=Path, help="bench/history.py's JSON, for the in-process figures")
    parser.add_argument("--markdown", action="store_true", help="print only the table, in Markdown")
    args = parser.parse_args()
    if not (args.results / "run.json").exists():
        print(f"no run.json in {args.results}: run bench/targets.py first", file=sys.stderr)
        return 1
    table = list(lines(args.results, args.history))
    if args.markdown:
        print(render_markdown(table))
        return 0
    run = json.loads((args.results / "run.json").read_text())
    print(
        f"\nIssue #7 targets: {run.get('label')} data ({run.get('pages')} pages, {run.get('commits')} commits), "
        f"{run.get('cpus')} CPUs, load average {run.get('load_before', ['?'])[0]:.1f} before and "
        f"{run.get('load_after', ['?'])[0]:.1f} after; up to {run.get('duration_s')} s per measurement."
    )
    print(f"peer fsync: {run.get('peer', {}).get('fsync')}\n")
    print(render(table))
    judged = [x for x in table if x.met is not None]
    print(f"\n{sum(x.met is True for x in judged)} of {len(judged)} targets met.")
    print(__doc__.split("Readings of the targets (also printed under the table):\n", 1)[1].rstrip())
    (args.results / "summary.json").write_text(json.dumps([asdict(x) for x in table], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
