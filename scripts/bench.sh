#!/usr/bin/env bash
# nahar's benchmark harness: every figure of the performance table, measured in one run on the
# same inputs, next to the tool a user would otherwise pick.
#
#   scripts/bench.sh              # the full run (5,000-item feed, every trafilatura-eval page,
#                                 # daemon with 1,000, 10,000 and 50,000 sources, a month of
#                                 # 3,000,000 records); ~25 minutes on 2 cores once built
#   QUICK=1 scripts/bench.sh      # the reduced form CI runs so that the harness does not rot
#
# Parts: (1) the whole `nahar fetch` on a generated mixed Hebrew/English feed vs the Python
# pipeline a user would write for the same job — feedparser, NFC, lingua, JSON Lines, fsync
# (scripts/bench-feed.sh); (2) `nahar extract`'s article extraction over the trafilatura-eval
# pages vs trafilatura.extract on the same pages (scripts/bench-extract.sh); (3) the text core's
# MB/s on titles and paragraphs (benches/text.rs); (4) the daemon against N local feeds of 10
# items (benches/daemon.rs) and a month of records through one daemon; (6) the cost of a source
# in a group — one instance writing files, one and three publishing to NATS (benches/cluster.rs).
# Python tools live in throwaway
# venvs inside the scripts' temporary directories; nothing Python enters the project. Every part
# builds with `--features nats` (part 6 needs it), so that one build serves them all.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/nahar-bench-all.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Daemon runs: "sources:phases:poll interval:polling window". Phase C polls a 304 from every
# source; 10,000 and 50,000 sources are polled every 60 s (ten times what every 10 minutes
# asks), which a 120 s window covers twice. The month (phase M) runs on its own.
if [[ -n "${QUICK:-}" ]]; then
    items=300 runs=1 pages=40 idle=2
    daemon_runs="50:CD:5:10 200:C:5:10"
    month_sources=100 month_records=20000
    cluster_sources=300 cluster_interval=5 cluster_window=6
else
    items=5000 runs=3 pages=0 idle=30
    daemon_runs="1000:CD:5:30 10000:C:60:120 50000:C:60:120"
    month_sources=1000 month_records=3000000
    cluster_sources=10000 cluster_interval=60 cluster_window=66
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
cargo bench --quiet --features nats --bench text | tee "$tmp/text.out" >&2
eval "$(results "$tmp/text.out" text)"

echo "== 4. daemon at scale" >&2
cp "${CARGO_TARGET_DIR:-target}/release/nahar" "$tmp/nahar-release" 2>/dev/null || {
    cargo build --release --quiet --features nats
    cp "${CARGO_TARGET_DIR:-target}/release/nahar" "$tmp/nahar-release"
}
scales=""
for run in $daemon_runs; do
    IFS=: read -r n phases every window <<<"$run"
    scales="$scales $n"
    NAHAR_BIN="$tmp/nahar-release" IDLE_SECS="$idle" STEADY_SECS="$window" PHASES="$phases" \
        POLL_INTERVAL_SECS="$every" cargo bench --quiet --features nats --bench daemon -- "$n" \
        | tee "$tmp/daemon-$n.out" >&2
    eval "$(results "$tmp/daemon-$n.out" "daemon$n")"
done
echo "== 5. a month of records through one daemon" >&2
NAHAR_BIN="$tmp/nahar-release" IDLE_SECS=2 PHASES= MONTH_RECORDS="$month_records" \
    cargo bench --quiet --features nats --bench daemon -- "$month_sources" | tee "$tmp/month.out" >&2
eval "$(results "$tmp/month.out" month)"
echo "== 6. a group through NATS: files x1 vs nats x1 vs nats x3 (${cluster_sources} sources)" >&2
NAHAR_BIN="$tmp/nahar-release" INTERVAL_SECS="$cluster_interval" WINDOW_SECS="$cluster_window" \
    cargo bench --quiet --features nats --bench cluster -- "$cluster_sources" | tee "$tmp/cluster.out" >&2
