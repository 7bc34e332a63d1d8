#!/usr/bin/env bash
# `scimulate load` at scale, against the reference server in its own process (release build,
# 127.0.0.1 only), so the harness's memory is measured alone:
#
#   1. Entra's initial cycle of LOAD_USERS users and LOAD_GROUPS groups (managers and members
#      included), flat out: wall time, throughput, the harness's peak RSS (limit: 300 MiB), and
#      the same at a tenth of the users, to show memory does not grow with N beyond the id map.
#   2. The harness flat out against wrk on the same endpoint, same server, same connections,
#      alternating BENCH_ROUNDS times (medians; target: the harness at >= 70% of wrk's rate):
#      a. Entra's lookup of an existing user (`GET /Users?filter=userName+eq+%22…%22`), over the
#         users of step 1: the harness replays the initial cycle with the same prefix, which
#         matches every user and, nothing differing, sends only the lookups;
#      b. Entra's lookup-then-create of new users, on a fresh server per measurement.
#      For 2a it also gives the CPU each request cost wrk, the harness and the server (user +
#      system time over requests): on shared cores, the load tool's own CPU is what it takes
#      from the server.
#
# Usage: scripts/bench-load.sh
# Environment (all optional):
#   LOAD_USERS        users of step 1 (default 100000)     LOAD_GROUPS  groups (default 1000)
#   BENCH_CONNECTIONS objects / connections in flight (default 8)
#   BENCH_THREADS     wrk threads (default 2)
#   BENCH_DURATION    wrk duration per measurement (default 10s)
#   BENCH_ROUNDS      alternations in step 2 (default 5)
#   CREATE_USERS      users per harness measurement in step 2b (default 20000)
#   BENCH_SKIP_BUILD=1  use target/release/scimulate as it is;  SCIMULATE_BIN  another binary
# Needs: cargo, wrk (installed with apt-get if missing), python3, GNU time (/usr/bin/time).
set -euo pipefail

USERS=${LOAD_USERS:-100000}
GROUP_COUNT=${LOAD_GROUPS:-1000}
CONNECTIONS=${BENCH_CONNECTIONS:-8}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-5}
CREATE_USERS=${CREATE_USERS:-20000}
STARTUP_TIMEOUT=30
RUN_TIMEOUT=1800

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scimulate-bench-load.XXXXXX")
PIDS=()

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench-load.sh: %s\n' "$*" >&2; exit 1; }
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

need_wrk
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is needed for the peak memory"
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    log "building the release binary"
    (cd "$ROOT" && cargo build --release --bin scimulate)
fi
SCIMULATE=${SCIMULATE_BIN:-$TARGET_DIR/release/scimulate}
[[ -x $SCIMULATE ]] || die "missing binary $SCIMULATE"
TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
export SCIMULATE_TOKEN=$TOKEN
log "nproc: $(nproc) (wrk or the harness, and the server, share these cores)"

# serve NAME: a fresh in-memory reference server; sets BASE_URL and SERVER_PID.
serve() { start_server "$1" "$SCIMULATE" serve --bind 127.0.0.1:0; }

# load NAME ARGS...: runs `scimulate load` under GNU time; sets RSS_KIB, CPU_SECONDS (user +
# system), and LOAD_JSON to its report. Fails unless the run exits 0.
load() {
    local name=$1
    shift
    LOAD_JSON=$WORK/$name.json
    local code=0
    timeout "$RUN_TIMEOUT" /usr/bin/time -f '%M %U %S' -o "$WORK/$name.rss" \
        "$SCIMULATE" load --target "$BASE_URL" --json "$LOAD_JSON" "$@" \
        >"$WORK/$name.txt" 2>"$WORK/$name.err" || code=$?
    sed 's/^/    /' "$WORK/$name.txt" >&2
    [[ $code -eq 0 ]] || { cat "$WORK/$name.err" >&2; die "$name: scimulate load exited $code"; }
    read -r RSS_KIB CPU_SECONDS < <(tail -n1 "$WORK/$name.rss" | awk '{ print $1, $2 + $3 }')
}

# field JSON EXPR: a value out of a load report (EXPR is Python over `r`).
field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }

# wrk_rate SCRIPT ARGS...: wrk against BASE_URL with a Lua script; sets RATE, REQUESTS and
# CPU_SECONDS (wrk's user + system). Refuses a measurement with any non-2xx answer.
wrk_rate() {
    local script=$1
    shift
    local out=$WORK/wrk.out
    timeout 300 /usr/bin/time -f '%U %S' -o "$WORK/wrk.cpu" \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s --latency \
        -s "$ROOT/scripts/wrk/$script" "$BASE_URL" -- "$@" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed"; }
    sed 's/^/    /' "$out" >&2
    if grep -q 'Non-2xx or 3xx responses' "$out"; then
        die "wrk: the server answered errors ($(grep 'Non-2xx' "$out" | xargs))"
    fi
    RATE=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    REQUESTS=$(awk '/ requests in / { print $1 }' "$out")
    [[ -n $RATE && -n $REQUESTS ]] || die "no Requests/sec in the wrk output"
    CPU_SECONDS=$(tail -n1 "$WORK/wrk.cpu" | awk '{ print $1 + $2 }')
}

# server_cpu: the server's user + system CPU seconds so far.
server_cpu() {
    awk -v tick="$(getconf CLK_TCK)" '{ print ($14 + $15) / tick }' "/proc/$SERVER_PID/stat"
}

# per_request SECONDS REQUESTS: microseconds of CPU per request.
per_request() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.1f", s * 1e6 / n }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# --- step 1: the initial cycle at scale ----------------------------------------------------
SMALL=$((USERS / 10))
serve small
log "step 1: Entra initial cycle, $SMALL users, $((GROUP_COUNT / 10)) groups (for the memory slope)"
load small --idp entra --users "$SMALL" --groups $((GROUP_COUNT / 10)) --pace flat \
    --concurrency "$CONNECTIONS" --prefix small
SMALL_RSS=$RSS_KIB
stop_pid "$SERVER_PID"

serve big
log "step 1: Entra initial cycle, $USERS users, $GROUP_COUNT groups, flat out ($CONNECTIONS in flight)"
started=$(date +%s.%N)
load big --idp entra --users "$USERS" --groups "$GROUP_COUNT" --pace flat \
    --concurrency "$CONNECTIONS" --prefix big --keep
wall=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
BIG_RSS=$RSS_KIB
[[ $(field "$LOAD_JSON" 'r["complete"]') == True ]] || die "the big run did not complete"
[[ $(field "$LOAD_JSON" 'r["users_provisioned"]') == "$USERS" ]] || die "not every user provisioned"
BIG_REQUESTS=$(field "$LOAD_JSON" 'r["requests"]')
BIG_RATE=$(field "$LOAD_JSON" 'r["requests_per_second"]')
QUARANTINE=$(field "$LOAD_JSON" 'r["quarantine"]["would_quarantine"]')
PER_USER=$(awk -v a="$SMALL_RSS" -v b="$BIG_RSS" -v n=$((USERS - SMALL)) \
    'BEGIN { printf "%.0f", (b - a) * 1024 / n }')

# --- step 2a: lookups of existing users, same endpoint as wrk ------------------------------
LOOKUP_WRK=() LOOKUP_HARNESS=() LOOKUP_RATIOS=()
WRK_CPU=() HARNESS_CPU=() SERVER_CPU_WRK=() SERVER_CPU_HARNESS=()
for round in $(seq "$ROUNDS"); do
    log "step 2a round $round: wrk, Entra's lookup of an existing user"
    before=$(server_cpu)
    wrk_rate entra-lookup.lua big "$USERS" "$TOKEN"
    LOOKUP_WRK+=("$RATE")
    WRK_CPU+=("$(per_request "$CPU_SECONDS" "$REQUESTS")")
    SERVER_CPU_WRK+=("$(per_request "$(awk -v a="$before" -v b="$(server_cpu)" 'BEGIN { print b - a }')" "$REQUESTS")")
    log "step 2a round $round: scimulate load, the initial cycle again (lookups only)"
    before=$(server_cpu)
    load lookup --idp entra --users "$USERS" --groups 0 --no-managers --pace flat \
        --concurrency "$CONNECTIONS" --prefix big --keep
    HARNESS_CPU+=("$(per_request "$CPU_SECONDS" "$USERS")")
    SERVER_CPU_HARNESS+=("$(per_request "$(awk -v a="$before" -v b="$(server_cpu)" 'BEGIN { print b - a }')" "$USERS")")
    kinds=$(field "$LOAD_JSON" '",".join(k["kind"] for k in r["latency"])')
    [[ $kinds == "GET /Users?filter" ]] || die "the replay sent more than lookups: $kinds"
    rate=$(field "$LOAD_JSON" 'r["requests_per_second"]')
    LOOKUP_HARNESS+=("$rate")
    LOOKUP_RATIOS+=("$(ratio "$rate" "$RATE")")
