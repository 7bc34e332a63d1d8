# Shared by the scripts in this folder: sourced, not run. Callers define `log MESSAGE` and
# `die MESSAGE`; the benchmark helpers also use the caller's WORK (a scratch directory), PIDS
# (an array of the processes started) and STARTUP_TIMEOUT (seconds).
# shellcheck shell=bash

# stop_pid PID: SIGTERM, up to 5 s for the process to go, then SIGKILL; never fails.
stop_pid() {
    local pid=$1
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# make_venv DIR REQUIREMENTS: a throwaway virtualenv at DIR holding exactly REQUIREMENTS (pip's
# requirements format, every version pinned), installed within PIP_TIMEOUT seconds (default
# 600) with the interpreter $PYTHON (default python3).
make_venv() {
    local venv=$1 requirements=$2
    local python=${PYTHON:-python3} limit=${PIP_TIMEOUT:-600}
    local pinned=$venv.requirements.txt errors=$venv.err
    local flags=(--disable-pip-version-check --no-input --quiet)
    log "creating a virtualenv in $venv"
    printf '%s' "$requirements" >"$pinned"
    if "$python" -m venv "$venv" 2>"$errors"; then
        timeout "$limit" "$venv/bin/python" -m pip install "${flags[@]}" -r "$pinned"
    else
        # Debian/Ubuntu without python3-venv have no ensurepip: create the venv without pip
        # and install into it with the interpreter's own pip (pip >= 22.3 has --python).
        log "python3 -m venv failed ($(head -n1 "$errors")); retrying without pip"
        rm -rf "$venv"
        "$python" -m venv --without-pip "$venv"
        timeout "$limit" "$python" -m pip --python "$venv/bin/python" install "${flags[@]}" \
            -r "$pinned"
    fi
}

# stop_started: stops every process in PIDS and removes WORK; for `trap stop_started EXIT`.
stop_started() {
    local pid
    for pid in "${PIDS[@]}"; do
        stop_pid "$pid"
    done
    rm -rf "$WORK"
}

# start_server NAME CMD... : starts a server whose first stdout line is its base URL, records
# its pid in PIDS and SERVER_PID, and sets BASE_URL. Fails if no URL within STARTUP_TIMEOUT
# seconds, or if the URL is not on 127.0.0.1.
start_server() {
    local name=$1
    shift
    : >"$WORK/$name.out"
    "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    local deadline=$((SECONDS + STARTUP_TIMEOUT)) line=""
    while :; do
        # A complete first line (newline included) is the base URL.
        if [[ $(wc -l <"$WORK/$name.out") -ge 1 ]]; then
            IFS= read -r line <"$WORK/$name.out"
            break
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            cat "$WORK/$name.err" >&2 || true
            die "$name exited before printing its URL"
        fi
        ((SECONDS < deadline)) || die "$name printed no URL within ${STARTUP_TIMEOUT}s"
        sleep 0.1
    done
    [[ $line =~ ^http://127\.0\.0\.1:[0-9]+/[^[:space:]]*$ ]] \
        || die "$name: first stdout line is not a 127.0.0.1 base URL: '$line'"
    BASE_URL=${line%/}
    log "$name listening at $BASE_URL (pid $SERVER_PID)"
}

# need_wrk: installs wrk with apt-get when it is missing; fails if it still is.
need_wrk() {
    if ! command -v wrk >/dev/null 2>&1; then
        log "installing wrk with apt-get"
        local sudo=()
        if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
        if ! "${sudo[@]}" apt-get install -y wrk; then
            "${sudo[@]}" apt-get update
            "${sudo[@]}" apt-get install -y wrk
        fi
    fi
    command -v wrk >/dev/null 2>&1 || die "wrk is not installed"
}

# scimulate_binary ROOT: sets BIN to the scimulate to test, as an absolute path: SCIMULATE_BIN
# when set, else target/release/scimulate built in ROOT within BUILD_TIMEOUT seconds (default
# 1800).
scimulate_binary() {
    local root=$1 limit=${BUILD_TIMEOUT:-1800}
    if [[ -n ${SCIMULATE_BIN:-} ]]; then
        BIN=$SCIMULATE_BIN
    else
        log "building target/release/scimulate"
        (cd "$root" && timeout "$limit" cargo build --release --bin scimulate) \
            || die "the build failed or took over ${limit}s"
        BIN=${CARGO_TARGET_DIR:-$root/target}/release/scimulate
    fi
    [[ -x $BIN ]] || die "no executable at $BIN"
    BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
}
