#!/usr/bin/env bash
# Runs the whole test suite: every engine test on a SQLite file and on a PostgreSQL database.
#
#   scripts/test.sh                 # all tests
#   scripts/test.sh --filter Store  # any `swift test` arguments
#
# With VIGIL_TEST_POSTGRES already set (a postgres:// URL of a role that may create databases), the tests use that
# server. Otherwise, when PostgreSQL's server binaries are installed (apt-get install postgresql), this starts a
# throwaway cluster for the run (scripts/test-postgres.sh) and stops it afterwards; without them the PostgreSQL cases
# are left out and this says so.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${VIGIL_TEST_POSTGRES:-}" ]; then
    if cluster=$(scripts/test-postgres.sh start); then
        eval "$cluster"
        trap 'scripts/test-postgres.sh stop "$VIGIL_TEST_POSTGRES_DIR"' EXIT
        echo "test: PostgreSQL test cluster on ${VIGIL_TEST_POSTGRES##*@}" | sed 's/?.*//'
    else
        echo "test: no PostgreSQL server binaries; the PostgreSQL cases are left out" >&2
    fi
fi
swift test "$@"
