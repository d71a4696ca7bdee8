#!/usr/bin/env bash
# Our wiki and An Otter Wiki, side by side on copies of one generated repository, in one run.
#
#   bench/side_by_side.sh DATA [OUT.jsonl]     (DATA: an output folder of bench/gen_repo.py)
#
# Needs .venv (make run/test makes it) and .venv-otter with otterwiki and gunicorn
# (`make bench` makes it). Both servers listen on 127.0.0.1 only and are stopped at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(dirname "$here")
data=$(cd "${1:?DATA folder of gen_repo.py}" && pwd); out=${2:-$here/results/side-by-side.jsonl}
work=$(mktemp -d /tmp/wiki-side-XXXXXX)
cp -a "$data/repo" "$work/peer-repo"; cp "$data/manifest.json" "$work/"
git clone -q --bare "$data/repo" "$work/ours.git"
cleanup() {
  "$here/peer_otterwiki.sh" stop "$work/peer-repo" >/dev/null 2>&1 || true
  [ -n "${ours_pid:-}" ] && kill "$ours_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
OTTER_VENV="$root/.venv-otter" "$here/peer_otterwiki.sh" start "$work/peer-repo" 8081 2
"$root/.venv/bin/wiki" serve --repo "$work/ours.git" --database "sqlite:///$work/wiki.sqlite3" --port 8082 \
  >"$work/ours.log" 2>&1 & ours_pid=$!
for _ in $(seq 1 600); do curl -fs -o /dev/null http://127.0.0.1:8082/healthz && break; sleep 0.1; done
targets=(--target peer:otterwiki:http://127.0.0.1:8081 --target ours:wikisvc:http://127.0.0.1:8082)
limits=(--duration "${DURATION:-10}" --max-requests "${MAX_REQUESTS:-400}")
# Every page for the reads; the page with 5,000 revisions for history and compare (the harness
# needs two revisions of a page to compare, and the deep page is the hard case).
"$root/.venv/bin/python" "$here/load.py" bench --manifest "$work/manifest.json" "${targets[@]}" "${limits[@]}" \
  --ops "view,history,search,recent" --conc "${CONC:-1,8}" --out "$out"
"$root/.venv/bin/python" "$here/load.py" bench --manifest "$work/manifest.json" "${targets[@]}" "${limits[@]}" \
  --pages deep --ops "history,diff" --conc 1 --out "$out"
