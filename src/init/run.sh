#!/bin/sh
# Runs the SCIM scenarios of this directory against the server under test, as the CI job does,
# and keeps JUnit and JSON reports in reports/.
#
#   SCIM_BASE_URL              the server's SCIM base URL (https://staging.example.com/scim/v2);
#                              unset: scimulate's embedded reference server (checks the tool)
#   SCIMULATE_TOKEN            its bearer token (a CI secret; never printed)
#   SCIMULATE_TARGET_PROFILE   the target profile (default: target-profile.yaml if present)
#   SCIMULATE_ARGS             more flags, e.g. --partition 1/2 or --gate rfc
#   SCIMULATE                  the scimulate binary (default: scimulate on PATH)
set -eu
cd "$(dirname "$0")/.."
bin=${SCIMULATE:-scimulate}
profile=${SCIMULATE_TARGET_PROFILE:-}
if [ -z "$profile" ] && [ -f target-profile.yaml ]; then
    profile=target-profile.yaml
fi
mkdir -p reports
set -- run scenarios --junit reports/scimulate.xml --json reports/scimulate.json
if [ -n "${SCIM_BASE_URL:-}" ]; then
    set -- "$@" --target "$SCIM_BASE_URL"
    if [ -n "$profile" ]; then
        set -- "$@" --target-profile "$profile"
    fi
fi
# shellcheck disable=SC2086 # SCIMULATE_ARGS is a list of flags
exec "$bin" "$@" ${SCIMULATE_ARGS:-}
