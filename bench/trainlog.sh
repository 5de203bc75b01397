#!/usr/bin/env bash
# Benchmark of the log trainer: `speller train --log` on a simulated log, with its wall time and peak RSS.
#
#	bench/trainlog.sh [ROWS] [extra train flags...]     # ROWS: 1M or 10M (default 10M)
#
# The log is generated once (queries cut from big.txt, errors from the training misspelling lists) into
# /tmp/speller-bench-ROWS.parquet and reused. Targets: 10 M rows in at most 30 s with a peak RSS of at most
# 2 GB on the project's 2-core machine, and a time linear in the rows.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared/data}
size=${1:-10M}
shift || true
case $size in
1M) sessions=340000 ;;   # about 2.9 rows a session with the default behaviour mix
10M) sessions=3400000 ;;
*) echo "usage: $0 [1M|10M] [train flags...]" >&2; exit 2 ;;
esac

bin=/tmp/speller-bench
go build -o "$bin" ./cmd/speller
log=/tmp/speller-bench-$size.parquet
if [ ! -f "$log" ]; then
	echo "generating $log ($sessions sessions)..." >&2
	"$bin" simulate --out "$log" --sessions "$sessions" --seed 1 \
		--corpus "$SHARED/corpus/big.txt" --corpus-queries 20000 \
		--misspellings "$SHARED/misspellings/train/*.tsv" --garbage 0.001 >&2
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/time -v "$bin" train --log "$log" --out "$dir/log.model" --report "$dir/report.json" \
	--build-time 2026-11-23T00:00:00Z "$@" >"$dir/out.txt" 2>"$dir/time.txt" || { cat "$dir/out.txt" "$dir/time.txt" >&2; exit 1; }
rows=$(grep -m1 '"rows_read"' "$dir/report.json" | tr -dc 0-9)
secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$dir/time.txt")
rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$dir/time.txt")
cpu=$(awk -F': ' '/Percent of CPU/ {print $2}' "$dir/time.txt")
grep '^stage' "$dir/out.txt" || true
printf 'rows %s  seconds %s  peak RSS %s MB  CPU %s\n' "$rows" "$secs" "$rss" "$cpu"
