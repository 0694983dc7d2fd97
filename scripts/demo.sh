#!/usr/bin/env bash
# Quick start: HubSpot simulator -> tap-hubspot-qobra -> target-postgres, all on this machine.
#
#   bash scripts/demo.sh
#
# Creates .venv if needed, starts the bundled HubSpot simulator and a throwaway PostgreSQL, runs
# `meltano run hubspot-to-postgres` against them, prints the rows per table, and stops everything
# (the database is deleted: run it again and you get the same result).
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
# shellcheck source=scripts/pg.sh
source "$ROOT/scripts/pg.sh"

SIM_PID=""
SIM_LOG="$(mktemp "${TMPDIR:-/tmp}/hubspot-sim.XXXXXX.log")"
cleanup() {
    # One trap for everything this script started (pg_start's own EXIT trap is replaced here).
    if [[ -n "$SIM_PID" ]]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
    rm -f "$SIM_LOG"
    pg_stop
}
trap cleanup EXIT

step "Python venv (.venv, pip install -e .[test])"
ensure_venv

step "Meltano plugins (meltano install: tap from this repo, target-postgres from PyPI)"
meltano --log-level=warning install

step "HubSpot simulator"
SIM_PORT="$(_pg_free_port)"
# The simulator is an in-memory HubSpot portal; its demo private-app token is pat-sim-demo.
"$PY" -m hubspot_simulator --port "$SIM_PORT" >"$SIM_LOG" 2>&1 &
SIM_PID=$!
SIM_URL="http://127.0.0.1:$SIM_PORT"
# Wait until it accepts connections (it builds the portal first), or say why it died.
for _ in $(seq 1 300); do
    if ! kill -0 "$SIM_PID" 2>/dev/null; then
        cat "$SIM_LOG" >&2
        echo "error: the simulator exited before listening" >&2
        exit 1
    fi
    if "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $SIM_PORT), 0.2)" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
echo "simulator at $SIM_URL (pid $SIM_PID)"

step "PostgreSQL (throwaway cluster)"
PG_SH_NO_TRAP=1 pg_start
echo "$PG_URL"

step "meltano run hubspot-to-postgres"
# --full-refresh: the database is new on every demo run, so ignore any bookmark an earlier demo left
# in .meltano/ (the state id gets a 'demo' suffix to keep it apart from real runs).
TAP_HUBSPOT_QOBRA_API_URL="$SIM_URL" \
TAP_HUBSPOT_QOBRA_ACCESS_TOKEN="pat-sim-demo" \
TARGET_POSTGRES_SQLALCHEMY_URL="$PG_URL" \
    meltano --log-level=warning run --full-refresh --state-id-suffix=demo hubspot-to-postgres

step "What landed in PostgreSQL (schema hubspot)"
pg_psql -q <<'SQL'
SELECT coalesce(string_agg(format('SELECT %L AS "table", count(*) AS "rows" FROM hubspot.%I',
                                  table_name, table_name), ' UNION ALL ' ORDER BY table_name),
                'SELECT NULL AS "table", 0 AS "rows" WHERE false')
FROM information_schema.tables WHERE table_schema = 'hubspot' \gexec
SQL
echo "For example:"
pg_psql -q -c 'SELECT id, dealname, amount, dealstage, closedate,
                      companies, cardinality(contacts) AS n_contacts
               FROM hubspot.deals ORDER BY id LIMIT 5'

total "demo finished"
