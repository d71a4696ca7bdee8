#!/usr/bin/env python3
"""Search on 2,000 pages: p50/p95 of the search service and of ``GET /api/search`` over HTTP.

python bench/gen_repo.py --out /tmp/large --pages 2000 --commits 50000 --deep-revs 5000
.venv/bin/python bench/search.py --data /tmp/large [--out bench/results/search-large.json]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.history import bare_copy, report, timed
from tests.server import running_server
from wiki.services.site import open_site


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="output folder of gen_repo.py")
    parser.add_argument("--runs", type=int, default=500, help="searches per measurement")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    manifest = json.loads((args.data / "manifest.json").read_text())
    words = manifest["search_words"]
    work, settings = bare_copy(args.data)
    start = time.perf_counter()
    site = open_site(settings)
    results: dict[str, object] = {
        "pages": len(manifest["pages"]),
        "index_build_s": round(time.perf_counter() - start, 2),
    }
    rnd = random.Random(11)

    def fresh(query: str) -> object:
        site.search._cache.clear()  # measure FTS5 ranking and snippets, not the result cache
        return site.search.search(query)

    service = {
        "one word, uncached": timed(lambda: fresh(rnd.choice(words)), args.runs),
        "two words, uncached": timed(lambda: fresh(f"{rnd.choice(words)} {rnd.choice(words)}"), args.runs),
        "prefix of 4 letters, uncached": timed(lambda: fresh(rnd.choice(words)[:4]), args.runs),
        "one word, asked again (cached)": timed(lambda: site.search.search(rnd.choice(words)), args.runs),
    }
    site.close()
    with running_server(settings, work / "server.log") as base:

        def get() -> None:
            query = urllib.parse.urlencode({"q": rnd.choice(words)})
            with urllib.request.urlopen(f"{base}/api/search?{query}") as response:  # noqa: S310 (loopback)
                response.read()

        http = {"GET /api/search, one word (4 words asked in turn)": timed(get, args.runs)}
    results["service"] = service
    results["http"] = http
    shutil.rmtree(work)
    print(f"{results['pages']} pages; index built in {results['index_build_s']} s (with the history index)")
    report(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
