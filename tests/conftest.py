"""Shared fixtures: the HubSpot simulator, a throwaway PostgreSQL, and `meltano run`.

* `make_simulator(**knobs)` / `simulator`: a started `hubspot_simulator.Simulator` on 127.0.0.1 and a
  free port (rate limits off unless asked for), stopped at teardown. `make_simulator_module` is the
  same factory for module-scoped fixtures.
* `postgres`: one throwaway cluster for the session (`scripts/pg.sh`), as a `PG` helper:
  `.url` (SQLAlchemy URL for target-postgres), `.query(sql, params)`, `.scalar(...)`,
  `.new_database(name)` for a test module that wants its own database.
* `meltano_run(args, env=..., check=True)`: `meltano ARGS` in the project root, with a system
  database (state) private to the test session; raises with the tail of stderr on failure.
* `pipeline_env(sim, pg)`: the env vars that point the tap at a simulator and the target at a db.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_SH = ROOT / "scripts" / "pg.sh"
MELTANO = Path(sys.executable).parent / "meltano"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# A MELTANO_PROJECT_ROOT inherited from the shell would make every meltano command a test starts
# (including ones aimed at a tmp project) act on this repo's meltano.yml and .env.
os.environ.pop("MELTANO_PROJECT_ROOT", None)

# Env for every meltano subprocess: quiet, offline-friendly, rooted at the repo.
MELTANO_BASE_ENV = {
    "MELTANO_PROJECT_ROOT": str(ROOT),
    "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}


# --------------------------------------------------------------------------------------------
# HubSpot simulator
# --------------------------------------------------------------------------------------------

# Test defaults: no artificial latency and no rate limits, so tests are fast; a test about pacing
# passes its own search_per_second / per_10s.
SIM_TEST_DEFAULTS: dict[str, Any] = {
    "seed": 1,
    "scale": 1.0,
    "latency_ms": 0,
    "search_per_second": None,
    "per_10s": None,
}


class _SimulatorPool:
    """Starts simulators on demand and stops every one of them at teardown."""

    def __init__(self) -> None:
        self.started: list[Any] = []

    def __call__(self, **knobs: Any) -> Any:
        from hubspot_simulator import SimConfig, Simulator

        config = SimConfig(**{**SIM_TEST_DEFAULTS, **knobs})
        sim = Simulator(config)  # binds 127.0.0.1 on a free port (port 0)
        sim.start()
        self.started.append(sim)
        return sim

    def stop_all(self) -> None:
        while self.started:
            sim = self.started.pop()
            try:
                sim.stop()
            except Exception as exc:  # noqa: BLE001 - teardown must reach every simulator
                print(f"warning: stopping simulator failed: {exc!r}", file=sys.stderr)


@pytest.fixture
def make_simulator() -> Iterator[Callable[..., Any]]:
    """Factory: `make_simulator(scale=0.1, fault_rate=0.05)` -> a started Simulator."""
    pool = _SimulatorPool()
    yield pool
    pool.stop_all()


@pytest.fixture(scope="module")
def make_simulator_module() -> Iterator[Callable[..., Any]]:
    """`make_simulator` for module-scoped fixtures (simulators live until the module ends)."""
    pool = _SimulatorPool()
    yield pool
    pool.stop_all()


@pytest.fixture
def simulator(make_simulator: Callable[..., Any]) -> Any:
    """A started simulator with the test defaults (seed 1, scale 1, no latency, no rate limits)."""
    return make_simulator()


@pytest.fixture(scope="session")
def sim_token() -> str:
    from hubspot_simulator import SIM_PRIVATE_TOKEN

    return SIM_PRIVATE_TOKEN


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


@dataclass
class PG:
    """A database in the throwaway cluster."""

    port: int
    dbname: str = "hubspot"
    _conn: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """SQLAlchemy URL for target-postgres 0.8.1 (it insists on a password; trust ignores it)."""
        return f"postgresql+psycopg://postgres:postgres@127.0.0.1:{self.port}/{self.dbname}"

    @property
    def dsn(self) -> str:
        """libpq URL for psql / psycopg."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.dbname}"

    def _connection(self) -> Any:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.dsn, autocommit=True)
        return self._conn

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> list[tuple]:
        """Rows of one statement (psycopg types: text[] -> list, jsonb -> Python objects)."""
        with self._connection().cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def dicts(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> list[dict]:
        """Rows as dicts keyed by column name."""
        from psycopg.rows import dict_row

        with self._connection().cursor(row_factory=dict_row) as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def scalar(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def psql(self, *args: str) -> str:
        """Run psql on this database (e.g. `pg.psql("-c", "\\dt hubspot.*")`), return stdout."""
        psql = shutil.which("psql") or _pg_bin("psql")
        out = subprocess.run([psql, "-X", "-v", "ON_ERROR_STOP=1", self.dsn, *args],
                             capture_output=True, text=True, check=True)
        return out.stdout

    def new_database(self, name: str) -> PG:
        """Create (or re-create) database `name` in the same cluster."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"bad database name {name!r}")
        admin = PG(self.port, "postgres")
        admin.query(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.query(f'CREATE DATABASE "{name}"')
        admin.close()
        return PG(self.port, name)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return found[-1] if found else (shutil.which(name) or "")


def _skip_or_fail(reason: str) -> None:
    # In CI PostgreSQL must be there (scripts/test.sh installs it): a skip would hide the e2e tests.
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PG]:
    """A throwaway PostgreSQL cluster (scripts/pg.sh) with database `hubspot`, for the session."""
    if not _pg_bin("initdb"):
        # pg.sh installs it with apt-get when it can (root); otherwise say what is missing.
        done = subprocess.run(["bash", "-c", f'source "{PG_SH}" && pg_ensure_installed'],
                              capture_output=True, text=True)
        if done.returncode != 0 or not _pg_bin("initdb"):
            _skip_or_fail("PostgreSQL is not installed and could not be installed "
                          f"(scripts/pg.sh): {done.stderr.strip()[-500:]}")
    state = tempfile.mkdtemp(prefix="pg-pytest.")
    env = {**os.environ, "PG_SH_STATE_DIR": state}
    env.pop("PGPORT", None)  # always a free port: never collide with a developer's cluster
    started = subprocess.run(["bash", str(PG_SH), "start"], env=env, capture_output=True,
                             text=True, timeout=180)
    if started.returncode != 0:
        shutil.rmtree(state, ignore_errors=True)
        pytest.fail(f"scripts/pg.sh start failed:\n{started.stderr[-3000:]}")
    url = started.stdout.strip().splitlines()[-1]
    port = int(re.search(r":(\d+)/", url).group(1))  # type: ignore[union-attr]
    pg = PG(port)
    try:
        yield pg
    finally:
        pg.close()
        subprocess.run(["bash", str(PG_SH), "stop"], env=env, capture_output=True, text=True,
                       timeout=120)
        shutil.rmtree(state, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Meltano
# --------------------------------------------------------------------------------------------


class MeltanoError(AssertionError):
    pass


@pytest.fixture(scope="session")
def meltano_system_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Meltano system database (state, runs) private to this test session.

    Without it the tests would read bookmarks left in .meltano/meltano.db by an earlier run or by
    the demo, and a "first" run would silently be incremental.
    """
    path = tmp_path_factory.mktemp("meltano") / "meltano.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def meltano_run(meltano_system_db: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`meltano_run(["run", "tap-hubspot-qobra", "target-postgres"], env={...})`.

    Runs in the project root with the quiet/offline env, MELTANO_PROJECT_ROOT and the session's
    system database. With check=True (default) a non-zero exit raises with the tail of stderr.
    """

    def run(args: Sequence[str], env: Mapping[str, str] | None = None, *, check: bool = True,
            timeout: float = 900) -> subprocess.CompletedProcess[str]:
        full_env = {
            **os.environ,
            **MELTANO_BASE_ENV,
            "MELTANO_DATABASE_URI": meltano_system_db,
            **(env or {}),
        }
        cmd = [str(MELTANO) if MELTANO.exists() else "meltano", *args]
        done = subprocess.run(cmd, cwd=ROOT, env=full_env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        if check and done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).splitlines()[-60:])
            raise MeltanoError(f"`meltano {' '.join(args)}` exited {done.returncode}:\n{tail}")
        return done

    return run


@pytest.fixture(scope="session")
def pipeline_env() -> Callable[..., dict[str, str]]:
    """`pipeline_env(sim, pg)`: env vars pointing the tap at `sim` and target-postgres at `pg`."""

    def make(sim: Any, pg: PG, **extra: str) -> dict[str, str]:
        from hubspot_simulator import SIM_PRIVATE_TOKEN

        return {
            "TAP_HUBSPOT_QOBRA_API_URL": str(sim.url).rstrip("/"),
            "TAP_HUBSPOT_QOBRA_ACCESS_TOKEN": SIM_PRIVATE_TOKEN,
            "TARGET_POSTGRES_SQLALCHEMY_URL": pg.url,
            **extra,
        }

    return make
