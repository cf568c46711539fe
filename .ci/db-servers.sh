#!/usr/bin/env bash
# Database servers for the `sqlx` / `redis` integration tests (tests/tests/db_*.rs).
#
#   bash .ci/db-servers.sh start   # install if missing, start PostgreSQL and Redis on
#                                  # 127.0.0.1 (free ports), print `export ...` lines
#   bash .ci/db-servers.sh stop    # stop both, remove their data directories
#
# `start` prints the URLs as shell `export` lines and writes them to $AIOS_DB_ENV_FILE
# (default /tmp/aios-db-servers.env), so CI can do (a failed start stops `set -e` scripts):
#
#   trap 'bash .ci/db-servers.sh stop' EXIT
#   bash .ci/db-servers.sh start >/dev/null
#   . /tmp/aios-db-servers.env
#
# and the tests read AIOS_TEST_PG_URL / AIOS_TEST_REDIS_URL. Without them the tests
# start their own servers the same way (binaries from /usr/lib/postgresql/*/bin and
# redis-server on PATH). Everything but the export lines goes to stderr.
set -euo pipefail

ENV_FILE="${AIOS_DB_ENV_FILE:-/tmp/aios-db-servers.env}"
STATE_FILE="${ENV_FILE}.state"

log() { echo "db-servers: $*" >&2; }

pg_bin() {
    # The newest installed PostgreSQL major version.
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

install_missing() {
    local want=()
    pg_bin >/dev/null || want+=(postgresql)
    command -v redis-server >/dev/null || want+=(redis-server)
    [ "${#want[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        log "missing ${want[*]} and not root: install them first"
        exit 1
    fi
    log "installing ${want[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # The packages' own services are not wanted: policy-rc.d keeps them from starting.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        created_policy=1
    fi
    apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
    [ "$created_policy" -eq 1 ] && rm -f "$policy"
    return 0
}

free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}

wait_for_port() {
    local port="$1" i
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

as_postgres() {
    # PostgreSQL refuses to run as root.
    if [ "$(id -u)" -eq 0 ]; then
        su postgres -s /bin/sh -c "$1"
    else
        sh -c "$1"
    fi
}

start() {
    install_missing
    local bin pg_port pg_dir redis_port redis_dir
    bin="$(pg_bin)"

    pg_port="$(free_port)"
    pg_dir="$(mktemp -d /tmp/aios-pg.XXXXXX)"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$pg_dir"
    as_postgres "'$bin/initdb' -D '$pg_dir/data' -A trust -U postgres --no-sync >/dev/null" >&2
    as_postgres "'$bin/pg_ctl' -D '$pg_dir/data' -l '$pg_dir/log' -w -t 30 \
        -o \"-k /tmp -p $pg_port -h 127.0.0.1 -c fsync=off\" start >/dev/null" >&2
    log "PostgreSQL on 127.0.0.1:$pg_port ($pg_dir)"

    redis_port="$(free_port)"
    redis_dir="$(mktemp -d /tmp/aios-redis.XXXXXX)"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$redis_dir" --daemonize yes --pidfile "$redis_dir/redis.pid" \
        --logfile "$redis_dir/redis.log" >&2
    wait_for_port "$redis_port" || { log "redis-server did not start"; cat "$redis_dir/redis.log" >&2; exit 1; }
    log "Redis on 127.0.0.1:$redis_port ($redis_dir)"

    {
        echo "PG_BIN='$bin'"
        echo "PG_DIR='$pg_dir'"
        echo "REDIS_DIR='$redis_dir'"
    } >"$STATE_FILE"
    {
        echo "export AIOS_TEST_PG_URL='postgres://postgres@127.0.0.1:$pg_port/postgres'"
        echo "export AIOS_TEST_REDIS_URL='redis://127.0.0.1:$redis_port/'"
    } | tee "$ENV_FILE"
}

stop() {
    [ -f "$STATE_FILE" ] || { log "nothing to stop"; return 0; }
    # shellcheck disable=SC1090
    . "$STATE_FILE"
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
        as_postgres "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m immediate -w stop >/dev/null" >&2 || true
        rm -rf "$PG_DIR"
    fi
    if [ -n "${REDIS_DIR:-}" ] && [ -f "$REDIS_DIR/redis.pid" ]; then
        kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
        rm -rf "$REDIS_DIR"
    fi
    rm -f "$STATE_FILE" "$ENV_FILE"
    log "stopped"
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
