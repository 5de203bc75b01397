#!/bin/sh
# Times `speller tune` (10-fold cross-validation) on a labelled set built from the TRAINING misspelling
# lists — never from the evaluation sets — then evaluates the default and the tuned model on the dev sets.
#
#	bench/tune.sh [N]    # N misspellings and N correct words (default 10000: 20,000 examples)
#
# The set: N rows typed<TAB>intended drawn from birkbeck.tsv and codespell.tsv (lower-cased, letters only,
# one row per typed word), N/2 rows word<TAB>_ for intended words of other rows, and N/2 for the most
# frequent words of unigrams-en-82k.txt not used otherwise. The draw is seeded (awk's srand), so it is the
# same on every run with the same awk. Outputs go to $OUT (default /tmp/speller-tune).
set -eu
SHARED=${SHARED:-../shared/data}
N=${1:-10000}
OUT=${OUT:-/tmp/speller-tune}
mkdir -p "$OUT"
go build -o "$OUT/speller" ./cmd/speller

# A pool of candidate rows with random keys: M misspellings, C intended words.
awk -F'\t' '
function letters(s) { return s ~ /^[a-z]+$/ }
BEGIN { srand(7) }
{
	typed = tolower($1); want = tolower($2)
	if (typed == want || !letters(typed) || !letters(want) || (typed in used)) next
	used[typed] = 1; mis[++nm] = typed "\t" want; wanted[nm] = want
}
END {
	for (i = 1; i <= nm; i++) if (!(wanted[i] in used)) { used[wanted[i]] = 1; cor[++nc] = wanted[i] "\t_" }
	for (i = 1; i <= nm; i++) printf "%.9f\tM\t%s\n", rand(), mis[i]
	for (i = 1; i <= nc; i++) printf "%.9f\tC\t%s\n", rand(), cor[i]
}' "$SHARED/misspellings/train/birkbeck.tsv" "$SHARED/misspellings/train/codespell.tsv" > "$OUT/pool.tsv"
{
	awk -F'\t' '$2 == "M"' "$OUT/pool.tsv" | sort -n | head -n "$N" | cut -f3-
	awk -F'\t' '$2 == "C"' "$OUT/pool.tsv" | sort -n | head -n $((N / 2)) | cut -f3-
	# frequent words that are neither a misspelling nor an intended word of the lists
	awk -F'\t' -v m=$((N - N / 2)) '
		FNR == NR { used[$3] = 1; used[$4] = 1; next }
		{ split($0, f, " ") }
		length(f[1]) >= 3 && f[1] ~ /^[a-z]+$/ && !(f[1] in used) { print f[1] "\t_"; if (++k >= m) exit }
	' "$OUT/pool.tsv" "$SHARED/lm/unigrams-en-82k.txt"
} > "$OUT/labelled.tsv"
echo "labelled set: $OUT/labelled.tsv, $(wc -l < "$OUT/labelled.tsv") rows"

start=$(date +%s.%N)
"$OUT/speller" tune --examples "$OUT/labelled.tsv" --out "$OUT/tuned.model" --folds 10 --seed 1 --plot "$OUT/plots"
end=$(date +%s.%N)
echo "tune: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s wall on $(nproc) cores"

echo; echo "== default model on the dev sets"
"$OUT/speller" eval "$SHARED"/misspellings/dev/*.tsv
echo; echo "== tuned model on the dev sets"
"$OUT/speller" eval --model "$OUT/tuned.model" "$SHARED"/misspellings/dev/*.tsv
