#!/usr/bin/env bash
# Article extraction speed: nahar's extract::page (benches/extract.rs) next to
# trafilatura.extract on the same trafilatura-eval pages, both single-threaded, both given the
# page as already-decoded text (nahar's charset chain is not timed; trafilatura gets the str).
#
#   scripts/bench-extract.sh           # every page (990)
#   PAGES=40 scripts/bench-extract.sh  # the first 40 (CI)
#
# trafilatura is installed into a throwaway venv in a temporary directory, removed on exit.
# The last line is `RESULT key=value…` for scripts/bench.sh.
set -euo pipefail
PAGES="${PAGES:-0}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${NAHAR_CORPUS:-$repo/tests/corpus}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/nahar-bench-extract.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "nahar: cargo bench --bench extract" >&2
(cd "$repo" && cargo bench --quiet --features nats --bench extract -- "$PAGES") | tee "$tmp/nahar.out" >&2
nahar_line="$(grep '^RESULT ' "$tmp/nahar.out")"

echo "installing trafilatura into a temporary venv..." >&2
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check trafilatura lxml_html_clean >&2
read -r tv tsecs tpages < <("$tmp/venv/bin/python" - "$corpus" "$PAGES" <<'PY'
import gzip, os, sys, time
import trafilatura
corpus, limit = sys.argv[1], int(sys.argv[2])
paths = []
for d in ("trafilatura-eval/tests/eval", "trafilatura-eval/tests/cache"):
    base = os.path.join(corpus, d)
    paths += [os.path.join(base, f) for f in os.listdir(base) if f.endswith(".gz")]
# The same order as benches/extract.rs (Rust sorts paths by bytes).
paths.sort(key=lambda p: p.encode())
if limit:
    paths = paths[:limit]
pages = []
for p in paths:
    raw = gzip.open(p).read()
    # Decoded as trafilatura itself would: its own decoder on the bytes.
    pages.append(trafilatura.utils.decode_file(raw))
best = None
for _ in range(3 if len(pages) <= 100 else 1):
    start = time.perf_counter()
    for html in pages:
        trafilatura.extract(html)
    secs = time.perf_counter() - start
    best = secs if best is None else min(best, secs)
print(trafilatura.__version__, f"{best:.6f}", len(pages))
PY
)
echo "trafilatura $tv: $tpages pages in ${tsecs}s" >&2
echo "$nahar_line trafilatura_version=$tv trafilatura_seconds=$tsecs" | sed 's/^RESULT //' | awk -v tp="$tpages" '{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "\n%d pages, one thread: nahar %.3f s (%.1f pages/s), trafilatura %s %.3f s (%.1f pages/s): %.1fx\n", v["pages"], v["nahar_seconds"], v["pages"] / v["nahar_seconds"], v["trafilatura_version"], v["trafilatura_seconds"], tp / v["trafilatura_seconds"], v["trafilatura_seconds"] / v["nahar_seconds"]
    print "RESULT " $0
}'
