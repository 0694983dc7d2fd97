"""Storing the OAuth credentials in a Meltano project through `meltano config set`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tap_hubspot_qobra.connect_errors import RUNTIME_ERROR, ConnectError, redact

PLUGIN_NAME = "tap-hubspot-qobra"
MELTANO_TIMEOUT = 120.0  # seconds per `meltano config set`; its first run creates the system DB


def find_meltano() -> str:
    """The `meltano` next to this interpreter (same venv), else the one on PATH."""
    beside = Path(sys.executable).parent / ("meltano.exe" if sys.platform == "win32" else "meltano")
    if beside.is_file():
        return str(beside)
    found = shutil.which("meltano")
    if not found:
        raise ConnectError(
            "meltano is not installed here (not beside this Python, not on PATH); "
            "install it or use --store print"
        )
    return found


def check_project(project_dir: Path) -> Path:
    """The project directory, once it is known to hold a meltano.yml (checked before the flow)."""
    if not (project_dir / "meltano.yml").is_file():
        raise ConnectError(
            f"{project_dir} is not a Meltano project (no meltano.yml); pass --meltano-project DIR"
        )
    return project_dir.resolve()


def store_in_meltano(
    project_dir: Path, *, client_id: str, client_secret: str, refresh_token: str,
    meltano: str | None = None,
) -> None:
    """Set client_id (meltano.yml) and client_secret + refresh_token (the project's `.env`)."""
    exe = meltano or find_meltano()
    try:
        _config_set(exe, project_dir, "client_id", client_id, secret=False)
        _config_set(exe, project_dir, "client_secret", client_secret, secret=True)
        _config_set(exe, project_dir, "refresh_token", refresh_token, secret=True)
    except ConnectError as exc:
        # meltano's own output may echo any of them; none may reach the terminal
        hidden = (client_secret, refresh_token)
        raise ConnectError(redact(str(exc), hidden), exc.exit_code) from None


def _config_set(exe: str, project_dir: Path, setting: str, value: str, *, secret: bool) -> None:
    """One `meltano config set`; secrets go through stdin so they never show in a process list."""
    if secret:
        # --store dotenv: the value lands in .env even if meltano.yml forgot `sensitive: true`
        args = [exe, "config", "set", "--store", "dotenv", "--from-file", "-", PLUGIN_NAME, setting]
        stdin = value
    else:
        args = [exe, "config", "set", PLUGIN_NAME, setting, value]
        stdin = ""
    # an inherited MELTANO_PROJECT_ROOT would override cwd and write into another project
    env = {**os.environ, "MELTANO_PROJECT_ROOT": str(project_dir)}
    try:
        done = subprocess.run(
            args, cwd=project_dir, env=env, input=stdin, capture_output=True, text=True,
            timeout=MELTANO_TIMEOUT, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        reason = type(exc).__name__
        raise ConnectError(f"running meltano failed ({reason})", RUNTIME_ERROR) from None
    if done.returncode != 0:
        lines = [ln.strip() for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
        detail = redact(lines[-1] if lines else "no output", (value,))
        raise ConnectError(
            f"meltano config set {PLUGIN_NAME} {setting} failed "
            f"(exit {done.returncode}: {detail}); "
            "check the project, or run again with --store print",
            RUNTIME_ERROR,
        )
