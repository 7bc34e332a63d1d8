#!/usr/bin/env bash
# Long runs of the library-level property tests named `fuzz_*` (src/scim/fuzz.rs,
# src/server/body.rs): the filter parser, attribute and PATCH path parsers, PATCH application
# to a User and a Group, resource normalisation and request-body parsing. Each must never
# panic, answer every input within 5 s, and refuse only with a 4xx SCIM error.
#
# Runs in the test profile (no release build) and prints, per property, the cases executed
# and the time taken, then the total wall time.
#
# Usage: scripts/fuzz.sh
# Environment (all optional):
#   FUZZ_PARSER_CASES  cases per parser property (default 100000)
#   FUZZ_CHAIN_CASES   cases of the long-chain filter property, whose inputs run to 3,000 terms
#                      (default 2000)
#   FUZZ_APPLY_CASES   cases per PATCH-application and resource-body property (default 20000)
#   FUZZ_THREADS       test threads (default 2)
# Needs: cargo.
set -euo pipefail

PARSER_CASES=${FUZZ_PARSER_CASES:-100000}
CHAIN_CASES=${FUZZ_CHAIN_CASES:-2000}
APPLY_CASES=${FUZZ_APPLY_CASES:-20000}
THREADS=${FUZZ_THREADS:-2}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

log() { printf '==> %s\n' "$*" >&2; }

# run CASES FILTER...: the lib tests matching every FILTER (exact names), CASES each.
run() {
    local cases=$1
    shift
    log "PROPTEST_CASES=$cases: $*"
    PROPTEST_CASES=$cases cargo test --quiet --lib -- --exact --nocapture \
        --test-threads="$THREADS" "$@" | grep -o 'fuzz .*: [0-9]* cases in .*'
}

log "building the lib tests"
cargo test --quiet --lib --no-run
started=$(date +%s)
run "$PARSER_CASES" \
    scim::fuzz::fuzz_filter_parse_arbitrary_text \
    scim::fuzz::fuzz_filter_parse_filter_shaped_text \
    scim::fuzz::fuzz_filter_parse_deep_nesting \
    scim::fuzz::fuzz_attribute_path_parse \
    scim::fuzz::fuzz_patch_path_parse \
    server::body::tests::fuzz_request_bodies
run "$CHAIN_CASES" scim::fuzz::fuzz_filter_parse_long_chains
run "$APPLY_CASES" \
    scim::fuzz::fuzz_patch_apply_to_a_user \
    scim::fuzz::fuzz_patch_apply_to_a_group \
    scim::fuzz::fuzz_resource_bodies_normalize_or_are_refused
log "all properties held; wall time $(($(date +%s) - started)) s"
