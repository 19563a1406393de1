#!/usr/bin/env bash
# Rebuilds tests/corpus/ from a checkout of the public test corpus (the folder whose README names
# every part's origin repository and commit; `../shared/corpus` in the workplace this project
# started in). Only the files the tests and benchmarks read are taken; text files are gzipped
# (`-9 -n`: no name, no time, so a re-import of the same data is byte-identical), files that are
# already compressed (`.gz`, `.bz2`) and licence files are copied as they are. The tests read a
# file `x` as `x`, else `x.gz`, else `x.bz2` (tests/support/corpus.rs), so they run on either
# layout.
#
#   scripts/import-corpus.sh /path/to/corpus      # then review `git status tests/corpus`
#
# To take a new file into the tests: add its pattern below, re-run, and add its origin to
# tests/corpus/README.md in the same commit.
set -euo pipefail
src="${1:?usage: scripts/import-corpus.sh /path/to/corpus}"
src="$(cd "$src" && pwd)"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo/tests/corpus"

# Paths relative to the corpus root; globs are expanded there. A pattern that matches nothing
# is an error: the import must not quietly lose a part.
patterns=(
    # feed-rs's fixtures and gofeed's parser cases: the parse gates read every file.
    'feed-rs/feed-rs/LICENSE-MIT'
    'feed-rs/feed-rs/fixture/*/*'
    'gofeed-testdata/LICENSE'
    'gofeed-testdata/testdata/**'
    # Hebrew and other legacy encodings: the charset gates and the corpus-as-feeds test.
    'hebrew-encoding/chardet/LICENSE'
    'hebrew-encoding/chardet/tests/*/*'
    'hebrew-encoding/uchardet/COPYING'
    'hebrew-encoding/uchardet/test/*/*'
    'hebrew-encoding/charset_normalizer/LICENSE'
    'hebrew-encoding/charset_normalizer/expected.json'
    'hebrew-encoding/charset_normalizer/data/*'
    # Language accuracy (text_accuracy.rs), the text core's real-sentence tests and benches/text.rs.
    'lingua-testdata/LICENSE.txt'
    'lingua-testdata/language-testdata/single-words/'{ar,en,fr,he,ru}'.txt'
    'lingua-testdata/language-testdata/word-pairs/'{ar,en,fr,he,ru}'.txt'
    'lingua-testdata/language-testdata/sentences/'{ar,de,en,fr,he,ru}'.txt'
    # Article extraction and embeds: every page of both sets (the gates and benches/extract.rs).
    'readability-test-pages/LICENSE.md'
    'readability-test-pages/test/test-pages/*/source.html.gz'
    'readability-test-pages/test/test-pages/*/expected.html.gz'
    'readability-test-pages/test/test-pages/*/expected-metadata.json'
    'trafilatura-eval/LICENSE'
    'trafilatura-eval/tests/evaldata.json'
    'trafilatura-eval/tests/eval/*'
    'trafilatura-eval/tests/cache/*'
    'trafilatura-eval/tests/resources/feed1.atom'
    'trafilatura-eval/tests/resources/feed2.rss'
    # Unicode conformance.
    'unicode-conformance/debian-copyright.txt'
    'unicode-conformance/NormalizationTest.txt.bz2'
    'unicode-conformance/udhr-direction/COPYRIGHT'
    'unicode-conformance/udhr-direction/LICENSE-MIT'
    'unicode-conformance/udhr-direction/data/udhr/*/*'
)

is_licence() {
    case "$(basename "$1")" in
        LICENSE* | COPYING* | COPYRIGHT* | *copyright*) return 0 ;;
        *) return 1 ;;
    esac
}

shopt -s nullglob globstar
readme="$dest/README.md"
keep_readme=""
[[ -f "$readme" ]] && keep_readme="$(cat "$readme")"
rm -rf "$dest"
mkdir -p "$dest"
count=0
cd "$src"
for pattern in "${patterns[@]}"; do
    matched=0
    for path in $pattern; do
        [[ -f "$path" ]] || continue
        matched=1
        count=$((count + 1))
        mkdir -p "$dest/$(dirname "$path")"
        if [[ "$path" == *.gz || "$path" == *.bz2 ]] || is_licence "$path"; then
            cp "$path" "$dest/$path"
        else
            gzip -9 -n -c "$path" > "$dest/$path.gz"
        fi
    done
    if (( matched == 0 )); then
        echo "import-corpus: nothing matches $pattern in $src" >&2
        exit 1
    fi
done
[[ -n "$keep_readme" ]] && printf '%s\n' "$keep_readme" > "$readme"
echo "imported $count files into $dest ($(du -sh "$dest" | cut -f1))" >&2
