#!/usr/bin/env bash
# Speed of the scenario runner (release build), on 127.0.0.1 only:
#
#   (a) the whole catalogue against the embedded reference server, `scimulate run
#       --no-snapshots`: wall time, best and median of BENCH_ROUNDS runs (after one warm-up);
#   (b) the harness's own overhead per exchange, against one `scimulate serve` started once,
#       with `--jobs 1` so that exchanges do not overlap:
#         overhead = (wall - sum of the exchanges' elapsed_us - start-up) / exchanges
#       where start-up is the wall time of `scimulate list` (process start, loading and
#       planning the catalogue), so the figure still includes the reachability probe, the
#       reports and process exit. examples/runner_overhead.rs measures the same in-process from
#       the exact durations, and its figure is printed too;
#   (c) time per check, scim2-tester (0.5.2, through scim2-cli 0.6.0) vs scimulate, both against
#       one scim2-server (0.8.3) started once: `scim2 --url URL test` (checks: its result lines)
#       and `scimulate run scenarios --target URL --no-snapshots --json` (checks: the check
#       entries of the report), medians of BENCH_TESTER_ROUNDS alternated runs, and the ratio
#       scim2-tester per check / scimulate per check.
#
# Usage: scripts/bench-runner.sh
# Environment (all optional):
#   BENCH_ROUNDS         runs per measurement in (a) and (b) (default 5)
#   BENCH_TESTER_ROUNDS  runs of each tool in (c) (default 3)
#   BENCH_RUN_TIMEOUT    seconds allowed for any one run (default 600)
#   BENCH_SKIP_BUILD=1   use the binaries already built instead of running cargo build
#   BENCH_SKIP_TESTER=1  skip (c) (no Python needed then)
#   SCIMULATE_BIN        use this scimulate binary instead of target/release/scimulate
#   BENCH_VENV           use this virtualenv (with scim2-server and scim2-cli) for (c)
#   PYTHON               the Python interpreter (default python3)
# Needs: cargo (unless SCIMULATE_BIN and BENCH_SKIP_BUILD), python3 (>= 3.11) with pip,
# coreutils, awk.
set -euo pipefail

# (c)'s tools and every transitive dependency at an exact version (the same set as
# scripts/interop.sh, plus scim2-server, which needs nothing more).
REQUIREMENTS='
scim2-server==0.8.3
scim2-cli==0.6.0
scim2-tester==0.5.2
scim2-client==0.13.2
scim2-models==0.12.3
annotated-types==0.8.0
anyio==4.16.0
click==8.5.1
colorama==0.4.6
dnspython==2.9.2
docutils==0.23
email-validator==2.4.0
h11==0.16.0
httpcore2==2.16.2
httpx2==2.16.2
idna==3.20
lark==1.3.1
pydanclick==0.5.1
pydantic==2.14.3
pydantic_core==2.50.4
Pygments==2.21.0
sphinx-click-rst-to-ansi-formatter==0.2.0
truststore==0.10.5
typing-inspection==0.4.5
typing_extensions==4.16.0
'
# The statuses scim2_tester.Status defines: a line "STATUS check_name" is one check's result.
STATUSES='SUCCESS|COMPLIANT|ACCEPTABLE|DEVIATION|ERROR|CRITICAL|SKIPPED'
ROUNDS=${BENCH_ROUNDS:-5}
TESTER_ROUNDS=${BENCH_TESTER_ROUNDS:-3}
RUN_TIMEOUT=${BENCH_RUN_TIMEOUT:-600}
STARTUP_TIMEOUT=30
PIP_TIMEOUT=600
PYTHON=${PYTHON:-python3}

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "bench-runner.sh: BENCH_ROUNDS must be >= 1" >&2; exit 2; }
[[ $TESTER_ROUNDS =~ ^[1-9][0-9]*$ ]] \
    || { echo "bench-runner.sh: BENCH_TESTER_ROUNDS must be >= 1" >&2; exit 2; }

# Everything here talks to 127.0.0.1 only: never through a proxy.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy=$NO_PROXY
export NO_COLOR=1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scimulate-bench-runner.XXXXXX")
PIDS=()

log() { printf '==> %s\n' "$*" >&2; }
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
die() { printf 'bench-runner.sh: %s\n' "$*" >&2; exit 1; }

trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_us() { echo $(($(date +%s%N) / 1000)); }
# stats FILE: "best median" of the numbers in FILE, one a line.
stats() { sort -n "$1" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print v[1], m }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
ms3() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1000 }'; }

