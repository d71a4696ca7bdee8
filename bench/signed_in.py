#!/usr/bin/env python3
"""Signed-in views against anonymous ones, in one run (issue 19: ">= 0.6x anonymous").

    .venv/bin/python bench/signed_in.py --data /tmp/benchdata/large [--out bench/results/targets/signed_in.json]

On a bare copy of the generated repository DATA (an output folder of bench/gen_repo.py):
an editor made with the ``wiki`` command signs in through the sign-in form (its session
cookie is what the signed-in clients send); one ``wiki serve`` process answers both kinds of
reader.  Before timing, the editor views every page once, as the server itself warms the
anonymous copies at start.  Then bench/load.py interleaves, per client count (1 and 8), the
anonymous and the signed-in target: page views over all pages, and the first page of the
deep page's history.  Writes the rows and the ratios signed-in/anonymous of req/s as JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.save_ab import serving  # noqa: E402
from bench.targets import EDITOR, make_editor  # noqa: E402

PASSWORD = "bench-password-0123456789"  # noqa: S105 (what make_editor gives its throwaway editor)
#: (operation, pages) measured, each with the anonymous and the signed-in target.
MEASURED = (("view", "all"), ("history", "deep"))


def sign_in(base: str) -> str:
    """The session cookie the sign-in form gives the editor."""
    address = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port)
    connection.request("GET", "/signin")
    form = connection.getresponse()
    page = form.read().decode()
    visitor = re.search(r"wiki_visitor=([^;]+)", form.getheader("set-cookie") or "")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if visitor is None or token is None:
        raise RuntimeError("the sign-in form has no token")
    fields = {"username": EDITOR, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"wiki_visitor={visitor.group(1)}"}
    connection.request("POST", "/signin", urllib.parse.urlencode(fields), headers)
    answer = connection.getresponse()
    answer.read()
    session = re.search(r"wiki_session=([^;]+)", answer.getheader("set-cookie") or "")
    if answer.status != 303 or session is None:
        raise RuntimeError(f"sign-in answered {answer.status}")
    connection.close()
    return session.group(1)


def signed_in_adapter(folder: Path) -> Path:
    """bench/load.py's adapter for the editor: our page view and history with the session cookie."""
    cookie = {"Cookie": "wiki_session={session}"}
    ops = {
        "view": {"method": "GET", "path": "/p/{page}", "ok": [200], "headers": cookie},
        "history": {"method": "GET", "path": "/history/{page}", "ok": [200], "headers": cookie},
    }
    path = folder / "signed-in.json"
    path.write_text(json.dumps({"name": "wikisvc-signed-in", "ops": ops}))
    return path


def warm(base: str, session: str, pages: list[str]) -> None:
    """View every page once as the editor (what the server does for anonymous readers at start)."""
    address = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port)
    for page in pages:
        connection.request("GET", "/p/" + urllib.parse.quote(page), headers={"Cookie": f"wiki_session={session}"})
        connection.getresponse().read()
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="output folder of gen_repo.py")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "signed_in.json")
    args = parser.parse_args()
    manifest = json.loads((args.data / "manifest.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="wiki-signed-in-"))
    try:
        repo = work / "repo.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(args.data / "repo"), str(repo)], check=True)
        database = f"sqlite:///{work / 'wiki.sqlite3'}"
        make_editor(database)
        results = work / "bench.jsonl"
        with serving(ROOT, repo, database, work / "server.log") as base:
            session = sign_in(base)
            warm(base, session, manifest["pages"])
            targets = [
                "--target",
                f"anonymous:wikisvc:{base}",
                "--target",
                f"signed-in:{signed_in_adapter(work)}:{base}",
            ]
            for op, pages in MEASURED:
                load = [sys.executable, str(HERE / "load.py"), "bench", "--manifest", str(args.data / "manifest.json")]
                limits = ["--duration", str(args.duration), "--max-requests", str(args.max_requests)]
                options = ["--ops", op, "--pages", pages, "--conc", "1,8", "--set", f"session={session}"]
                subprocess.run([*load, *targets, *limits, *options, "--out", str(results)], check=True)
        rows = [json.loads(line) for line in results.read_text().splitlines()]
        rps = {(row["target"], row["op"], row["conc"]): row["rps"] for row in rows}
        summary = {
            "rows": rows,
            "ratio_signed_in_anonymous": {
                f"{op}@{conc}": round(rps[("signed-in", op, conc)] / rps[("anonymous", op, conc)], 2)
                for op, _pages in MEASURED
                for conc in (1, 8)
                if rps.get(("anonymous", op, conc))
            },
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
        print(json.dumps(summary["ratio_signed_in_anonymous"], indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
