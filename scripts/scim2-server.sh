#!/usr/bin/env bash
# Runs the scenario catalogue against an independent SCIM server, scim2-server (the python-scim
# project's in-memory test server, from PyPI), on 127.0.0.1 only, and compares what fails with
# the pin file scripts/scim2-server.expected.
#
# The pin lists every check known to fail against scim2-server, one `idp/scenario check-id` per
# line, each with a `# reason` saying why scim2-server fails it. A failed check and a check in
# status `error` (no answer to judge) both count as failing; blocked, skipped and waived checks
# do not; a scenario run that ended in an error
# outside any check (its `error` field) is listed as `idp/scenario !scenario-error`.
# The script also fails when an RFC check fails at MUST without a `requirement` that says MUST,
# SHALL or REQUIRED: a verdict about someone else's server must rest on such a sentence.
# The script fails when
#   - a check fails that the pin does not list: a regression of the runner or of a scenario, or
#     a new check that scim2-server fails (then pin it, with the reason, once understood);
#   - a pinned check no longer fails (it passes now, or did not run at all): a stale pin, to
#     remove from the pin file.
#
# Usage: scripts/scim2-server.sh [--print-actual]
#   --print-actual   also print the failing set in the pin file's format (without reasons)
# Environment (all optional):
#   SCIMULATE_BIN         test this binary instead of building target/release/scimulate
#   SCIM2_SERVER_VENV     use this existing virtualenv (with scim2-server installed) instead of
#                         creating a throwaway one and installing the pinned packages into it
#   SCIM2_SERVER_TIMEOUT  seconds allowed for the scenario run (default 600)
#   SCIM2_SERVER_PIN      the pin file (default scripts/scim2-server.expected)
#   PYTHON                the Python interpreter to create the venv with (default python3)
# Needs: python3 (>= 3.11) with pip, cargo (unless SCIMULATE_BIN is set), coreutils.
# Exit status: 0 if the failing set is exactly the pinned one, 1 otherwise.
set -euo pipefail

# scim2-server and every transitive dependency at an exact version, so that a new release
# cannot change the verdict behind our back. scim2-server has no runtime dependency besides
# scim2-models (its WSGI server is the standard library's wsgiref).
REQUIREMENTS='
scim2-server==0.8.3
scim2-models==0.12.3
annotated-types==0.8.0
dnspython==2.9.2
email-validator==2.4.0
idna==3.20
lark==1.3.1
pydantic==2.14.3
pydantic_core==2.50.4
typing-inspection==0.4.5
typing_extensions==4.16.0
'
STARTUP_TIMEOUT=30
PIP_TIMEOUT=600
PORT_ATTEMPTS=5
RUN_TIMEOUT=${SCIM2_SERVER_TIMEOUT:-600}
PYTHON=${PYTHON:-python3}
PRINT_ACTUAL=0

for arg in "$@"; do
    case $arg in
        --print-actual) PRINT_ACTUAL=1 ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            printf 'scim2-server.sh: unknown argument %s (try --help)\n' "$arg" >&2
            exit 2
            ;;
    esac
done

# Everything here talks to 127.0.0.1 only: never through a proxy.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy=$NO_PROXY

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PIN=${SCIM2_SERVER_PIN:-$ROOT/scripts/scim2-server.expected}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scimulate-scim2-server.XXXXXX")
SERVER_PID=""

log() { printf '==> %s\n' "$*" >&2; }
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
die() { printf 'scim2-server.sh: %s\n' "$*" >&2; exit 1; }