# run_timed OUT_PREFIX CMD...: runs CMD from the repository root with a timeout, stdout and
# stderr to OUT_PREFIX.out; sets ELAPSED_US and STATUS. Dies on a time-out.
run_timed() {
    local out=$1
    shift
    local t0 t1
    t0=$(now_us)
    set +e
    (cd "$ROOT" && timeout "$RUN_TIMEOUT" "$@") >"$out.out" 2>&1
    STATUS=$?
    set -e
    t1=$(now_us)
    ELAPSED_US=$((t1 - t0))
    if ((STATUS == 124)); then
        tail -n 20 "$out.out" >&2
        die "'$*' did not finish within ${RUN_TIMEOUT}s"
    fi
}
# scimulate_ok: dies unless the last scimulate run exited 0 or 1 (1: a check failed, which
# is still a complete run); 2 is a usage or scenario error, 3 an unreachable target.
scimulate_ok() {
    if ((STATUS != 0 && STATUS != 1)); then
        tail -n 20 "$1.out" >&2
        die "scimulate exited with status $STATUS"
    fi
}

# report_stats FILE: "exchanges sum_elapsed_us checks" of a JSON report.
report_stats() {
    "$PYTHON" - "$1" <<'EOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    report = json.load(f)
exchanges = [e for s in report["scenarios"] for e in s["exchanges"]]
checks = sum(len(s["checks"]) for s in report["scenarios"])
print(len(exchanges), sum(e["elapsed_us"] for e in exchanges), checks)
EOF
}

# --- builds ----------------------------------------------------------------------------------
EXAMPLE=$TARGET_DIR/release/examples/runner_overhead
if [[ ${BENCH_SKIP_BUILD:-} != 1 ]]; then
    if [[ -z ${SCIMULATE_BIN:-} ]]; then
        log "building target/release/scimulate"
        (cd "$ROOT" && cargo build --release --bin scimulate)
    fi
    log "building examples/runner_overhead (release)"
    if ! (cd "$ROOT" && cargo build --release --example runner_overhead) 2>"$WORK/example.err"; then
        tail -n 20 "$WORK/example.err" >&2
        log "examples/runner_overhead does not build: (b) gets the CLI figure only"
        EXAMPLE=""
    fi
fi
BIN=${SCIMULATE_BIN:-$TARGET_DIR/release/scimulate}
[[ -x $BIN ]] || die "no executable at $BIN"
[[ -n $EXAMPLE && -x $EXAMPLE ]] || EXAMPLE=""

# --- (a) the catalogue against the embedded server -------------------------------------------
log "(a) scimulate run --no-snapshots (embedded server): 1 warm-up + $ROUNDS timed runs"
run_timed "$WORK/a-warmup" "$BIN" run --no-snapshots --json "$WORK/a.json"
scimulate_ok "$WORK/a-warmup"
A_STATUS=$STATUS
read -r A_EXCHANGES _ A_CHECKS < <(report_stats "$WORK/a.json")
A_SCENARIOS=$("$PYTHON" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["scenarios"]))' "$WORK/a.json")
: >"$WORK/a.times"
for i in $(seq "$ROUNDS"); do
    run_timed "$WORK/a-$i" "$BIN" run --no-snapshots
    scimulate_ok "$WORK/a-$i"
    echo "$ELAPSED_US" >>"$WORK/a.times"
    log "    run $i: $(ms "$ELAPSED_US") ms (exit status $STATUS)"
done
read -r A_BEST A_MEDIAN < <(stats "$WORK/a.times")

# --- (b) overhead per exchange against one `scimulate serve` ---------------------------------
TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
log "(b) starting $BIN serve --bind 127.0.0.1:0"
: >"$WORK/serve.out"
"$BIN" serve --bind 127.0.0.1:0 --token "$TOKEN" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
deadline=$((SECONDS + STARTUP_TIMEOUT))
while [[ $(wc -l <"$WORK/serve.out") -lt 1 ]]; do
    kill -0 "$SERVE_PID" 2>/dev/null || { cat "$WORK/serve.err" >&2; die "scimulate serve exited at start-up"; }
    ((SECONDS < deadline)) || die "scimulate serve printed no base URL within ${STARTUP_TIMEOUT}s"
    sleep 0.1
