#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the demo and the tests.
#
# Two ways to use it:
#
#   source scripts/pg.sh; pg_start       # in a script: starts a cluster in a fresh temp dir,
#                                        # exports PG_URL & co., and stops + deletes it on EXIT
#   scripts/pg.sh start|stop|url|psql    # by hand / from pytest: the cluster outlives the command;
#                                        # its files live in $PG_SH_STATE_DIR (default below)
#
# Why not the distribution's `main` cluster: it needs systemd/pg_ctlcluster, persists between runs
# and may hold someone's data. A cluster in a temp dir, on 127.0.0.1 and a free port, with trust
# auth and fsync off, starts in ~1 s and leaves nothing behind.
#
# Exports after a start:
#   PG_URL      postgresql+psycopg://postgres:postgres@127.0.0.1:PORT/hubspot  (target-postgres 0.8.1
#               insists on a password even though the cluster trusts everyone: it is ignored)
#   PG_PSQL_URL postgresql://postgres@127.0.0.1:PORT/hubspot                   (for psql / psycopg)
#   PG_PORT, PG_STATE_DIR
# Inputs (all optional): PGPORT (port to use instead of a free one), PG_SH_STATE_DIR, PG_DB
# (default hubspot), PG_SH_NO_TRAP=1 (pg_start installs no EXIT trap; the caller calls pg_stop).

PG_DB="${PG_DB:-hubspot}"
# Default home of a cluster started with `scripts/pg.sh start` (not used by `source` + pg_start,
# which takes a fresh mktemp dir unless PG_SH_STATE_DIR is set).
PG_SH_DEFAULT_STATE_DIR="${TMPDIR:-/tmp}/tap-hubspot-qobra-pg"

_pg_log() { echo "pg.sh: $*" >&2; }

# The directory holding initdb/pg_ctl: the newest /usr/lib/postgresql/N/bin, else whatever is on PATH.
_pg_bindir() {
    local d best
    # The glob sorts lexically (9 after 15); pick the highest version number explicitly.
    best="$(for d in /usr/lib/postgresql/*/bin; do [[ -x "$d/initdb" ]] && echo "$d"; done \
        | sort -t/ -k5,5n | tail -n1)"
    if [[ -z "$best" ]] && command -v initdb >/dev/null 2>&1; then
        best="$(dirname "$(command -v initdb)")"
    fi
    echo "$best"
}

# Install the server with apt-get, but only when no initdb exists: the machine image usually ships
# postgresql-15, and apt-get costs ~10-30 s.
pg_ensure_installed() {
    if [[ -n "$(_pg_bindir)" ]]; then
        return 0
    fi
    if [[ $EUID -ne 0 ]]; then
        _pg_log "PostgreSQL is not installed and this is not root: run 'sudo apt-get install -y postgresql'"
        return 1
    fi
    _pg_log "PostgreSQL not found: installing it with apt-get"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    if [[ -z "$(_pg_bindir)" ]]; then
        _pg_log "apt-get install postgresql finished but no initdb was found under /usr/lib/postgresql"
        return 1
    fi
}

