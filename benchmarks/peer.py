"""The peer, meltano-tap-hubspot 0.10.1: its venv, and the shim that points it at the simulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .common import PEER_LABEL, ROOT, TABLES, Tap
from .runners import child_env

PEER_PACKAGE = "meltano-tap-hubspot==0.10.1"
# put on the peer's PYTHONPATH: its sitecustomize.py rewrites https://api.hubapi.com to the simulator
SHIM = ROOT / "benchmarks" / "peer_shim"


def ensure_peer_venv(venv: Path) -> Path:
    exe = venv / "bin" / "tap-hubspot"
    if exe.exists():
        return exe
    print(f"creating {venv} with {PEER_PACKAGE} (about 10 s) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    (venv / ".gitignore").write_text("*\n")  # keep the venv out of git without touching the root .gitignore
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                          PEER_PACKAGE], capture_output=True, text=True)
    if pip.returncode != 0 or not exe.exists():
        sys.exit(f"pip install {PEER_PACKAGE} failed:\n{pip.stdout[-2000:]}{pip.stderr[-3000:]}")
    return exe


def peer_tap(venv: Path) -> Tap:
    """The peer tap (its venv created when missing); its streams are named after the object types."""
    exe = ensure_peer_venv(venv)
    return Tap("peer", PEER_LABEL, [str(exe)], child_env({"PYTHONPATH": str(SHIM)}),
               {obj: obj for _, obj in TABLES})
