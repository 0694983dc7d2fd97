#!/usr/bin/env bash
# The test command: unit, simulator, tap and end-to-end (Meltano -> PostgreSQL) tests.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh -m 'not e2e' -x   # extra arguments go to pytest
#
# Installs what the tests need first (venv, Meltano plugins, PostgreSQL binaries), so that it
# passes on a fresh clone of a fresh machine; the e2e fixtures start their own simulator and
# throwaway PostgreSQL cluster (tests/conftest.py) and stop them.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"
# shellcheck source=scripts/pg.sh
source "$ROOT/scripts/pg.sh"

step "Python venv (.venv, pip install -e .[test])"
ensure_venv

step "PostgreSQL binaries"
pg_ensure_installed
echo "using $(_pg_bindir)"

step "Meltano plugins"
# The e2e tests would install them on first use anyway (auto_install); doing it here makes a
# registry problem fail early and visibly.
meltano --log-level=warning install

step "pytest"
set +e
"$PY" -m pytest "$@"
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
    # pytest's 5 = no test collected: a test command that tests nothing must not look green.
    echo "error: pytest collected no tests" >&2
    rc=1
fi
total "tests finished (pytest exit code $rc)"
exit $rc