stop_server() {
    if [[ -n $SERVER_PID ]]; then
        stop_pid "$SERVER_PID"
        SERVER_PID=""
    fi
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

server_logs() {
    if [[ -s $WORK/server.err ]]; then
        printf -- '--- last scim2-server log lines (stderr) ---\n' >&2
        tail -n 40 "$WORK/server.err" >&2
    fi
}

[[ -r $PIN ]] || die "no pin file at $PIN"

# The pin: comments and blank lines dropped; each entry must be `idp/scenario check-id`.
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e 's/^[[:space:]]*//' "$PIN" \
    | tr -s ' \t' '  ' | grep -v '^$' >"$WORK/pin.raw" || true
# (Check ids as scenario.validate allows them, plus the runner's own `scenario-name.step-N`.)
if grep -vE '^[a-z0-9_-]+/[a-z0-9][a-z0-9-]* (!scenario-error|[a-z0-9-]+(\.[A-Za-z0-9_-]+)+)$' \
    "$WORK/pin.raw" >"$WORK/pin.bad"; then
    sed 's/^/  /' "$WORK/pin.bad" >&2
    die "malformed entries in $PIN (expected 'idp/scenario check-id  # reason')"
fi
sort -u "$WORK/pin.raw" >"$WORK/expected.txt"
if [[ $(wc -l <"$WORK/pin.raw") -ne $(wc -l <"$WORK/expected.txt") ]]; then
    die "$PIN lists an entry twice"
fi

# --- scim2-server ----------------------------------------------------------------------------
if [[ -n ${SCIM2_SERVER_VENV:-} ]]; then
    VENV=$SCIM2_SERVER_VENV
    [[ -x $VENV/bin/scim2-server ]] || die "SCIM2_SERVER_VENV=$VENV has no bin/scim2-server"
else
    VENV=$WORK/venv
    make_venv "$VENV" "$REQUIREMENTS"
fi
PY=$VENV/bin/python
[[ -x $VENV/bin/scim2-server ]] || die "scim2-server was not installed in $VENV"

# --- scimulate -------------------------------------------------------------------------------
if [[ -n ${SCIMULATE_BIN:-} ]]; then
    BIN=$SCIMULATE_BIN
else
    log "building target/release/scimulate"
    (cd "$ROOT" && cargo build --release --bin scimulate)
    BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/scimulate
fi
[[ -x $BIN ]] || die "no executable at $BIN"

# --- start scim2-server ----------------------------------------------------------------------
# scim2-server has no "port 0" mode that reports the port it got (it prints the port it was
# given), so ask the kernel for a free port, then start the server on it; if another process
# took the port in between, the server exits at once and we try another one.
TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
free_port() {
    "$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
# answers URL: 0 once GET URL/ServiceProviderConfig (which needs no token) answers 200.
answers() {
    "$PY" - "$1" <<'EOF' >/dev/null 2>&1
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(sys.argv[1] + "/ServiceProviderConfig", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
}

URL=""
for attempt in $(seq "$PORT_ATTEMPTS"); do
    PORT=$(free_port)
    log "starting scim2-server on 127.0.0.1:$PORT (attempt $attempt)"
    # The token goes in argv: scim2-server reads it from nowhere else. It is a throwaway one,
    # for a server that lives on loopback for the duration of this script.
    "$VENV/bin/scim2-server" --hostname 127.0.0.1 --port "$PORT" --bearer-token "$TOKEN" \
        >"$WORK/server.out" 2>"$WORK/server.err" &
    SERVER_PID=$!
    deadline=$((SECONDS + STARTUP_TIMEOUT))
    while :; do
        if answers "http://127.0.0.1:$PORT/v2"; then
            URL="http://127.0.0.1:$PORT/v2"
            break
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            wait "$SERVER_PID" 2>/dev/null || true
            SERVER_PID=""
            break
        fi
        if ((SECONDS >= deadline)); then
            server_logs
            die "scim2-server did not answer on 127.0.0.1:$PORT within ${STARTUP_TIMEOUT}s"
        fi
        sleep 0.2
    done
    [[ -n $URL ]] && break
    if grep -q 'Address already in use' "$WORK/server.err"; then
        continue
    fi
    server_logs
    die "scim2-server exited at start-up"
done
[[ -n $URL ]] || die "no free port found for scim2-server in $PORT_ATTEMPTS attempts"
log "scim2-server answers at $URL (pid $SERVER_PID)"

# --- the run ---------------------------------------------------------------------------------
REPORT=$WORK/report.json
log "running: scimulate run scenarios --target $URL --no-snapshots --json report.json"
set +e
(cd "$ROOT" && SCIMULATE_TOKEN=$TOKEN NO_COLOR=1 timeout "$RUN_TIMEOUT" \
    "$BIN" run scenarios --target "$URL" --no-snapshots --json "$REPORT") \
    >"$WORK/run.out" 2>&1
RUN_STATUS=$?
set -e
case $RUN_STATUS in
    0 | 1) ;;
    124)
        tail -n 40 "$WORK/run.out" >&2
        server_logs
        die "scimulate run did not finish within ${RUN_TIMEOUT}s"
        ;;
    *)
        cat "$WORK/run.out" >&2
        server_logs
        die "scimulate run exited with status $RUN_STATUS (2: usage or scenario error, 3: target unreachable)"
        ;;
esac
[[ -s $REPORT ]] || { cat "$WORK/run.out" >&2; die "scimulate wrote no JSON report"; }
stop_server

# --- compare with the pin --------------------------------------------------------------------
# actual.txt: the failing set; details.txt: the same keys, each with what the report says
# about it (for the messages below); passed.txt: the checks that passed.
"$PY" - "$REPORT" "$WORK" <<'EOF'
import json, sys
report_path, work = sys.argv[1], sys.argv[2]
with open(report_path, encoding="utf-8") as f:
    report = json.load(f)
if report.get("version") != 2:
    sys.exit(f"unexpected JSON report version {report.get('version')!r} (this script reads 2)")
failing, passed, details = set(), set(), {}
for scenario in report["scenarios"]:
    name = f"{scenario['idp']}/{scenario['name']}"
    if scenario.get("error"):
        key = f"{name} !scenario-error"
        failing.add(key)
        details[key] = ["error: " + scenario["error"]]
    exchanges = scenario.get("exchanges") or []
    for check in scenario["checks"]:
        key = f"{name} {check['id']}"
        if check["status"] == "passed":
            passed.add(key)
            continue
        # Blocked, skipped and waived checks are no finding against the server.
        if check["status"] not in ("failed", "error"):
            continue
        failing.add(key)
        lines = [f"{check['status']} ({check['level']}), step {check['step']}: {check['step_name']}"]
        lines += ["  " + r for r in check.get("reasons") or []]
        if check.get("message"):
            lines.append("  " + check["message"])
        index = check.get("exchange")
        if index is not None and index < len(exchanges):
            ex = exchanges[index]
            lines.append(f"  exchange: {ex['method']} {ex['path']} -> {ex['status']}")
            body = (ex.get("response_body") or "").replace("\n", " ")
            if body:
                lines.append("  response body: " + (body[:300] + "..." if len(body) > 300 else body))
        details[key] = lines
