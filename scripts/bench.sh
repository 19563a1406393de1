#!/usr/bin/env bash
# nahar's benchmark harness: every figure of the performance table, measured in one run on the
# same inputs, next to the tool a user would otherwise pick.
#
#   scripts/bench.sh              # the full run (5,000-item feed, every trafilatura-eval page,
#                                 # daemon with 2,000 and 10,000 sources); ~6 minutes on 2 cores once built
#   QUICK=1 scripts/bench.sh      # the reduced form CI runs so that the harness does not rot
#
# Parts: (1) the whole `nahar fetch` on a generated mixed Hebrew/English feed vs the Python
# pipeline a user would write for the same job — feedparser, NFC, lingua, JSON Lines, fsync
# (scripts/bench-feed.sh); (2) `nahar extract`'s article extraction over the trafilatura-eval
# pages vs trafilatura.extract on the same pages (scripts/bench-extract.sh); (3) the text core's
# MB/s on titles and paragraphs (benches/text.rs); (4) the daemon against N local feeds of 10
# items (benches/daemon.rs). Python tools live in throwaway
# venvs inside the scripts' temporary directories; nothing Python enters the project.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/nahar-bench-all.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

if [[ -n "${QUICK:-}" ]]; then
    items=300 runs=1 pages=40 scales="50 200" idle=2
else
    items=5000 runs=3 pages=0 scales="2000 10000" idle=30
fi

# `RESULT k=v …` lines from a part's output, as shell assignments prefixed with the part.
results() {
    grep '^RESULT ' "$1" | sed 's/^RESULT //' | tr ' ' '\n' | grep '=' | sed "s/^/$2_/"
}

echo "== 1. feed pipeline (${items} items)" >&2
ITEMS="$items" RUNS="$runs" scripts/bench-feed.sh | tee "$tmp/feed.out" >&2
eval "$(results "$tmp/feed.out" feed)"

echo "== 2. article pipeline" >&2
PAGES="$pages" scripts/bench-extract.sh | tee "$tmp/extract.out" >&2
eval "$(results "$tmp/extract.out" extract)"

echo "== 3. text core" >&2
cargo bench --quiet --bench text | tee "$tmp/text.out" >&2
eval "$(results "$tmp/text.out" text)"

echo "== 4. daemon at scale" >&2
cp "${CARGO_TARGET_DIR:-target}/release/nahar" "$tmp/nahar-release" 2>/dev/null || {
    cargo build --release --quiet
    cp "${CARGO_TARGET_DIR:-target}/release/nahar" "$tmp/nahar-release"
}
for n in $scales; do
    # Polling 10,000 sources every 5 s (phase C) is more than 2 cores can do: large runs stop
    # after ingestion and idle.
    ingest_only=0; if (( n >= 5000 )); then ingest_only=1; fi
    NAHAR_BIN="$tmp/nahar-release" IDLE_SECS="$idle" STEADY_SECS="$idle" INGEST_ONLY="$ingest_only" \
        cargo bench --quiet --bench daemon -- "$n" | tee "$tmp/daemon-$n.out" >&2
    eval "$(results "$tmp/daemon-$n.out" "daemon$n")"
done

# ---- the table -------------------------------------------------------------------------------
feed_mb=$(awk -v b="$feed_feed_bytes" 'BEGIN { printf "%.2f", b / 1e6 }')
{
    echo
    echo "nahar performance — $(nproc) cores, $(date -u +%Y-%m-%d), $( [[ -n "${QUICK:-}" ]] && echo quick || echo full ) run"
    echo
    printf "| %-58s | %12s | %12s | %9s |\n" "measure" "nahar" "reference" "ratio"
    printf "|%s|%s|%s|%s|\n" "$(printf -- '-%.0s' {1..60})" "$(printf -- '-%.0s' {1..14})" "$(printf -- '-%.0s' {1..14})" "$(printf -- '-%.0s' {1..11})"
    awk -v n="$feed_nahar_seconds" -v f="$feed_python_seconds" -v mb="$feed_mb" -v items="$feed_feed_items" -v fv="$feed_feedparser_version" 'BEGIN {
        printf "| %-58s | %10.2f s | %10.2f s | %8.1fx |\n", "feed: whole fetch, " items " items (" mb " MB), vs Python pipeline", n, f, f / n }'
    awk -v p="$extract_pages" -v n="$extract_nahar_seconds" -v t="$extract_trafilatura_seconds" -v tv="$extract_trafilatura_version" 'BEGIN {
        printf "| %-58s | %8.1f p/s | %8.1f p/s | %8.1fx |\n", "articles: " p " trafilatura-eval pages, 1 core, vs trafilatura " tv, p / n, p / t, t / n }'
    awk -v t="$text_text_titles_mb_per_s" -v p="$text_text_paragraphs_mb_per_s" 'BEGIN {
        printf "| %-58s | %8.1f MB/s | %12s | %9s |\n", "text: analyze, titles (~50 bytes), 1 core", t, "", ""
        printf "| %-58s | %8.1f MB/s | %12s | %9s |\n", "text: analyze, paragraphs (~1 KB), 1 core", p, "", "" }'
    for n in $scales; do
        eval "s=\$daemon${n}_ingest_seconds c=\$daemon${n}_ingest_cpu_seconds r=\$daemon${n}_peak_rss_mib i=\$daemon${n}_idle_cpu_percent"
        awk -v n="$n" -v s="$s" -v c="$c" -v r="$r" -v i="$i" 'BEGIN {
            printf "| %-58s | %10.1f s | %12s | %9s |\n", "daemon: " n " sources x 10 items, all records on disk", s, "", ""
            printf "| %-58s | %10.1f s | %12s | %9s |\n", "daemon: " n " sources, CPU seconds until then", c, "", ""
            printf "| %-58s | %8.1f MiB | %12s | %9s |\n", "daemon: " n " sources, peak RSS", r, "", ""
            printf "| %-58s | %9.2f %% | %12s | %9s |\n", "daemon: " n " sources, idle CPU between polls (one core)", i, "", "" }'
    done
} | tee "$tmp/table.txt"
