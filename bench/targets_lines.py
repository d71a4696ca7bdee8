"""The table's lines of bench/targets.py's own run (views against the peer and a bare
Starlette endpoint, reads' flatness, saves and concurrent writers, start-up and memory), with
bench/history.py's in-process start-up: the figures issue #7's targets are read from."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.summary_line import Line, Row, fmt, get, is_flat, ratio_line, times


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