# Run a server binary as the `postgres` OS user when we are root (initdb and postgres refuse to run
# as root); as an ordinary user run it directly.
_pg_as_owner() {
    if [[ $EUID -eq 0 ]]; then
        # cd first: runuser keeps the cwd, and postgres may not be allowed to enter ours.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

_pg_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

_pg_export() {
    export PG_PORT="$1" PG_STATE_DIR="$2"
    export PG_URL="postgresql+psycopg://postgres:postgres@127.0.0.1:${PG_PORT}/${PG_DB}"
    export PG_PSQL_URL="postgresql://postgres@127.0.0.1:${PG_PORT}/${PG_DB}"
}

# pg_start: create, start and export. Idempotent for a state dir whose cluster is already running.
pg_start() {
    pg_ensure_installed || return 1
    local bindir port state
    bindir="$(_pg_bindir)"
    if [[ $EUID -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
        # apt's postgresql-common creates this user; a machine with only the binaries may lack it.
        _pg_log "creating the 'postgres' OS user"
        useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi

    state="${PG_SH_STATE_DIR:-}"
    if [[ -n "$state" && -f "$state/env" ]] && \
        _pg_as_owner "$bindir/pg_ctl" -D "$state/data" status >/dev/null 2>&1; then
        # shellcheck disable=SC1091
        source "$state/env"
        _pg_export "$PG_PORT" "$state"
        _pg_log "already running on port $PG_PORT ($state)"
        return 0
    fi
    if [[ -z "$state" ]]; then
        state="$(mktemp -d "${TMPDIR:-/tmp}/pg-throwaway.XXXXXX")"
    fi
    mkdir -p "$state/sock"
    if [[ $EUID -eq 0 ]]; then
        chown -R postgres: "$state"
        if ! runuser -u postgres -- test -w "$state"; then
            _pg_log "the postgres user cannot write $state (a parent directory is not searchable)"
            return 1
        fi
    fi

    port="${PGPORT:-$(_pg_free_port)}"
    _pg_as_owner "$bindir/initdb" --auth=trust -U postgres --no-sync -E UTF8 --locale=C \
        -D "$state/data" >"$state/initdb.log" 2>&1 || {
        cat "$state/initdb.log" >&2; _pg_log "initdb failed"; return 1; }
    # fsync/synchronous_commit/full_page_writes off: this data is thrown away, speed is all we want.
    _pg_as_owner "$bindir/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 60 start \
        -o "-p $port -k $state/sock -c listen_addresses=127.0.0.1 -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off" >/dev/null || {
        cat "$state/server.log" >&2; _pg_log "pg_ctl start failed (port $port)"; return 1; }

    echo "PG_PORT=$port" >"$state/env"
    _pg_export "$port" "$state"
    "$bindir/psql" -q -X -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$port/postgres" \
        -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
    _pg_log "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port, data in $state"

    if [[ "${PG_SH_NO_TRAP:-0}" != 1 ]]; then
        # The sourcing script owns the cluster: it goes away with the script (success or not).
        trap pg_stop EXIT
    fi
}

# pg_stop: stop the server and delete its files. Safe to call twice or when nothing was started.
pg_stop() {
    local state="${PG_STATE_DIR:-${PG_SH_STATE_DIR:-}}" bindir
    [[ -n "$state" && -d "$state" ]] || return 0
    bindir="$(_pg_bindir)"
    if [[ -d "$state/data" ]]; then
        # immediate: no checkpoint to write, the data is about to be deleted anyway
        _pg_as_owner "$bindir/pg_ctl" -D "$state/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$state"
    unset PG_URL PG_PSQL_URL PG_PORT PG_STATE_DIR
}

# pg_psql ARGS...: psql into the throwaway database (trust auth over TCP: any OS user may do it).
pg_psql() {
    "$(_pg_bindir)/psql" -X -v ON_ERROR_STOP=1 "$PG_PSQL_URL" "$@"
}

# ---- executed as a command -------------------------------------------------------------------
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    # A cluster started from the command line must outlive this process: no trap, fixed state dir.
    export PG_SH_NO_TRAP=1
    PG_SH_STATE_DIR="${PG_SH_STATE_DIR:-$PG_SH_DEFAULT_STATE_DIR}"
    case "${1:-}" in
        start)
            pg_start
            echo "$PG_URL" ;;
        stop)
            PG_STATE_DIR="$PG_SH_STATE_DIR" pg_stop ;;
        url)
            [[ -f "$PG_SH_STATE_DIR/env" ]] || { _pg_log "not running ($PG_SH_STATE_DIR)"; exit 1; }
            # shellcheck disable=SC1091
            source "$PG_SH_STATE_DIR/env"
            _pg_export "$PG_PORT" "$PG_SH_STATE_DIR"
            echo "$PG_URL" ;;
        psql)
            shift
            # shellcheck disable=SC1091
            source "$PG_SH_STATE_DIR/env"
            _pg_export "$PG_PORT" "$PG_SH_STATE_DIR"
            pg_psql "$@" ;;
        *)
            echo "usage: $0 start|stop|url|psql [psql args]" >&2
            exit 2 ;;
    esac
fi
