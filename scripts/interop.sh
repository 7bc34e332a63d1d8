#!/usr/bin/env bash
# Interoperability check of the reference server against an independent SCIM implementation:
# runs the scim2-tester compliance suite (through `scim2 ... test`, python-scim project) against
# `scimulate serve`, on 127.0.0.1 only, and fails unless every check it reports is a SUCCESS.
#
# Usage: scripts/interop.sh [EXTRA SERVE ARGS...]   e.g. scripts/interop.sh --quirk NAME
# Environment (all optional):
#   SCIMULATE_BIN    test this binary instead of building target/release/scimulate
#   INTEROP_VENV     use this existing virtualenv (with scim2-cli installed) instead of
#                    creating a throwaway one and installing the pinned packages into it
#   INTEROP_TIMEOUT  seconds allowed for the test run (default 900)
#   PYTHON           the Python interpreter to create the venv with (default python3)
# Needs: python3 (>= 3.10) with pip, cargo (unless SCIMULATE_BIN is set), coreutils.
# Exit status: 0 if the suite reported at least one check and all were SUCCESS, 1 otherwise.
set -euo pipefail

# Exact versions, including the transitive ones, so that a new release of the tester (or of
# pydantic under it) cannot change the verdict behind our back.
REQUIREMENTS='
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
# The statuses scim2_tester.Status defines; only SUCCESS passes.
STATUSES='SUCCESS|COMPLIANT|ACCEPTABLE|DEVIATION|ERROR|CRITICAL|SKIPPED'
STARTUP_TIMEOUT=30
TEST_TIMEOUT=${INTEROP_TIMEOUT:-900}
PYTHON=${PYTHON:-python3}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scimulate-interop.XXXXXX")
SERVER_PID=""

log() { printf '==> %s\n' "$*" >&2; }
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
die() { printf 'interop.sh: %s\n' "$*" >&2; exit 1; }

cleanup() {
    if [[ -n $SERVER_PID ]]; then
        stop_pid "$SERVER_PID"
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

server_logs() {
    if [[ -s $WORK/server.err ]]; then
        printf -- '--- last server log lines (stderr) ---\n' >&2
        tail -n 40 "$WORK/server.err" >&2
    fi
}

# --- the tester ------------------------------------------------------------------------------
if [[ -n ${INTEROP_VENV:-} ]]; then
    VENV=$INTEROP_VENV
    [[ -x $VENV/bin/scim2 ]] || die "INTEROP_VENV=$VENV has no bin/scim2"
else
    VENV=$WORK/venv
    make_venv "$VENV" "$REQUIREMENTS"
fi
SCIM2=$VENV/bin/scim2
[[ -x $SCIM2 ]] || die "scim2 was not installed in $VENV"

# --- the server ------------------------------------------------------------------------------
if [[ -n ${SCIMULATE_BIN:-} ]]; then
    BIN=$SCIMULATE_BIN
else
    log "building target/release/scimulate"
    (cd "$ROOT" && cargo build --release --bin scimulate)
    BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/scimulate
fi
[[ -x $BIN ]] || die "no executable at $BIN"

TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
log "starting $BIN serve --bind 127.0.0.1:0 $*"
: >"$WORK/server.out"
"$BIN" serve --bind 127.0.0.1:0 --token "$TOKEN" "$@" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!

deadline=$((SECONDS + STARTUP_TIMEOUT))
URL=""
while :; do
    # A complete first line (newline included) is the base URL.
    if [[ $(wc -l <"$WORK/server.out") -ge 1 ]]; then
        IFS= read -r URL <"$WORK/server.out"
        break
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        server_logs
        die "the server exited before printing its base URL"
    fi
    if ((SECONDS >= deadline)); then
        server_logs
        die "the server printed no base URL within ${STARTUP_TIMEOUT}s"
    fi
    sleep 0.1
done
URL=${URL%$'\r'}
[[ $URL =~ ^http://127\.0\.0\.1:[0-9]+/[^[:space:]]*$ ]] \
    || die "the first stdout line is not a 127.0.0.1 base URL: '$URL'"
log "server listening at $URL (pid $SERVER_PID)"

# --- the test run ----------------------------------------------------------------------------
# The header goes through SCIM_CLI_HEADERS (';'-separated) so that the token is not in argv.
log "running: scim2 --url $URL test"
set +e
SCIM_CLI_HEADERS="Authorization: Bearer $TOKEN" NO_COLOR=1 \
    timeout "$TEST_TIMEOUT" "$SCIM2" --url "$URL" test >"$WORK/test.out" 2>&1
TEST_STATUS=$?
set -e
# click strips colours when stdout is not a terminal; strip any escape sequence anyway.
sed $'s/\x1b\\[[0-9;]*[A-Za-z]//g' "$WORK/test.out" >"$WORK/test.txt"
cat "$WORK/test.txt"

# One result per line, "STATUS check_name" at column 0; reasons follow indented by two spaces
# (a multi-line reason can put text at column 0, hence the strict pattern).
grep -E "^($STATUSES) [A-Za-z_][A-Za-z0-9_]*\$" "$WORK/test.txt" >"$WORK/results.txt" || true
TOTAL=$(wc -l <"$WORK/results.txt")
PASSED=$(grep -c '^SUCCESS ' "$WORK/results.txt" || true)
FAILED=$((TOTAL - PASSED))

echo
echo "================ scim2-tester summary ================"
if ((TOTAL > 0)); then
    cut -d' ' -f1 "$WORK/results.txt" | sort | uniq -c | sed 's/^/  /'
fi
echo "  checks reported: $TOTAL, not SUCCESS: $FAILED, scim2 exit status: $TEST_STATUS"
if ((FAILED > 0)); then
    echo "  failing checks (with their reasons):"
    awk -v statuses="^($STATUSES) [A-Za-z_][A-Za-z0-9_]*\$" '
        $0 ~ statuses { show = ($1 != "SUCCESS") }
        show && shown++ < 200 { print "    " $0 }
    ' "$WORK/test.txt"
fi
echo "======================================================"

if ((TEST_STATUS == 124)); then
    server_logs
    die "scim2 test did not finish within ${TEST_TIMEOUT}s"
fi
if ((TOTAL == 0)); then
    server_logs
    die "scim2 test reported no check at all (discovery failed?)"
fi
if ((FAILED > 0 || TEST_STATUS != 0)); then
    server_logs
    die "$FAILED of $TOTAL checks are not SUCCESS (scim2 exit status $TEST_STATUS)"
fi
log "all $TOTAL scim2-tester checks passed"
