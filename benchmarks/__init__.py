"""The benchmark: tap-hubspot-qobra and meltano-tap-hubspot against the HubSpot simulator.

Run it with `bash benchmarks/run.sh` (or `.venv/bin/python -m benchmarks.bench` from the repository root).
"""
