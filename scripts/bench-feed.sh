#!/usr/bin/env bash
# Throughput of nahar's whole fetch pipeline (read, decode, parse, normalize, detect, state,
# write) on one generated mixed Hebrew/English feed, next to the Python pipeline a user would
# write for the same job on the same file: feedparser, the text of each title and body (tags
# dropped, references decoded), NFC, lingua (`lingua-language-detector`, restricted to nahar's
# candidate languages that lingua knows) on title and body, JSON Lines written and fsynced.
# Both are timed as whole processes, start-up included.
#
#   scripts/bench-feed.sh            # 5,000 items, best of 3 runs each
#   ITEMS=200 scripts/bench-feed.sh  # a smaller feed (CI)
#
# Environment: ITEMS (default 5000), RUNS (default 3), SEED (default 1), KEEP_FEED (a path to
# keep the generated feed at). The last line is `RESULT key=value…` for scripts/bench.sh.
# Needs cargo, python3 with venv, and the Python package index (pip install feedparser
# lingua-language-detector). Everything it creates lives in one temporary directory, removed on
# exit, the venv included; nothing is installed anywhere else.
set -euo pipefail

ITEMS="${ITEMS:-5000}"
RUNS="${RUNS:-3}"
SEED="${SEED:-1}"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/nahar-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Seconds since the epoch, with microseconds (bash 5's EPOCHREALTIME, else date +%s.%N).
now() {
    if [[ -n "${EPOCHREALTIME:-}" ]]; then echo "${EPOCHREALTIME/,/.}"; else date +%s.%N; fi
}

# ---- 1. build ------------------------------------------------------------------------------
echo "building nahar (release)..." >&2
(cd "$repo" && cargo build --release --quiet --features nats)
nahar="${CARGO_TARGET_DIR:-$repo/target}/release/nahar"
[[ "$nahar" = /* ]] || nahar="$repo/$nahar"

# ---- 2. the feed ---------------------------------------------------------------------------
feed="$tmp/feed.xml"
python3 "$repo/scripts/gen-mixed-feed.py" --items "$ITEMS" --seed "$SEED" "$feed"
bytes="$(wc -c < "$feed" | tr -d ' ')"
# KEEP_FEED=PATH keeps a copy of the generated feed.
if [[ -n "${KEEP_FEED:-}" ]]; then cp "$feed" "$KEEP_FEED"; fi

# ---- 3. a config with one file: source -----------------------------------------------------
# max_body must hold the whole file: its size in MB (1024 × 1024), rounded up, plus one.
max_mb=$(( bytes / 1048576 + 2 ))
cat > "$tmp/bench.toml" <<EOF
# Written by scripts/bench-feed.sh; relative paths are relative to this file.
[output]
dir = "out"

[http]
per_host_delay = "0s"
max_body = "${max_mb}MB"

[[source]]
name = "bench"
url = "file:feed.xml"
EOF

# ---- 4. nahar fetch, best of RUNS ----------------------------------------------------------
have_time=0
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then have_time=1; fi

nahar_best="" nahar_rss_kb=0
for run in $(seq 1 "$RUNS"); do
    rm -rf "$tmp/out"   # no state: every run writes every record
    log="$tmp/nahar.$run.log"
    start="$(now)"
    status=0
    if (( have_time )); then
        /usr/bin/time -v -o "$tmp/time.$run" \
            "$nahar" --log-level warn fetch -c "$tmp/bench.toml" >"$log" 2>&1 || status=$?
    else
        python3 - "$nahar" "$tmp/bench.toml" "$tmp/time.$run" >"$log" 2>&1 <<'PY' || status=$?
import resource, subprocess, sys, time
nahar, config, out = sys.argv[1:4]
start = time.perf_counter()  # timed here, so that Python's own start-up is not counted
code = subprocess.call([nahar, "--log-level", "warn", "fetch", "-c", config])
secs = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kilobytes on Linux
with open(out, "w") as f:
    f.write(f"Maximum resident set size (kbytes): {rss}\nWall seconds: {secs:.6f}\n")
sys.exit(code)
PY
    fi
    end="$(now)"
    if (( status != 0 )); then
        echo "nahar fetch failed (exit $status) on run $run:" >&2
        cat "$log" >&2
        exit 1
    fi
    records="$(cat "$tmp"/out/records/*.jsonl 2>/dev/null | wc -l | tr -d ' ')"
    if [[ "$records" != "$ITEMS" ]]; then
        echo "nahar fetch wrote $records records on run $run, expected $ITEMS:" >&2
        cat "$log" >&2
        exit 1
    fi
    secs="$(awk -F': ' '/^Wall seconds/ { print $2 }' "$tmp/time.$run")"
    [[ -n "$secs" ]] || secs="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')"
    rss_kb="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time.$run")"
    echo "nahar run $run: ${secs}s, peak RSS ${rss_kb} KB" >&2
    if [[ -z "$nahar_best" ]] || awk -v a="$secs" -v b="$nahar_best" 'BEGIN { exit !(a < b) }'; then
        nahar_best="$secs"
    fi
    if (( rss_kb > nahar_rss_kb )); then nahar_rss_kb="$rss_kb"; fi
done

# ---- 5. the Python pipeline in a throwaway venv, best of RUNS ------------------------------
echo "installing feedparser and lingua into a temporary venv..." >&2
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check feedparser lingua-language-detector >&2
fp_version="$("$tmp/venv/bin/python" -c 'import feedparser; print(feedparser.__version__)')"
cat > "$tmp/pipeline.py" <<'PY'
"""nahar's job in Python, as a user would write it."""
import html, json, os, re, sys, unicodedata
import feedparser
from lingua import Language, LanguageDetectorBuilder

path, out, items = sys.argv[1], sys.argv[2], int(sys.argv[3])
# nahar's default candidates he, en, ar, ru, yi, fr; lingua has no Yiddish.
candidates = [Language.HEBREW, Language.ENGLISH, Language.ARABIC, Language.RUSSIAN, Language.FRENCH]
detector = LanguageDetectorBuilder.from_languages(*candidates).build()
TAG = re.compile(r"<[^>]+>")

def text(markup):
    return unicodedata.normalize("NFC", " ".join(html.unescape(TAG.sub(" ", markup)).split()))

def code(lang):
    return lang.iso_code_639_1.name.lower() if lang else "und"

parsed = feedparser.parse(path)
if len(parsed.entries) != items:
    sys.exit(f"feedparser found {len(parsed.entries)} entries, expected {items}")
with open(out, "w", encoding="utf-8") as f:
    for entry in parsed.entries:
        title = text(entry.get("title", ""))
        content = entry.get("content")
        body = text(content[0].value if content else entry.get("summary", ""))
        record = {
            "id": entry.get("id") or entry.get("link"),
            "url": entry.get("link"),
            "title": title,
            "published": entry.get("published"),
            "title_lang": code(detector.detect_language_of(title)),
            "lang": code(detector.detect_language_of(body or title)),
            "text": body,
        }
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
    f.flush()
    os.fsync(f.fileno())
PY
py_best="" py_rss_kb=0
for run in $(seq 1 "$RUNS"); do
    rm -f "$tmp/python.jsonl"
    # Timed like nahar: the whole process, start-up included.
    read -r secs rss_kb < <(python3 - "$tmp/venv/bin/python" "$tmp/pipeline.py" "$feed" "$tmp/python.jsonl" "$ITEMS" <<'PY'
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:3] + sys.argv[3:], check=True)
secs = time.perf_counter() - start
print(f"{secs:.6f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
)
    echo "python pipeline run $run: ${secs}s, peak RSS ${rss_kb} KB" >&2
    if [[ -z "$py_best" ]] || awk -v a="$secs" -v b="$py_best" 'BEGIN { exit !(a < b) }'; then
        py_best="$secs"
    fi
    if (( rss_kb > py_rss_kb )); then py_rss_kb="$rss_kb"; fi
done

# ---- 6. the table --------------------------------------------------------------------------
awk -v items="$ITEMS" -v bytes="$bytes" -v runs="$RUNS" \
    -v nt="$nahar_best" -v nrss="$nahar_rss_kb" -v pt="$py_best" -v prss="$py_rss_kb" \
    -v fpv="$fp_version" 'BEGIN {
    mb = bytes / 1e6
    printf "\n%d items, %.2f MB (MB = 10^6 bytes), best of %d runs\n\n", items, mb, runs
    printf "%-52s %10s %12s %10s %15s\n", "", "seconds", "items/s", "MB/s", "peak RSS (MiB)"
    printf "%-52s %10.3f %12.0f %10.2f %15.1f\n", "nahar fetch (whole pipeline, records)", nt, items / nt, mb / nt, nrss / 1024
    printf "%-52s %10.3f %12.0f %10.2f %15.1f\n", "Python: feedparser " fpv " + NFC + lingua + JSONL", pt, items / pt, mb / pt, prss / 1024
    printf "\nnahar / Python pipeline throughput: %.2fx\n", pt / nt
    printf "RESULT feed_items=%d feed_bytes=%d nahar_seconds=%.6f nahar_rss_mib=%.1f feedparser_version=%s python_seconds=%.6f python_rss_mib=%.1f\n", items, bytes, nt, nrss / 1024, fpv, pt, prss / 1024
}'