done
IFS= read -r SERVE_URL <"$WORK/serve.out"
SERVE_URL=${SERVE_URL%$'\r'}
[[ $SERVE_URL =~ ^http://127\.0\.0\.1:[0-9]+/ ]] || die "not a 127.0.0.1 base URL: '$SERVE_URL'"
log "    serving at $SERVE_URL"

log "    start-up: $ROUNDS runs of scimulate list"
: >"$WORK/startup.times"
for i in $(seq "$ROUNDS"); do
    run_timed "$WORK/list-$i" "$BIN" list
    ((STATUS == 0)) || { cat "$WORK/list-$i.out" >&2; die "scimulate list exited with status $STATUS"; }
    echo "$ELAPSED_US" >>"$WORK/startup.times"
done
read -r STARTUP_BEST STARTUP_MEDIAN < <(stats "$WORK/startup.times")

log "    $ROUNDS runs of scimulate run --target URL --jobs 1 --no-snapshots --json"
: >"$WORK/b.overhead"
: >"$WORK/b.times"
for i in $(seq "$ROUNDS"); do
    SCIMULATE_TOKEN=$TOKEN run_timed "$WORK/b-$i" "$BIN" run --target "$SERVE_URL" --jobs 1 \
        --no-snapshots --json "$WORK/b-$i.json"
    scimulate_ok "$WORK/b-$i"
    read -r B_EXCHANGES B_SUM_US _ < <(report_stats "$WORK/b-$i.json")
    ((B_EXCHANGES > 0)) || die "the run against $SERVE_URL recorded no exchange"
    echo "$ELAPSED_US" >>"$WORK/b.times"
    awk -v w="$ELAPSED_US" -v s="$B_SUM_US" -v st="$STARTUP_MEDIAN" -v n="$B_EXCHANGES" \
        'BEGIN { printf "%.1f\n", (w - s - st) / n }' >>"$WORK/b.overhead"
    log "    run $i: $(ms "$ELAPSED_US") ms, $B_EXCHANGES exchanges, waiting on the server $(ms "$B_SUM_US") ms"
done
read -r B_WALL_BEST B_WALL_MEDIAN < <(stats "$WORK/b.times")
read -r B_OVER_BEST B_OVER_MEDIAN < <(stats "$WORK/b.overhead")

EXACT=""
if [[ -n $EXAMPLE ]]; then
    log "    examples/runner_overhead: $ROUNDS in-process runs, exact durations"
    set +e
    (cd "$ROOT" && SCIMULATE_TOKEN=$TOKEN timeout "$RUN_TIMEOUT" "$EXAMPLE" \
        --target "$SERVE_URL" --rounds "$ROUNDS" scenarios) >"$WORK/example.out" 2>"$WORK/example.err"
    EX_STATUS=$?
    set -e
    if ((EX_STATUS == 0)) && EXACT=$(grep '^summary ' "$WORK/example.out"); then
        sed 's/^/    /' "$WORK/example.out" >&2
    else
        tail -n 20 "$WORK/example.err" >&2
        log "    examples/runner_overhead failed (status $EX_STATUS): no exact figure"
        EXACT=""
    fi
fi
stop_pid "$SERVE_PID"

# --- (c) per check: scim2-tester vs scimulate, against one scim2-server ----------------------
if [[ ${BENCH_SKIP_TESTER:-} != 1 ]]; then
    if [[ -n ${BENCH_VENV:-} ]]; then
        VENV=$BENCH_VENV
    else
        VENV=$WORK/venv
        make_venv "$VENV" "$REQUIREMENTS"
    fi
    [[ -x $VENV/bin/scim2-server && -x $VENV/bin/scim2 ]] \
        || die "$VENV lacks bin/scim2-server or bin/scim2"
    PY=$VENV/bin/python

    # A free port from the kernel; scim2-server prints the port it is given, not the one it
    # got, so port 0 would not do. If the port was taken in between, try another.
    URL=""
    for attempt in 1 2 3 4 5; do
        PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        log "(c) starting scim2-server on 127.0.0.1:$PORT (attempt $attempt)"
        "$VENV/bin/scim2-server" --hostname 127.0.0.1 --port "$PORT" --bearer-token "$TOKEN" \
            >"$WORK/scim2-server.out" 2>"$WORK/scim2-server.err" &
        S2_PID=$!
        PIDS+=("$S2_PID")
        deadline=$((SECONDS + STARTUP_TIMEOUT))
        while kill -0 "$S2_PID" 2>/dev/null; do
            if "$PY" - "http://127.0.0.1:$PORT/v2" <<'EOF' >/dev/null 2>&1; then
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(sys.argv[1] + "/ServiceProviderConfig", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
                URL="http://127.0.0.1:$PORT/v2"
                break
            fi
            ((SECONDS < deadline)) || die "scim2-server did not answer within ${STARTUP_TIMEOUT}s"
            sleep 0.2
        done
        [[ -n $URL ]] && break
        grep -q 'Address already in use' "$WORK/scim2-server.err" \
            || { tail -n 20 "$WORK/scim2-server.err" >&2; die "scim2-server exited at start-up"; }
    done
    [[ -n $URL ]] || die "no free port found for scim2-server"
    log "    scim2-server answers at $URL"

    : >"$WORK/tester.pc"
    : >"$WORK/tester.times"
    : >"$WORK/sim.pc"
    : >"$WORK/sim.times"
    for i in $(seq "$TESTER_ROUNDS"); do
        SCIM_CLI_HEADERS="Authorization: Bearer $TOKEN" run_timed "$WORK/tester-$i" \
            "$VENV/bin/scim2" --url "$URL" test
        T_STATUS=$STATUS
        sed $'s/\x1b\\[[0-9;]*[A-Za-z]//g' "$WORK/tester-$i.out" \
            | grep -cE "^($STATUSES) [A-Za-z_][A-Za-z0-9_]*\$" >"$WORK/tester-$i.count" || true
        T_CHECKS=$(cat "$WORK/tester-$i.count")
        ((T_CHECKS > 0)) || { tail -n 20 "$WORK/tester-$i.out" >&2; die "scim2-tester reported no check"; }
        echo "$ELAPSED_US" >>"$WORK/tester.times"
        awk -v t="$ELAPSED_US" -v n="$T_CHECKS" 'BEGIN { printf "%.1f\n", t / n }' >>"$WORK/tester.pc"
        log "    scim2-tester run $i: $(ms "$ELAPSED_US") ms, $T_CHECKS checks (exit status $T_STATUS)"

        SCIMULATE_TOKEN=$TOKEN run_timed "$WORK/sim-$i" "$BIN" run scenarios --target "$URL" \
            --no-snapshots --json "$WORK/sim-$i.json"
        scimulate_ok "$WORK/sim-$i"
        read -r _ _ S_CHECKS < <(report_stats "$WORK/sim-$i.json")
        ((S_CHECKS > 0)) || die "scimulate reported no check against scim2-server"
        echo "$ELAPSED_US" >>"$WORK/sim.times"
        awk -v t="$ELAPSED_US" -v n="$S_CHECKS" 'BEGIN { printf "%.1f\n", t / n }' >>"$WORK/sim.pc"
        log "    scimulate run $i: $(ms "$ELAPSED_US") ms, $S_CHECKS checks (exit status $STATUS)"
    done
    read -r _ T_MEDIAN < <(stats "$WORK/tester.times")
    read -r _ T_PC < <(stats "$WORK/tester.pc")
    read -r _ S_MEDIAN < <(stats "$WORK/sim.times")
    read -r _ S_PC < <(stats "$WORK/sim.pc")
fi

# --- summary ---------------------------------------------------------------------------------
echo
echo "================ scimulate runner benchmark ($(nproc) CPUs) ================"
echo "(a) catalogue vs embedded server: $A_SCENARIOS scenario runs, $A_EXCHANGES exchanges, $A_CHECKS checks (exit status $A_STATUS)"
echo "    wall time: best $(ms "$A_BEST") ms, median $(ms "$A_MEDIAN") ms  ($ROUNDS runs, default --jobs)"
echo "(b) harness overhead per exchange, --jobs 1 against scimulate serve:"
echo "    start-up (scimulate list): best $(ms "$STARTUP_BEST") ms, median $(ms "$STARTUP_MEDIAN") ms"
echo "    run wall time: best $(ms "$B_WALL_BEST") ms, median $(ms "$B_WALL_MEDIAN") ms, $B_EXCHANGES exchanges, waiting on the server $(ms "$B_SUM_US") ms (last run)"
echo "    overhead = (wall - sum elapsed_us - start-up) / exchanges: best $(ms3 "$B_OVER_BEST") ms, median $(ms3 "$B_OVER_MEDIAN") ms"
echo "      (includes the probe, the reports and process exit)"
if [[ -n $EXACT ]]; then
    echo "    in-process, exact durations (examples/runner_overhead): ${EXACT#summary }"
fi
if [[ ${BENCH_SKIP_TESTER:-} != 1 ]]; then
    echo "(c) per check against scim2-server 0.8.3 ($URL), medians of $TESTER_ROUNDS runs:"
    echo "    scim2-tester 0.5.2: $(ms "$T_MEDIAN") ms for $T_CHECKS checks = $(ms "$T_PC") ms per check"
    echo "    scimulate:          $(ms "$S_MEDIAN") ms for $S_CHECKS checks = $(ms "$S_PC") ms per check"
    awk -v t="$T_PC" -v s="$S_PC" \
        'BEGIN { printf "    ratio scim2-tester / scimulate per check: %.1f\n", t / s }'
fi
echo "============================================================================"
