#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests, on a free port on 127.0.0.1, and prints the lines to eval:
#
#   eval "$(scripts/test-postgres.sh start)"   # exports VIGIL_TEST_POSTGRES (a postgres:// URL) and its folder
#   swift test
#   scripts/test-postgres.sh stop              # stops the cluster and removes its folder
#
# `pause DIR` stops the server and keeps its data; `resume DIR` starts it again on the same port (the tests that
# take the database away from a running vigil serve use them on a cluster of their own).
#
# The cluster runs as the `postgres` user when this runs as root (initdb refuses root) and keeps its data in a
# temporary folder. TCP connections need a password (scram-sha-256), as on a real server: the URL carries the one of
# the `vigil` role it creates, so tests can also try a wrong one. No Docker.
set -euo pipefail

bin=""
for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && bin="$candidate"
done
if [ -z "$bin" ]; then
    echo "test-postgres: PostgreSQL's server binaries are not installed (apt-get install postgresql)" >&2
    exit 1
fi

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    dir=$(mktemp -d /tmp/vigil-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = on
CONF
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
    as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -qc \
        "CREATE ROLE vigil LOGIN SUPERUSER PASSWORD 'vigil-test-password'" >/dev/null
    echo "export VIGIL_TEST_POSTGRES='postgres://vigil:vigil-test-password@127.0.0.1:$port/postgres?sslmode=disable'"
    echo "export VIGIL_TEST_POSTGRES_DIR='$dir'"
    ;;
stop)
    dir="${2:-${VIGIL_TEST_POSTGRES_DIR:-}}"
    if [ -n "$dir" ] && [ -d "$dir/data" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
        rm -rf "$dir"
    fi
    ;;
pause)
    as_owner "$bin/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null
    ;;
resume)
    as_owner "$bin/pg_ctl" -D "$2/data" -l "$2/server.log" -w start >/dev/null
    ;;
*)
    echo "usage: $0 start | stop [DIR] | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
