#!/usr/bin/env python3
"""Blame of the deep page, the first time it is asked, against ``git blame`` of the same file.

    .venv/bin/python bench/blame.py --data /tmp/benchdata/large --out bench/results/targets/blame.json

On a bare copy of the generated repository DATA:

1. ``open_site`` builds the index (the first start, timed) and ``start_maintenance`` starts the
   background derivation of the long histories' blame (timed until done: the cost a rebuild
   leaves to the background instead of the build);
2. rounds, interleaved: a fresh ``Site`` on the same files (nothing in memory) asks the blame of
   the deep page once (the first time), then ``git blame --porcelain`` of the same file at the
   same commit; likewise for an old revision of it (``?revision=``);
3. ``--saves`` saves to the deep page through the wiki (each commit carried one step as it is
   taken in), then the same rounds at the new head.

The target is issue 19's: the first blame <= 0.15x ``git blame``.  Writes one JSON file to
``--out``; ``bench/summary.py`` (``blame_lines`` of bench/benchmark_lines.py) adds its rows to
the table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.history import bare_copy
from wiki.config import Settings
from wiki.models import Author
from wiki.names import page_file
from wiki.services.pages import EditRequest
from wiki.services.site import open_site
from wiki.store.git.parsers import parse_blame


def _rounds(settings: Settings, deep: str, revision: str | None, rounds: int) -> dict[str, object]:
    """Median seconds of the wiki's first blame (fresh site each round) and of ``git blame``,
    and whether the two name the same commit for every line."""
    ours, git, same = [], [], True
    for _ in range(rounds):
        site = open_site(settings)
        page = site.history.page_at(deep, revision) if revision else site.pages.get(deep)[0]
        start = time.perf_counter()
        carried = site.history.blame_lines(page)
        ours.append(time.perf_counter() - start)
        site.close()
        command = ["git", f"--git-dir={settings.repo}", "blame", "--porcelain", page.revision, "--", page_file(deep)]
        start = time.perf_counter()
        output = subprocess.run(command, capture_output=True, check=True).stdout
        git.append(time.perf_counter() - start)
        same = same and [line.revision for line in carried] == [line.revision for line in parse_blame(output)]
    first, plain = statistics.median(ours), statistics.median(git)
    return {
        "first_blame_s": round(first, 4),
        "git_blame_s": round(plain, 4),
        "ratio": round(first / plain, 4),
        "same_as_git_blame": same,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="output folder of gen_repo.py")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    manifest = json.loads((args.data / "manifest.json").read_text())
    deep = manifest["deep_page"]
    work, settings = bare_copy(args.data)
    try:
        build = time.perf_counter()
        site = open_site(settings)
        results: dict[str, object] = {"index_build_s": round(time.perf_counter() - build, 2)}
        warming = time.perf_counter()
        site.start_maintenance()
        site.index.blamed.warmed()
        results["background_derivation_s"] = round(time.perf_counter() - warming, 2)
        results["long_histories"] = len(site.index.blamed.long_histories())
        old = site.history.page_history(deep, 50).items[-1].revision
        site.close()
        results["now"] = _rounds(settings, deep, None, args.rounds)
        results["old_revision"] = _rounds(settings, deep, old, args.rounds)
        site = open_site(settings)
        author = Author("Bench", "bench@example.nl")
        for number in range(args.saves):
            page = site.pages.get(deep)[0]
            text = page.text + f"\nRegel {number} erbij.\n"
            site.pages.save(EditRequest(deep, text, page.revision, f"Regel {number}", author))
        site.close()
        results["after_saves"] = {"saves": args.saves, **_rounds(settings, deep, None, args.rounds)}
    finally:
        shutil.rmtree(work)
    for key in ("now", "old_revision", "after_saves"):
        figures = results[key]
        assert isinstance(figures, dict)
        print(f"{key:14} first blame {figures['first_blame_s']:.4f} s, git blame {figures['git_blame_s']:.4f} s, "
              f"ratio {figures['ratio']:.4f}, same as git blame: {figures['same_as_git_blame']}")  # fmt: skip
    print(f"index build {results['index_build_s']} s, background derivation {results['background_derivation_s']} s")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
