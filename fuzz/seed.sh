#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ with real inputs from the test corpus (tests/corpus, or
# $NAHAR_CORPUS). The repository stores corpus files gzipped (`x.gz` stands for `x`): each is
# decompressed into the seed folder under its plain name.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
corpus="${NAHAR_CORPUS:-$here/../tests/corpus}"
mkdir -p "$here/corpus/feed" "$here/corpus/page" "$here/corpus/charset" "$here/corpus/text"

# seed DEST MAX_BYTES NAME_REGEX FOLDER... : every corpus file under FOLDER whose plain name
# matches and whose plain size is at most MAX_BYTES, decompressed into DEST.
seed() {
    local dest="$1" max="$2" regex="$3"
    shift 3
    find "$@" -type f -print0 | while IFS= read -r -d '' path; do
        local plain="${path%.gz}" n
        [[ "$(basename "$plain")" =~ $regex ]] || continue
        n="$dest/$(basename "$plain")"
        if [[ "$path" == *.gz ]]; then gzip -dc "$path" > "$n"; else cp "$path" "$n"; fi
        if (( $(stat -c %s "$n") > max )); then rm -f "$n"; fi
    done
}

suites=("$corpus/feed-rs" "$corpus/gofeed-testdata" "$corpus/hebrew-encoding")
seed "$here/corpus/feed" 200000 '\.(xml|rss|atom|json)$' "${suites[@]}"
seed "$here/corpus/charset" 100000 '.' "$corpus/hebrew-encoding"
n=0
for page in "$corpus"/readability-test-pages/test/test-pages/*/source.html.gz; do
    n=$((n + 1)); gzip -dc "$page" > "$here/corpus/page/readability-$n.html"
done
find "$corpus/trafilatura-eval/tests/eval" -name '*.gz' -print0 | head -z -n 200 |
    while IFS= read -r -d '' page; do
        n=$((n + 1)); gzip -dc "$page" > "$here/corpus/page/trafilatura-$n.html"
    done || true
cp "$here/../tests/fixtures/seed-article.txt" "$here/corpus/text/"
for lang in he en; do
    gzip -dcf < "$corpus/lingua-testdata/language-testdata/sentences/$lang.txt.gz" \
        > "$here/corpus/text/$lang-sentences.txt" 2>/dev/null ||
        cp "$corpus/lingua-testdata/language-testdata/sentences/$lang.txt" "$here/corpus/text/$lang-sentences.txt"
done
echo "seeded: $(ls "$here/corpus/feed" | wc -l) feeds, $(ls "$here/corpus/page" | wc -l) pages"
