#!/usr/bin/env bash
# Throughput benchmark of the reference server (`scimulate serve`, in-memory) against a bare
# axum server answering a constant body (examples/bare_axum.rs), with wrk, on 127.0.0.1 only.
#
#   1. GET /Users/{id} with 1 user: scimulate vs the bare ceiling, and their ratio;
#   2. after seeding 100,000 users (examples/seed_users.rs, which times the writes):
#      GET /Users?filter=userName eq "bench-user-77777@example.com" vs GET /Users/{id}.
#
# Usage: scripts/bench.sh
# Environment (all optional):
#   BENCH_DURATION   wrk duration per measurement (default 10s)
#   BENCH_ROUNDS     step 1 alternates bare and scimulate this many times and reports medians,
#                    since the machine's load drifts between measurements (default 3)
#   BENCH_THREADS    wrk threads (default 2)        BENCH_CONNECTIONS  wrk connections (default 8)
#   SEED_COUNT       users seeded for step 2 (default 100000)
#   SEED_TIMEOUT     seconds allowed for seeding them (default 900)
#   SCIMULATE_BIN    use this scimulate binary instead of target/release/scimulate
#   BENCH_SKIP_BUILD=1  use the binaries already built instead of running cargo build
# Needs: cargo, wrk (installed with apt-get if missing), coreutils, awk.
set -euo pipefail

