#!/usr/bin/env bash
# The CI recipes of docs/ci.md, run locally: `scimulate init` into a scratch directory, then the
# generated `ci/run.sh` (the shell steps every recipe runs) against one `scimulate serve`, once
# per shard of `--partition 1/2` and `2/2`, as the recipes' matrix does. Each shard must pass
# and leave its JUnit and JSON reports, and together they must run every scenario once.
#
# Usage: scripts/ci-recipes.sh
# Environment (all optional):
#   SCIMULATE_BIN   test this binary instead of building target/release/scimulate
#   BUILD_TIMEOUT   seconds allowed for the build (default 1800)
#   PYTHON          the Python interpreter that reads the JSON reports (default python3)
# Exit status: 0 if both shards passed and covered the catalogue, 1 otherwise.
set -euo pipefail

STARTUP_TIMEOUT=30
PYTHON=${PYTHON:-python3}
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy=$NO_PROXY

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scimulate-ci-recipes.XXXXXX")
PIDS=()
SERVER_PID=""

log() { printf '==> %s\n' "$*" >&2; }
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
die() { printf 'ci-recipes.sh: %s\n' "$*" >&2; exit 1; }

trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

scimulate_binary "$ROOT"

log "scimulate init in $WORK"
(cd "$WORK" && "$BIN" init) || die "scimulate init failed"

TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
export SCIMULATE_TOKEN=$TOKEN
start_server serve "$BIN" serve --bind 127.0.0.1:0

TOTAL=0
for shard in 1/2 2/2; do
    log "ci/run.sh, shard $shard, against $BASE_URL"
    SCIMULATE=$BIN SCIM_BASE_URL=$BASE_URL SCIMULATE_TARGET_PROFILE=builtin:reference-server \
        SCIMULATE_ARGS="--partition $shard" CI=true "$WORK/scimulate/ci/run.sh" \
        || die "shard $shard failed"
    [[ -s $WORK/scimulate/reports/scimulate.xml ]] || die "shard $shard left no JUnit report"
    RUNS=$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["scenarios"]))' \
        "$WORK/scimulate/reports/scimulate.json") || die "shard $shard left no JSON report"
    log "shard $shard: $RUNS scenario runs passed"
    TOTAL=$((TOTAL + RUNS))
done
ALL=$("$BIN" list "$WORK/scimulate/scenarios" | wc -l)
((TOTAL == ALL)) || die "the shards ran $TOTAL scenario runs, the catalogue has $ALL"
log "both shards passed and ran the $ALL scenario runs of the catalogue once"
