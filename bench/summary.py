#!/usr/bin/env python3
"""One table of issue #7's targets from the JSON that bench/targets.py wrote.

    .venv/bin/python bench/summary.py [--results bench/results/targets] [--history FILE] [--markdown]

Columns: operation, the peer's figure (or the reference named in the operation), ours, the
ratio, the target and whether it is met.  Ratios are of figures measured in the same run on
the same data.  Writes the rows to ``summary.json`` beside the results as well.  The lines are
made in bench/targets_lines.py (targets.py's run) and bench/benchmark_lines.py (the benchmarks
after it), on bench/summary_line.py.

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
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.benchmark_lines import (  # noqa: E402
    blame_lines,
    export_lines,
    group_commit_lines,
    kept_lines,
    scale_lines,
    signed_in_lines,
    soak_lines,
    workers_lines,
)
from bench.summary_line import Line, Row, fmt, get, ratio_line  # noqa: E402
from bench.targets_lines import flat_lines, save_lines, server_lines, view_lines  # noqa: E402

READS = (
    ("history", "all", "history, first page, sparse pages"),
    ("history", "deep", "history, first page, deep page"),
    ("diff", "deep", "compare two revisions, deep page"),
    ("search", "all", "search"),
    ("recent", "all", "recent changes"),
)


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
    yield from scale_lines(results)


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
