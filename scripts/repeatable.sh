#!/usr/bin/env bash
# Repeatability against a shared target: the whole scenario catalogue, three times in a row,
# against ONE `scimulate serve` (on 127.0.0.1, a free port, a throwaway token), at the default
# --jobs, with the reference server's target profile and the approved snapshots, under --ci.
#
# What makes this hold: scenarios that read whole collections (the IdP imports) or change
# application-wide state (switching SCIM on deletes every group) are `exclusive: true` and run
# alone; the lock-down scenarios switch SCIM off again at the end (and first, when their setup
# needs it off); a list that reads beyond the run shows only the run's own resources in its
# snapshot, with `<count>` for its counts. See README "Repeatable against a shared target".
#
# After each run the target must be as it was found: no user or group left, SCIM off.
#
# Usage: scripts/repeatable.sh [RUNS]     (default 3; at least 2)
# Environment (all optional):
#   SCIMULATE_BIN       test this binary instead of building target/release/scimulate
#   REPEAT_TIMEOUT      seconds allowed for each run (default 300)
#   BUILD_TIMEOUT       seconds allowed for the build (default 1800)
#   PYTHON              the Python interpreter that reads the JSON reports (default python3)
# Needs: cargo (unless SCIMULATE_BIN is set), python3, coreutils.
# Exit status: 0 if every run passed and no run drifted a snapshot, 1 otherwise (a failed run,
# a drifted snapshot in any run, a run that timed out, a target not left as it was found).
set -euo pipefail

RUNS=${1:-3}
[[ $RUNS =~ ^[0-9]+$ ]] && ((RUNS >= 2)) || {
    printf 'repeatable.sh: RUNS must be a whole number >= 2, got %s\n' "$RUNS" >&2
    exit 2
}
STARTUP_TIMEOUT=30
RUN_TIMEOUT=${REPEAT_TIMEOUT:-300}
PYTHON=${PYTHON:-python3}
# The reference server's profile says `owner: { value: owner-development-key }`.
OWNER_KEY=owner-development-key

# Everything here talks to 127.0.0.1 only: never through a proxy.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy=$NO_PROXY

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scimulate-repeatable.XXXXXX")
PIDS=()
SERVER_PID=""

log() { printf '==> %s\n' "$*" >&2; }
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
die() { printf 'repeatable.sh: %s\n' "$*" >&2; exit 1; }

trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

server_logs() {
    if [[ -s $WORK/serve.err ]]; then
        printf -- '--- last server log lines (stderr) ---\n' >&2
        tail -n 40 "$WORK/serve.err" >&2
    fi
}

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON is needed to read the JSON reports"

# --- scimulate -------------------------------------------------------------------------------
scimulate_binary "$ROOT"

