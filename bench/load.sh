#!/usr/bin/env bash
# Load benchmark of spelld's Correct over gRPC, against the floor of an empty handler. It builds spelld and
# bench/load into a temporary directory, starts spelld (embedded default model) on 127.0.0.1:50151 and the
# empty server (bench/load --serve-empty) on 127.0.0.1:50152, each in its own process, waits until both
# serve, then runs bench/load:
#   1. closed loop (max throughput), concurrency 8, 32 and 64, against the empty server, then against spelld;
#   2. open loop against spelld at 80% of the best closed-loop QPS of spelld (latency at a sustainable load,
#      measured from the scheduled send times), then against the empty server at the same rate (the
#      latency that the client and the shared machine add without any speller).
# It stops the two servers it started and prints a Markdown table for BENCHMARKS.md on stdout (progress
# goes to stderr). About two minutes. Client and servers share this machine's CPUs, so the numbers depend
# on its size and on whatever else runs: the load average is printed with them.
#
#   bench/load.sh > /tmp/load.md
#
# Environment: DURATION (10s), OPEN_DURATION (20s), WARMUP (2s), CONNS (4), LEVELS ("8 32 64"), and
# MISSPELLED, PIN, SPELLD_ARGS, QUERIES, ORDER, ZIPF_S, TYPOS below; SPELLD_BIN runs that spelld binary instead of
# building one from this tree (to compare builds in the same conditions).
#
# The query stream (ORDER): "cycle" sends the queries in turn, again and again, so that after one pass the
# response cache answers everything (the best case); "once" sends each distinct query once (traffic that never
# repeats: the worst case for the caches; spelld is restarted before each of its runs, so that no run finds the
# answers of another in the cache); "zipf" draws them by a Zipf law of exponent ZIPF_S (1) over the distinct
# queries (a head of frequent queries and a long tail, as in search logs). For real queries:
#   QUERIES="../shared/data/queries/msmarco-a-typo.tsv ../shared/data/queries/msmarco-a-clean.tsv" ORDER=once bench/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
OPEN_DURATION=${OPEN_DURATION:-20s}
WARMUP=${WARMUP:-2s}
CONNS=${CONNS:-4}
MISSPELLED=${MISSPELLED:-1} # share of the dev rows sent as typed; the others send the expected (correct) query
# PIN=1 gives the servers CPU 1 and the load client CPU 0 (taskset, GOMAXPROCS=1 each), so that the client
# does not steal the server's CPU: a one-core server measured without interference.
PIN=${PIN:-0}
# SPELLD_ARGS are extra spelld flags, e.g. SPELLD_ARGS=--cache-size=-1 to correct every query (no response
# cache: the worst case, traffic that never repeats).
read -r -a spelld_args <<<"${SPELLD_ARGS:-}"
# QUERIES are query files (typed<TAB>expected), space separated (default: the load tool's, the shared
# misspelling lists); ORDER and ZIPF_S choose the stream (see above).
read -r -a query_files <<<"${QUERIES:-}"
query_args=()
for f in "${query_files[@]}"; do
	query_args+=(--queries "$f")
done
ORDER=${ORDER:-cycle}
ZIPF_S=${ZIPF_S:-1}
TYPOS=${TYPOS:-0} # variants of each query with one random typo (bench/load --typos): longer streams of new queries
server_run=()
client_run=()
if [ "$PIN" = 1 ]; then
	server_run=(env GOMAXPROCS=1 taskset -c 1)
	client_run=(env GOMAXPROCS=1 taskset -c 0)
fi
read -r -a LEVELS <<<"${LEVELS:-8 32 64}"
SPELLD_ADDR=127.0.0.1:50151
EMPTY_ADDR=127.0.0.1:50152
ADMIN_ADDR=127.0.0.1:50153