# A verdict is a claim about someone else's server: every RFC check failed at MUST must rest on
# a sentence that says MUST, SHALL or REQUIRED.
unfounded = sorted(
    f"{scenario['idp']}/{scenario['name']} {check['id']}"
    for scenario in report["scenarios"]
    for check in scenario["checks"]
    if check["status"] == "failed" and check["level"] == "MUST" and check["id"].startswith("rfc")
    and not any(word in (check.get("requirement") or "") for word in ("MUST", "SHALL", "REQUIRED"))
)
with open(f"{work}/unfounded.txt", "w") as f:
    f.writelines(k + "\n" for k in unfounded)
with open(f"{work}/actual.txt", "w") as f:
    f.writelines(k + "\n" for k in sorted(failing))
with open(f"{work}/passed.txt", "w") as f:
    f.writelines(k + "\n" for k in sorted(passed))
with open(f"{work}/details.txt", "w") as f:
    for key in sorted(details):
        f.write(key + "\n")
        f.writelines("    " + line + "\n" for line in details[key])
summary = report.get("summary", {}).get("checks", {})
print(f"{len(report['scenarios'])} scenario runs, {summary.get('total', '?')} checks: "
      f"{summary.get('passed', '?')} passed, {summary.get('failed', '?')} failed, "
      f"{summary.get('error', '?')} not evaluated")
EOF

if [[ -s $WORK/unfounded.txt ]]; then
    echo "RFC checks failed at MUST without quoting a MUST, SHALL or REQUIRED sentence:" >&2
    sed 's/^/  /' "$WORK/unfounded.txt" >&2
    die "every MUST failure must quote the sentence it rests on (its check's requirement)"
fi
comm -13 "$WORK/expected.txt" "$WORK/actual.txt" >"$WORK/unexpected.txt"
comm -23 "$WORK/expected.txt" "$WORK/actual.txt" >"$WORK/stale.txt"
N_UNEXPECTED=$(wc -l <"$WORK/unexpected.txt")
N_STALE=$(wc -l <"$WORK/stale.txt")
N_ACTUAL=$(wc -l <"$WORK/actual.txt")
N_EXPECTED=$(wc -l <"$WORK/expected.txt")

echo
echo "================ scimulate vs scim2-server ================"
echo "  target: $URL (scim2-server, bearer token), scimulate exit status: $RUN_STATUS"
echo "  failing: $N_ACTUAL, pinned: $N_EXPECTED"
if ((N_ACTUAL > 0)); then
    echo "  failing checks:"
    sed 's/^/    /' "$WORK/actual.txt"
fi
if ((N_UNEXPECTED + N_STALE > 0)); then
    echo
    echo "  diff, pin -> this run ('+' fails but is not pinned, '-' pinned but no longer fails):"
    sed 's/^/  + /' "$WORK/unexpected.txt"
    sed 's/^/  - /' "$WORK/stale.txt"
fi
if ((N_UNEXPECTED > 0)); then
    echo
    echo "  what the report says about the unpinned failures:"
    while IFS= read -r key; do
        awk -v key="$key" '
            $0 == key { show = 1; print "    " $0; next }
            /^[^ ]/ { show = 0 }
            show { print "    " $0 }
        ' "$WORK/details.txt"
    done <"$WORK/unexpected.txt"
fi
if ((N_STALE > 0)); then
    echo
    echo "  the stale pins:"
    while IFS= read -r key; do
        if grep -qxF "$key" "$WORK/passed.txt"; then
            echo "    $key: passes now"
        else
            echo "    $key: did not run (renamed or removed check, or its scenario stopped earlier)"
        fi
    done <"$WORK/stale.txt"
fi
if ((PRINT_ACTUAL)); then
    echo
    echo "  the failing set in the pin file's format (add the reasons by hand):"
    sed 's/$/  # REASON/; s/^/    /' "$WORK/actual.txt"
fi
echo "==========================================================="

if ((N_UNEXPECTED > 0 && N_STALE > 0)); then
    die "$N_UNEXPECTED failing check(s) are not pinned, and $N_STALE pinned check(s) no longer fail: update $PIN"
elif ((N_UNEXPECTED > 0)); then
    die "$N_UNEXPECTED failing check(s) are not pinned in $PIN (a regression, or a new check: pin it with its reason once understood)"
elif ((N_STALE > 0)); then
    die "stale pin: $N_STALE pinned check(s) no longer fail against scim2-server; remove them from $PIN"
fi
log "the failing set is exactly the pinned one ($N_ACTUAL check(s))"