eval "$(results "$tmp/cluster.out" cluster)"
first="${scales# }"; first="${first%% *}"

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
    eval "base=\$daemon${first}_cpu_per_source_ms"
    for n in $scales; do
        eval "s=\$daemon${n}_ingest_seconds c=\$daemon${n}_ingest_cpu_seconds ms=\$daemon${n}_cpu_per_source_ms"
        eval "r=\$daemon${n}_peak_rss_mib i=\$daemon${n}_idle_cpu_percent sv=\$daemon${n}_server_cpu_percent"
        eval "t=\${daemon${n}_ten_minute_cpu_percent:-} p=\${daemon${n}_poll_cpu_ms:-} l=\${daemon${n}_latency_median_ms:-}"
        awk -v n="$n" -v s="$s" -v c="$c" -v ms="$ms" -v base="$base" -v first="$first" -v r="$r" -v i="$i" -v sv="$sv" -v t="$t" -v p="$p" -v l="$l" 'BEGIN {
            printf "| %-58s | %10.1f s | %12s | %9s |\n", "daemon: " n " sources x 10 items, all records on disk", s, "", ""
            printf "| %-58s | %9.3f ms | %12s | %8.2fx |\n", "daemon: " n " sources, CPU per source (ratio to " first ")", ms, "", ms / base
            printf "| %-58s | %8.1f MiB | %12s | %9s |\n", "daemon: " n " sources, peak RSS while ingesting", r, "", ""
            printf "| %-58s | %10.1f %% | %12s | %9s |\n", "daemon: " n " sources, feed server CPU while ingesting", sv, "", ""
            printf "| %-58s | %9.2f %% | %12s | %9s |\n", "daemon: " n " sources, idle CPU between polls (one core)", i, "", ""
            if (t != "") printf "| %-58s | %9.2f %% | %12s | %9s |\n", "daemon: " n " sources every 10 min, all 304 (" p " ms a poll)", t, "", ""
            if (l != "") printf "| %-58s | %9.0f ms | %12s | %9s |\n", "daemon: " n " sources, new item to record, median (2 s poll)", l, "", "" }'
    done
    awk -v n="$month_month_records" -v src="$month_sources" -v w="$month_month_rss_warm_mib" -v e="$month_month_rss_end_mib" -v m="$month_month_rss_max_mib" -v g="$month_month_kib_per_1000_records" 'BEGIN {
        printf "| %-58s | %8.1f MiB | %12s | %9s |\n", "month: " n " records, " src " sources, RSS after 10% of them", w, "", ""
        printf "| %-58s | %8.1f MiB | %12s | %9s |\n", "month: RSS at the end", e, "", ""
        printf "| %-58s | %8.1f MiB | %12s | %9s |\n", "month: largest RSS after warm-up", m, "", ""
        printf "| %-58s | %6.1f KiB/1k | %12s | %9s |\n", "month: RSS growth after warm-up (least squares)", g, "", "" }'
    awk -v n="$cluster_sources" -v f="$cluster_files_1_instance_poll_cpu_ms" -v one="$cluster_nats_1_instance_poll_cpu_ms" -v three="$cluster_nats_3_instances_poll_cpu_ms" -v fi="$cluster_files_1_instance_ingest_cpu_ms" -v onei="$cluster_nats_1_instance_ingest_cpu_ms" -v threei="$cluster_nats_3_instances_ingest_cpu_ms" 'BEGIN {
        printf "| %-58s | %9.3f ms | %9.3f ms | %8.2fx |\n", "group: " n " sources, CPU per 304 poll, nats x1 vs files", one, f, one / f
        printf "| %-58s | %9.3f ms | %9.3f ms | %8.2fx |\n", "group: " n " sources, CPU per 304 poll, nats x3 vs files", three, f, three / f
        printf "| %-58s | %9.3f ms | %9.3f ms | %8.2fx |\n", "group: " n " sources, ingest CPU per source, nats x1 vs files", onei, fi, onei / fi
        printf "| %-58s | %9.3f ms | %9.3f ms | %8.2fx |\n", "group: " n " sources, ingest CPU per source, nats x3 vs files", threei, fi, threei / fi }'
} | tee "$tmp/table.txt"