DURATION=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-3}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-8}
SEED_COUNT=${SEED_COUNT:-100000}
SEED_TIMEOUT=${SEED_TIMEOUT:-900}
STARTUP_TIMEOUT=30

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scimulate-bench.XXXXXX")
PIDS=()

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# measure LABEL URL [wrk args...] : runs wrk, prints its output, sets RATE (requests/s).
measure() {
    local label=$1 url=$2
    shift 2
    log "wrk -t$THREADS -c$CONNECTIONS -d$DURATION: $label"
    local out=$WORK/wrk.out
    timeout 300 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s --latency "$@" "$url" \
        >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed for $label"; }
    sed 's/^/    /' "$out" >&2
    if grep -q 'Non-2xx or 3xx responses' "$out"; then
        die "$label: the server answered errors ($(grep 'Non-2xx' "$out" | xargs)); not a valid measurement"
    fi
    RATE=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    [[ -n $RATE ]] || die "$label: no Requests/sec in the wrk output"
    P99=$(awk '$1 == "99%" { print $2 }' "$out")
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
# median NUMBER... : the middle value (the lower middle for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# --- prerequisites -------------------------------------------------------------------------
need_wrk

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    log "building release binaries"
    (cd "$ROOT" && cargo build --release --bin scimulate --examples)
fi
SCIMULATE=${SCIMULATE_BIN:-$TARGET_DIR/release/scimulate}
BARE=$TARGET_DIR/release/examples/bare_axum
SEED=$TARGET_DIR/release/examples/seed_users
for bin in "$SCIMULATE" "$BARE" "$SEED"; do
    [[ -x $bin ]] || die "missing binary $bin"
done

CORES=$(nproc)
log "nproc: $CORES (wrk, the servers and the seeder share these cores)"
TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
AUTH="Authorization: Bearer $TOKEN"

# --- step 1: GET by id with one user, against the bare ceiling ----------------------------
start_server bare_axum "$BARE" 0
BARE_URL=$BASE_URL
start_server scimulate "$SCIMULATE" serve --bind 127.0.0.1:0 --token "$TOKEN"
SCIM_URL=$BASE_URL

log "seeding 1 user"
"$SEED" "$SCIM_URL" "$TOKEN" 1 0 | tee "$WORK/seed1.out" >&2
FIRST_ID=$(sed -n 's/^FIRST_ID=//p' "$WORK/seed1.out")
[[ -n $FIRST_ID ]] || die "the seeder printed no FIRST_ID"

BARE_RATES=() ONE_RATES=() RATIOS=()
for ((round = 1; round <= ROUNDS; round++)); do
    measure "round $round/$ROUNDS: bare axum GET /Users/{id}" "$BARE_URL/Users/$FIRST_ID" -H "$AUTH"
    BARE_RATES+=("$RATE") BARE_P99=$P99
    measure "round $round/$ROUNDS: scimulate GET /Users/{id} (1 user)" "$SCIM_URL/Users/$FIRST_ID" -H "$AUTH"
    ONE_RATES+=("$RATE") ONE_P99=$P99
    RATIOS+=("$(ratio "${ONE_RATES[-1]}" "${BARE_RATES[-1]}")")
done
BARE_RATE=$(median "${BARE_RATES[@]}")
ONE_RATE=$(median "${ONE_RATES[@]}")
RATIO=$(median "${RATIOS[@]}")

# --- step 2: SEED_COUNT users, filter vs GET by id -----------------------------------------
log "seeding $SEED_COUNT users (bench-user-1 .. bench-user-$SEED_COUNT)"
timeout "$SEED_TIMEOUT" "$SEED" "$SCIM_URL" "$TOKEN" "$SEED_COUNT" 1 | tee "$WORK/seedn.out" >&2 \
    || die "seeding $SEED_COUNT users failed or took more than ${SEED_TIMEOUT}s"
MANY_ID=$(sed -n 's/^FIRST_ID=//p' "$WORK/seedn.out")
SEED_LINE=$(grep '^SEEDED' "$WORK/seedn.out")
SEED_SECONDS=$(sed -n 's/.* seconds=\([^ ]*\).*/\1/p' <<<"$SEED_LINE")
SEED_RATE=$(sed -n 's/.* users_per_second=\([^ ]*\).*/\1/p' <<<"$SEED_LINE")
TOTAL_USERS=$((SEED_COUNT + 1))

TARGET=$((SEED_COUNT >= 77777 ? 77777 : SEED_COUNT))
FILTER_QUERY="filter=userName%20eq%20%22bench-user-${TARGET}%40example.com%22"
if command -v curl >/dev/null 2>&1; then
    # Sanity check: the filter must find exactly the one user, or the numbers mean nothing.
    FOUND=$(curl -sS --max-time 30 -H "$AUTH" "$SCIM_URL/Users?$FILTER_QUERY")
    [[ $FOUND == *'"totalResults":1'* || $FOUND == *'"totalResults": 1'* ]] \
        || die "filter query did not return exactly one user: ${FOUND:0:300}"
fi

measure "scimulate GET /Users?filter=userName eq (among $TOTAL_USERS)" \
    "$SCIM_URL/Users?$FILTER_QUERY" -H "$AUTH"
FILTER_RATE=$RATE FILTER_P99=$P99
measure "scimulate GET /Users/{id} (among $TOTAL_USERS)" "$SCIM_URL/Users/$MANY_ID" -H "$AUTH"
MANY_RATE=$RATE MANY_P99=$P99

# --- summary ---------------------------------------------------------------------------------
cat <<EOF

================ scimulate benchmark summary ================
machine      : nproc=$CORES, $(uname -sr); wrk -t$THREADS -c$CONNECTIONS -d$DURATION on 127.0.0.1
               (client and server share the cores: absolute numbers are a lower bound)
step 1       : GET /Users/{id}, 1 user stored; medians of $ROUNDS alternating rounds
  bare axum ceiling                 $(printf '%12s' "$BARE_RATE") req/s   (rounds: ${BARE_RATES[*]})
  scimulate (in-memory)             $(printf '%12s' "$ONE_RATE") req/s   (rounds: ${ONE_RATES[*]})
  scimulate / bare                  $(printf '%12s' "$RATIO")   (per round: ${RATIOS[*]})
  p99 of the last round             bare $BARE_P99, scimulate $ONE_P99
step 2       : $TOTAL_USERS users stored
  seeding $SEED_COUNT users (16 in flight)  ${SEED_SECONDS}s = $SEED_RATE users/s
  GET /Users?filter=userName eq ... $(printf '%12s' "$FILTER_RATE") req/s   p99 $FILTER_P99
  GET /Users/{id}                   $(printf '%12s' "$MANY_RATE") req/s   p99 $MANY_P99
  filter / by-id                    $(printf '%12s' "$(ratio "$FILTER_RATE" "$MANY_RATE")")
=============================================================
EOF