# --- one server for every run ----------------------------------------------------------------
# The token and the owner key go through the environment, not argv.
TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
export SCIMULATE_TOKEN=$TOKEN
export SCIMULATE_OWNER_KEY=$OWNER_KEY
unset SCIMULATE_BASIC SCIMULATE_AUTH_HEADER
start_server serve "$BIN" serve --bind 127.0.0.1:0
URL=$BASE_URL
ORIGIN=${URL%%/scim/*}

# state: one line, `users=N groups=N scim=on|off`, read from the target itself.
state() {
    "$PYTHON" - "$URL" "$ORIGIN" <<'EOF'
import json, os, sys, urllib.request
url, origin = sys.argv[1], sys.argv[2]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def get(address, headers):
    request = urllib.request.Request(address, headers=headers)
    with opener.open(request, timeout=10) as answer:
        return json.load(answer)
scim = {"Authorization": "Bearer " + os.environ["SCIMULATE_TOKEN"], "Accept": "application/scim+json"}
users = get(url + "/Users?count=0", scim)["totalResults"]
groups = get(url + "/Groups?count=0", scim)["totalResults"]
workspace = get(origin + "/api/v1/workspace", {"X-Api-Key": os.environ["SCIMULATE_OWNER_KEY"]})
print(f"users={users} groups={groups} scim={'on' if workspace['scimEnabled'] else 'off'}")
EOF
}

BEFORE=$(state) || { server_logs; die "could not read the target's state"; }
log "the target before the first run: $BEFORE"

# --- the runs --------------------------------------------------------------------------------
declare -a SUMMARY
FAILED_RUNS=0
for run in $(seq "$RUNS"); do
    kill -0 "$SERVER_PID" 2>/dev/null || { server_logs; die "the server died before run $run"; }
    report=$WORK/run$run.json
    log "run $run of $RUNS: scimulate run --ci --target $URL --target-profile fixtures/profiles/reference-server.yaml --snapshots snapshots"
    started=$(date +%s.%N)
    set +e
    (cd "$ROOT" && NO_COLOR=1 timeout "$RUN_TIMEOUT" "$BIN" run --ci --target "$URL" \
        --target-profile fixtures/profiles/reference-server.yaml --snapshots snapshots \
        --json "$report") >"$WORK/run$run.out" 2>&1
    status=$?
    set -e
    ended=$(date +%s.%N)
    wall=$("$PYTHON" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" \
        "$started" "$ended")
    if ((status == 124)); then
        tail -n 40 "$WORK/run$run.out" >&2
        server_logs
        die "run $run did not finish within ${RUN_TIMEOUT}s"
    fi
    if [[ ! -s $report ]]; then
        cat "$WORK/run$run.out" >&2
        server_logs
        die "run $run wrote no JSON report (exit status $status)"
    fi
    # figures: `scenarios failed_scenarios failed_checks drifted missing`, then the failures.
    "$PYTHON" - "$report" >"$WORK/run$run.figures" <<'EOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    report = json.load(f)
# Versions 1 and 2 both carry what is read here (a version removes or changes fields only).
if report.get("version") not in (1, 2):
    sys.exit(f"unexpected JSON report version {report.get('version')!r} (this script reads 1 and 2)")
snapshots = report["summary"]["snapshots"]
scenarios = report["scenarios"]
failed = [s for s in scenarios if not s["passed"]]
failed_checks = sum(
    1 for s in scenarios for c in s["checks"] if c["status"] in ("failed", "error")
)
print(len(scenarios), len(failed), failed_checks, snapshots["drifted"], snapshots["missing"])
for s in failed:
    checks = [c["id"] for c in s["checks"] if c["status"] in ("failed", "error")]
    snapshot = s.get("snapshot")
    status = snapshot.get("status") if isinstance(snapshot, dict) else snapshot
    why = ", ".join(checks[:5]) or s.get("error") or f"snapshot {status}"
    print(f"  {s['full_name']}: {why}")
EOF
    read -r total failed checks drifted missing <"$WORK/run$run.figures"
    after=$(state) || { server_logs; die "could not read the target's state after run $run"; }
    line="run $run: exit $status, $total scenario runs, $failed failed ($checks failed checks), $drifted drifted, $missing missing snapshots, ${wall}s; target after: $after"
    SUMMARY+=("$line")
    log "$line"
    tail -n +2 "$WORK/run$run.figures" >&2
    if ((status != 0 || failed > 0 || drifted > 0 || missing > 0)); then
        FAILED_RUNS=$((FAILED_RUNS + 1))
        grep -E '^(FAIL|  snapshot drifted)' "$WORK/run$run.out" | head -n 40 >&2 || true
    fi
    if [[ $after != "$BEFORE" ]]; then
        FAILED_RUNS=$((FAILED_RUNS + 1))
        log "run $run did not leave the target as it found it: before $BEFORE, after $after"
    fi
done

echo
echo "================ the catalogue ${RUNS}x against one scimulate serve ================"
echo "  target: $URL (pid $SERVER_PID), default --jobs, --ci"
for line in "${SUMMARY[@]}"; do
    echo "  $line"
done
echo "===================================================================================="
if ((FAILED_RUNS > 0)); then
    server_logs
    die "not repeatable: see the runs above"
fi
log "every run passed with no drifted snapshot, and left the target as it found it"
