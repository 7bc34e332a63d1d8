#!/usr/bin/env bash
# A month of Entra against the embedded reference server (release build, 127.0.0.1 only):
# a directory of BENCH_USERS users in BENCH_GROUPS assigned groups, the initial cycle, then 30
# simulated days of 40-minute incremental cycles (1,080 of them) with changes every day
# (profile edits, members moving between groups, a user unassigned, one soft-deleted and purged
# 30 days later), in the default dialect. Prints the wall time of each of BENCH_ROUNDS runs of
# `scimulate run --no-snapshots`, then the best and the median, the exchanges and the checks.
#
# Usage: scripts/bench-entra.sh
# Environment (all optional):
#   BENCH_USERS        users in the directory (default 1000)
#   BENCH_GROUPS       groups, each assigned, members spread evenly (default 100)
#   BENCH_ROUNDS       runs (default 3)
#   BENCH_IDP          entra or entra-compliant (default entra)
#   BENCH_SKIP_BUILD=1 use target/release/scimulate as it is
#   SCIMULATE_BIN      use this binary instead
# Needs: cargo (unless SCIMULATE_BIN and BENCH_SKIP_BUILD), python3, coreutils.
set -euo pipefail

cd "$(dirname "$0")/.."
USER_COUNT=${BENCH_USERS:-1000}
GROUP_COUNT=${BENCH_GROUPS:-100}
ROUNDS=${BENCH_ROUNDS:-3}
IDP=${BENCH_IDP:-entra}
BIN=${SCIMULATE_BIN:-target/release/scimulate}
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
    cargo build --release --quiet
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

python3 - "$USER_COUNT" "$GROUP_COUNT" "$IDP" >"$WORK/month.yaml" <<'PY'
import sys
users, groups, idp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
out = [
    "name: entra-month",
    "description: A month of Entra cycles over a generated directory.",
    f"idps: [{idp}]",
    "steps:",
]
for u in range(users):
    manager = f", manager: u{u // 10 * 10}" if u % 10 else ""
    out.append(
        f'  - user: {{ key: u{u}, userName: "{{{{run.prefix}}}}-u{u}@example.com", '
        f"givenName: Given{u}, familyName: Family{u}{manager} }}"
    )
per_group = max(1, users // groups)
for g in range(groups):
    members = ", ".join(f"u{u}" for u in range(g * per_group, min(users, (g + 1) * per_group)))
    out.append(f'  - group: {{ key: g{g}, name: "{{{{run.prefix}}}} Group {g}", members: [{members}] }}')
    out.append(f"  - assign_group: g{g}")
out.append("  - start_provisioning")
for day in range(30):
    for k in range(20):
        u = (day * 37 + k * 11) % users
        out.append(f"  - update_user: {{ user: u{u}, familyName: Day{day}x{k} }}")
    a, b = (day * 13) % groups, (day * 13 + 1) % groups
    mover = (day * 53) % users
    out.append(f"  - add_members: {{ group: g{b}, users: [u{mover}] }}")
    out.append(f"  - remove_members: {{ group: g{a}, users: [u{(a * per_group + day) % users}] }}")
    if day == 2:
        out.append(f"  - soft_delete: u{users - 1}")
    out.append("  - wait: 1d")
out.append("  - expect_job: { quarantined: false, escrowed: 0 }")
print("\n".join(out))
PY

walls=()
for round in $(seq 1 "$ROUNDS"); do
    start=$(date +%s.%N)
    if ! "$BIN" run "$WORK/month.yaml" --no-snapshots --jobs 1 --json "$WORK/report.json" >"$WORK/out.txt" 2>&1; then
        cat "$WORK/out.txt" >&2
        echo "the month did not pass" >&2
        exit 1
    fi
    end=$(date +%s.%N)
    wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')
    walls+=("$wall")
    echo "round $round: ${wall} s"
done
python3 - "$WORK/report.json" "${walls[@]}" <<'PY'
import json, statistics, sys
report = json.load(open(sys.argv[1]))
walls = sorted(float(w) for w in sys.argv[2:])
run = report["scenarios"][0]
print(f"summary: {len(run['exchanges'])} exchanges, {len(run['checks'])} checks; "
      f"best {walls[0]:.3f} s, median {statistics.median(walls):.3f} s (target < 5 s)")
PY
