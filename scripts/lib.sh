# Shared by the scripts in this folder: sourced, not run. Callers define `log MESSAGE`.
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
