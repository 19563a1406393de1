#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ with real inputs from the shared test corpus.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
corpus="${NAHAR_CORPUS:-$here/../../shared/corpus}"
mkdir -p "$here/corpus/feed" "$here/corpus/page" "$here/corpus/charset" "$here/corpus/text" "$here/corpus/markup"
find "$corpus/feed-rs" "$corpus/gofeed-testdata" "$corpus/hebrew-encoding" -type f \
    \( -name '*.xml' -o -name '*.rss' -o -name '*.atom' -o -name '*.json' \) -size -200k \
    -exec cp -t "$here/corpus/feed" {} + 2>/dev/null || true
find "$corpus/hebrew-encoding" -type f -size -100k -exec cp -t "$here/corpus/charset" {} + 2>/dev/null || true
# Feed markup: the feeds themselves (descriptions and all) are a start the fuzzer cuts down.
find "$corpus/feed-rs" "$corpus/gofeed-testdata" "$corpus/hebrew-encoding" -type f -name '*.xml' -size -20k \
    -exec cp -t "$here/corpus/markup" {} + 2>/dev/null || true
n=0
for page in "$corpus"/readability-test-pages/test/test-pages/*/source.html.gz; do
    n=$((n + 1)); gzip -dc "$page" > "$here/corpus/page/readability-$n.html"
done
find "$corpus/trafilatura-eval/tests/eval" -name '*.gz' -print0 | head -z -n 200 |
    while IFS= read -r -d '' page; do
        n=$((n + 1)); gzip -dc "$page" > "$here/corpus/page/trafilatura-$n.html"
    done || true
cp "$corpus/../seed-article.txt" "$here/corpus/text/" 2>/dev/null || true
cp "$corpus/lingua-testdata/language-testdata/sentences/he.txt" "$here/corpus/text/he-sentences.txt" 2>/dev/null || true
cp "$corpus/lingua-testdata/language-testdata/sentences/en.txt" "$here/corpus/text/en-sentences.txt" 2>/dev/null || true
echo "seeded: $(ls "$here/corpus/feed" | wc -l) feeds, $(ls "$here/corpus/page" | wc -l) pages"
