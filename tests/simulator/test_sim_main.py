"""The command line: `python -m hubspot_simulator`."""

from __future__ import annotations

import subprocess
import sys

import requests

from hubspot_simulator import SIM_PRIVATE_TOKEN
from hubspot_simulator.__main__ import config_from, parse_args


def test_cli_flags_map_to_config():
    cfg = config_from(parse_args(["--seed", "7", "--scale", "0.2", "--per-10s", "none",
                                  "--search-per-second", "4", "--fault-kinds", "500,reset",
                                  "--portal-scopes", "a b,c"]))
    assert (cfg.seed, cfg.scale, cfg.per_10s, cfg.search_per_second) == (7, 0.2, None, 4)
    assert cfg.fault_kinds == ("500", "reset") and cfg.portal_scopes == frozenset({"a", "b", "c"})


def test_module_runs_and_prints_its_url():
    proc = subprocess.Popen([sys.executable, "-m", "hubspot_simulator", "--port", "0", "--scale", "0.1"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split("listening on ")[1].split()[0]
        with requests.Session() as s:
            r = s.get(f"{url}/crm/v3/objects/deals", headers={"Authorization": f"Bearer {SIM_PRIVATE_TOKEN}"})
        assert r.status_code == 200 and r.json()["results"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
    assert proc.returncode == 0
