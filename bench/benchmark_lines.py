"""The table's lines of the benchmarks run after bench/targets.py (soak.py, export_load.py,
blame.py, kept_under_saves.py, signed_in.py, workers.py, group_commit.py, scale.py), each read
from the one JSON file its benchmark writes into the results; none when it did not run.
bench/scale.py prints its own lines from here as well."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterator
from pathlib import Path

from bench.summary_line import FLAT_FACTOR, Line, Row, fmt, get, is_flat, times

#: A word of the generated vocabulary that every page holds (its title says "pagina"): what
#: bench/scale.py searches for, named in its line.
EVERY_PAGE_WORD = "pagina"


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


def scale_lines(results: Path) -> Iterator[Line]:
    """bench/scale.py: 10,000 pages against 2,000 (left: 2,000 pages; ours: 10,000 pages)."""
    path = results / "scale.json"
    if not path.exists():
        return
    scale = json.loads(path.read_text())
    huge, large = scale["huge"], scale["large"]
    for clients in (1, 8):
        small, big = (statistics.median(x[f"view_{clients}_rps"]) for x in (large, huge))
        yield Line(
            f"views, {clients} client(s), 10,000 / 2,000 pages",
            f"{small:,.0f} req/s",
            f"{big:,.0f} req/s",
            f"{big / small:.2f}x",
            ">= 0.8x",
            big / small >= 0.8,
        )
    kept = min(scale["kept_pages"], scale["kept_pages_after"])
    yield Line(
        "pages kept for readers, 10,000 pages",
        "",
        f"{kept:,} of {scale['pages']:,}",
        "",
        "all",
        kept >= scale["pages"],
    )
    ready = scale["first_start_to_ready_s"]
    yield Line("first start to /readyz, 10,000 pages / 200,000 commits", "", f"{ready:.1f} s", "", "< 10 s", ready < 10)
    peak = scale["memory"]["VmHWM_mb"]
    yield Line("resident memory peak (VmHWM), 10,000 pages", "", f"{peak:.0f} MB", "", "< 300 MB", peak < 300)
    labels = {
        "history": ("history, sparse pages, p50 uncached", FLAT_FACTOR),
        "history_deep": ("history, deep page, p50 uncached", FLAT_FACTOR),
        "recent": ("recent changes, p50 uncached", FLAT_FACTOR),
        "search": (f"search on a word in every page ({EVERY_PAGE_WORD}), p50 uncached", 2.0),
    }
    for kind, (label, factor) in labels.items():
        small, big = (statistics.median(x[f"{kind}_p50_ms"]) for x in (large, huge))
        yield Line(
            f"{label}, 10,000 / 2,000 pages",
            f"{small:.2f} ms",
            f"{big:.2f} ms",
            f"{big / small:.2f}x",
            "flat" if factor == FLAT_FACTOR else "<= 2x",
            is_flat(small, big, factor),
        )