done
stop_pid "$SERVER_PID"

# --- step 2b: lookup-then-create of new users, fresh server per measurement ----------------
CREATE_WRK=() CREATE_HARNESS=() CREATE_RATIOS=()
for round in $(seq "$ROUNDS"); do
    serve "create-wrk-$round"
    log "step 2b round $round: wrk, Entra's lookup then create"
    wrk_rate entra-create.lua "wrk$round" "$TOKEN"
    wrk_create=$RATE
    stop_pid "$SERVER_PID"
    serve "create-harness-$round"
    log "step 2b round $round: scimulate load, $CREATE_USERS users (lookup then create)"
    load "create-$round" --idp entra --users "$CREATE_USERS" --groups 0 --no-managers \
        --pace flat --concurrency "$CONNECTIONS" --keep
    rate=$(field "$LOAD_JSON" 'r["requests_per_second"]')
    stop_pid "$SERVER_PID"
    CREATE_WRK+=("$wrk_create")
    CREATE_HARNESS+=("$rate")
    CREATE_RATIOS+=("$(ratio "$rate" "$wrk_create")")
done

# --- summary -------------------------------------------------------------------------------
printf '\n'
printf 'step 1: Entra initial cycle, %s users + %s groups, flat out (%s in flight)\n' "$USERS" "$GROUP_COUNT" "$CONNECTIONS"
printf '  wall time            %s s (%s requests, %s req/s)\n' "$wall" "$BIG_REQUESTS" "$BIG_RATE"
printf '  harness peak RSS     %s MiB (limit 300 MiB)\n' "$((BIG_RSS / 1024))"
printf '  at %s users          %s MiB; slope %s bytes per added user\n' "$SMALL" "$((SMALL_RSS / 1024))" "$PER_USER"
printf '  Entra would quarantine: %s\n' "$QUARANTINE"
printf 'step 2a: GET /Users?filter (existing user), req/s, %s rounds\n' "$ROUNDS"
printf '  wrk %s | scimulate %s | ratio %s; medians: wrk %s, scimulate %s, ratio %s (target >= 0.70)\n' \
    "${LOOKUP_WRK[*]}" "${LOOKUP_HARNESS[*]}" "${LOOKUP_RATIOS[*]}" \
    "$(median "${LOOKUP_WRK[@]}")" "$(median "${LOOKUP_HARNESS[@]}")" "$(median "${LOOKUP_RATIOS[@]}")"
printf '  CPU per request (us, medians): wrk %s, scimulate %s; the server %s under wrk, %s under scimulate\n' \
    "$(median "${WRK_CPU[@]}")" "$(median "${HARNESS_CPU[@]}")" \
    "$(median "${SERVER_CPU_WRK[@]}")" "$(median "${SERVER_CPU_HARNESS[@]}")"
printf 'step 2b: lookup + POST /Users (new users), req/s, %s rounds\n' "$ROUNDS"
printf '  wrk %s | scimulate %s | ratio %s; medians: wrk %s, scimulate %s, ratio %s (target >= 0.70)\n' \
    "${CREATE_WRK[*]}" "${CREATE_HARNESS[*]}" "${CREATE_RATIOS[*]}" \
    "$(median "${CREATE_WRK[@]}")" "$(median "${CREATE_HARNESS[@]}")" "$(median "${CREATE_RATIOS[@]}")"
