#!/usr/bin/env bash
# The benchmark command: tap-hubspot-qobra and meltano-tap-hubspot 0.10.1 against the HubSpot
# simulator (see the README, "Benchmark"). Creates .venv (this tap) and .venv-peer (the peer) when
# missing, then runs benchmarks/bench.py (python -m benchmarks.bench) with the given arguments, e.g.
#   bash benchmarks/run.sh                # default: scale 39 (102,570 records), about 8 minutes on 2 cores
#   bash benchmarks/run.sh --scale 5      # a quick look
#   bash benchmarks/run.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/tap-hubspot-qobra ]; then
  echo "creating .venv with this tap (pip install -e .) ..."
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -e . >/dev/null
fi
if [ ! -x .venv-peer/bin/tap-hubspot ]; then
  echo "creating .venv-peer with meltano-tap-hubspot==0.10.1 ..."
  [ -x .venv-peer/bin/python ] || "$PY" -m venv .venv-peer
  printf '*\n' > .venv-peer/.gitignore   # keeps the venv out of git
  .venv-peer/bin/pip install --quiet --disable-pip-version-check "meltano-tap-hubspot==0.10.1" >/dev/null
fi
exec .venv/bin/python -m benchmarks.bench "$@"