log() { echo "load.sh: $*" >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/speller-load.XXXXXX")
spelld_pid=""
empty_pid=""
# stop_servers stops the two servers this script started, by the PIDs it recorded, and nothing else.
stop_servers() {
	local pid
	for pid in $spelld_pid $empty_pid; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $spelld_pid $empty_pid; do
		wait "$pid" 2>/dev/null || true
	done
	spelld_pid=""
	empty_pid=""
}
trap 'stop_servers; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The ports must be free, or the readiness checks could pass against someone else's server.
for addr in "$SPELLD_ADDR" "$EMPTY_ADDR" "$ADMIN_ADDR"; do
	if (exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null; then
		log "$addr is already in use; stop whatever listens there first"
		exit 1
	fi
done

log "building spelld and bench/load into $tmp"
if [ -n "${SPELLD_BIN:-}" ]; then
	cp "$SPELLD_BIN" "$tmp/spelld" # another build of spelld, e.g. of an older commit, to compare
else
	go build -o "$tmp/spelld" ./cmd/spelld
fi
go build -o "$tmp/load" ./bench/load

load_before=$(uptime)
start_spelld() {
	tables_before=$(grep -c "neighbour table built" "$tmp/spelld.log" 2>/dev/null || true)
	"${server_run[@]}" "$tmp/spelld" --listen "$SPELLD_ADDR" --watch=false --drain 2s --drain-delay 0s --log-level info --admin "$ADMIN_ADDR" "${spelld_args[@]}" 2>>"$tmp/spelld.log" &
	spelld_pid=$!
}

# wait_table waits until the spelld last started says its neighbour table serves: the table is built in the
# background after a load, about a second of CPU that would otherwise count in the server CPU per request of
# the first run, whose first requests would also run without it. Nothing to wait for with --neighbours=false.
# spelld logs at info level for it; it logs nothing else at that level unless calls fail by the client's fault.
wait_table() {
	if [[ " ${spelld_args[*]:-} " =~ [[:space:]]--?neighbours=(false|0|f|F|FALSE|False)[[:space:]] ]]; then
		return 0
	fi
	for _ in $(seq 600); do
		[ "$(grep -c "neighbour table built" "$tmp/spelld.log" || true)" -gt "${tables_before:-0}" ] && return 0
		alive
		sleep 0.1
	done
	log "spelld did not say \"neighbour table built\" within 60 s"
	exit 1
}
start_spelld
"${server_run[@]}" "$tmp/load" --serve-empty "$EMPTY_ADDR" --serve-for 10m >"$tmp/empty.log" 2>&1 &
empty_pid=$!

# alive fails, with the server's log, when one of the servers has exited.
alive() {
	if ! kill -0 "$spelld_pid" 2>/dev/null; then
		log "spelld exited:"; tail -5 "$tmp/spelld.log" >&2; exit 1
	fi
	if ! kill -0 "$empty_pid" 2>/dev/null; then
		log "the empty server exited:"; tail -5 "$tmp/empty.log" >&2; exit 1
	fi
}
log "waiting for spelld ($SPELLD_ADDR, pid $spelld_pid) and the empty server ($EMPTY_ADDR, pid $empty_pid)"
"$tmp/load" --check --addr "$SPELLD_ADDR" --conns 1 --ready-timeout 60s || { alive; exit 1; }
"$tmp/load" --check --addr "$EMPTY_ADDR" --conns 1 --ready-timeout 30s --empty || { alive; exit 1; }
alive
wait_table

# fresh_spelld restarts spelld with empty caches when the stream must not repeat (ORDER=once).
fresh_spelld() {
	[ "$ORDER" = once ] || return 0
	kill "$spelld_pid" 2>/dev/null || true
	wait "$spelld_pid" 2>/dev/null || true
	start_spelld
	"$tmp/load" --check --addr "$SPELLD_ADDR" --conns 1 --ready-timeout 60s || { alive; exit 1; }
	alive
	wait_table
}

# field NAME JSON prints the number NAME of a flat-keyed JSON result (names are unique in it).
field() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" <<<"$2"; }
# errors JSON prints the error counts by code, or 0.
errors() {
	local e
	e=$(sed -n 's/.*"errors":{\([^}]*\)}.*/\1/p' <<<"$1" | tr -d '"' | sed 's/:/ /g; s/,/, /g')
	echo "${e:-0}"
}

rows=()
cmds=()
results=()
# bench LABEL TARGET_PID ARGS... runs one load and appends its table row.
bench() {
	local label=$1 pid=$2 out
	shift 2
	local order=$ORDER
	if [ "$pid" = "$empty_pid" ]; then
		order=cycle # the empty server answers every query alike: its floor does not depend on the stream
	fi
	local args=(--json --conns "$CONNS" --warmup "$WARMUP" --server-pid "$pid" --misspelled "$MISSPELLED" --order "$order" --zipf-s "$ZIPF_S" --typos "$TYPOS" "${query_args[@]}" "$@")
	cmds+=("load ${args[*]}")
	log "run: $label"
	if ! out=$("${client_run[@]}" "$tmp/load" "${args[@]}"); then
		alive
		log "the run failed"
		exit 1
	fi
	alive
	results+=("$out")
	rows+=("| $label | $(field requests "$out") | $(field qps "$out") | $(errors "$out") | $(field repeat_share "$out") | $(field p50 "$out") | $(field p90 "$out") | $(field p99 "$out") | $(field p999 "$out") | $(field max "$out") | $(field client_cpu_us_per_req "$out") | $(field server_cpu_us_per_req "$out") |")
	log "  $(field qps "$out") qps, p50 $(field p50 "$out") µs, p99 $(field p99 "$out") µs, errors: $(errors "$out")"
}

for c in "${LEVELS[@]}"; do
	bench "empty | closed, concurrency $c" "$empty_pid" --empty --addr "$EMPTY_ADDR" --concurrency "$c" --duration "$DURATION"
done
best=0
for c in "${LEVELS[@]}"; do
	fresh_spelld
	bench "spelld | closed, concurrency $c" "$spelld_pid" --addr "$SPELLD_ADDR" --concurrency "$c" --duration "$DURATION"
	best=$(awk -v a="$best" -v b="$(field qps "${results[-1]}")" 'BEGIN { print (b > a) ? b : a }')
done
rate=$(awk -v b="$best" 'BEGIN { r = int(0.8 * b); print (r < 1) ? 1 : r }')
fresh_spelld
curl -fsS "http://$ADMIN_ADDR/metrics" >"$tmp/metrics.before"
bench "spelld | open, $rate req/s (80% of $best)" "$spelld_pid" --addr "$SPELLD_ADDR" --rate "$rate" --duration "$OPEN_DURATION"
open=${results[-1]}
curl -fsS "http://$ADMIN_ADDR/metrics" >"$tmp/metrics.after"
# server_quantile Q prints the upper bound of the bucket of spelld's own latency histogram (the handler's time,
# from the interceptors: no transport, no client) that holds quantile Q of the Correct calls of the open loop
# (warmup included).
server_quantile() {
	awk -v q="$1" '
		/^speller_request_duration_seconds_bucket\{method="\/speller.v1.SpellerService\/Correct"/ {
			match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
			if (FILENAME == ARGV[1]) { before[le] = $NF } else { n++; les[n] = le; after[le] = $NF }
		}
		END {
			total = after["+Inf"] - before["+Inf"]
			for (i = 1; i <= n; i++) {
				if (after[les[i]] - before[les[i]] >= q * total) {
					if (les[i] == "+Inf") { print "> 1 s" } else { printf "≤ %.0f µs\n", les[i] * 1e6 }
					exit
				}
			}
		}' "$tmp/metrics.before" "$tmp/metrics.after"
}
server_p50=$(server_quantile 0.5)
server_p99=$(server_quantile 0.99)
server_p999=$(server_quantile 0.999)
# The same arrivals against the empty server: the latency the client and the machine add by themselves.
bench "empty | open, $rate req/s (same rate)" "$empty_pid" --empty --addr "$EMPTY_ADDR" --rate "$rate" --duration "$OPEN_DURATION"
open_empty=${results[-1]}
load_after=$(uptime)
log "stopping the servers"
stop_servers

query_source=$(sed -n 's/.*"query_source":"\([^"]*\)".*/\1/p' <<<"$open")
cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -1)
cat <<EOF
### Load: spelld \`Correct\` over gRPC (bench/load.sh, $(date -u +%Y-%m-%d))

Machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}, $(uname -sr), $(go version | awk '{print $3, $4}').
Load average (1, 5, 15 min) before: ${load_before##*load average: }; after: ${load_after##*load average: }.
Client and servers are separate processes sharing these CPUs (default GOMAXPROCS each), over loopback TCP,
$CONNS gRPC connections, plaintext. Queries: $query_source.
Stream: $ORDER$( [ "$ORDER" = zipf ] && echo " (s = $ZIPF_S)")$( [ "$ORDER" = once ] && echo " (each distinct query once; spelld restarted before each of its runs)"); "repeats" is the share of the requests sent whose query was sent before in the run.
Closed loop: N workers each send the next request when the answer arrives (maximum throughput).
Open loop: a fixed arrival rate, at most 256 requests in flight, latency from the scheduled send time.
Warmup $WARMUP, then $DURATION measured (open loop: $OPEN_DURATION). QPS: measured requests over the time from
the start of the measured window to the last answer. Latencies of the successful calls, in µs;
CPU is user+system time of the load client and of the server process, from the start of the measured window to the last answer, per measured request.
"empty" is a SpellerService whose \`Correct\` returns an empty response at once: the gRPC floor.

| target | load | requests | QPS | errors | repeats | p50 | p90 | p99 | p99.9 | max | client CPU µs/req | server CPU µs/req |
|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
printf '%s\n' "${rows[@]}"
cat <<EOF

Open loop at 80% of the best closed-loop throughput of spelld ($best QPS): p50 $(field p50 "$open") µs,
p99 $(field p99 "$open") µs, p99.9 $(field p999 "$open") µs, errors: $(errors "$open"); $(field waited_for_slot "$open" | grep . || echo 0) of
the arrivals found 256 requests already in flight and waited; the client's schedule was at most
$(field max_send_lag_us "$open") µs late (the wait counts in the latency). The empty server at the same rate:
p50 $(field p50 "$open_empty") µs, p99 $(field p99 "$open_empty") µs, p99.9 $(field p999 "$open_empty") µs.
spelld's own latency histogram (\`speller_request_duration_seconds\`: the handler, without transport and client;
bucket upper bounds) over the spelld open loop: p50 $server_p50, p99 $server_p99, p99.9 $server_p999.

Commands (binaries built by \`go build -o \$BIN/spelld ./cmd/spelld\` and \`go build -o \$BIN/load ./bench/load\`; PID is the server's):

\`\`\`sh
spelld --listen $SPELLD_ADDR --watch=false --drain 2s --drain-delay 0s --log-level info --admin $ADMIN_ADDR ${spelld_args[*]} &
load --serve-empty $EMPTY_ADDR --serve-for 10m &
load --check --addr $SPELLD_ADDR --conns 1 --ready-timeout 60s
load --check --addr $EMPTY_ADDR --conns 1 --ready-timeout 30s --empty
EOF
for c in "${cmds[@]}"; do
	sed -E 's/--server-pid [0-9]+/--server-pid PID/' <<<"$c"
done
echo '```'
