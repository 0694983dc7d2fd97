"""Simulator knobs and the fixed demo credentials."""

from __future__ import annotations

from dataclasses import dataclass, field

from tap_hubspot_qobra.tables import (
    CUSTOM_SCHEMAS_SCOPE,
    OPTIONAL_SCOPES,
    REQUIRED_SCOPES,
    SEED_TABLES,
)

from .empty_types import EMPTY_TYPES

SIM_PRIVATE_TOKEN = "pat-sim-demo"
SIM_CLIENT_ID = "sim-client-id"
SIM_CLIENT_SECRET = "sim-client-secret"
SIM_REFRESH_TOKEN = "sim-refresh-token"
PORTAL_ID = 4242424
USER_ID = 7001

ALL_FAULT_KINDS = ("500", "502", "503", "504", "524", "reset", "truncated", "html")


def default_portal_scopes() -> frozenset[str]:
    """Every scope the tap may ask for: REQUIRED + OPTIONAL + each table's alternatives, and the
    read scopes of the empty types (so the default tokens can read them)."""
    scopes = set(REQUIRED_SCOPES) | set(OPTIONAL_SCOPES) | {CUSTOM_SCHEMAS_SCOPE}
    for table in (*SEED_TABLES, *EMPTY_TYPES):
        scopes.update(table.read_scopes)
    return frozenset(scopes)


@dataclass
class SimConfig:
    """Every knob of the simulator. `Simulator.config` is live: change fields at runtime.

    A rate-limit knob of None disables that limit.
    """

    seed: int = 1
    scale: float = 1.0
    latency_ms: float = 0
    search_per_second: int | None = 5
    per_10s: int | None = 100
    daily_limit: int | None = None
    index_lag_ms: int = 0
    token_ttl_s: int = 1800
    assoc_page_size: int = 100
    tie_group_size: int = 50
    extra_properties: int = 20
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = ALL_FAULT_KINDS
    approve_authorize: bool = True
    portal_scopes: frozenset[str] | set[str] | tuple[str, ...] | None = None
    fault_oauth: bool = False
    churn_per_search: int = 0
    timeout_fault_s: float = 30.0
    omit_null_properties: bool = False
    max_url_length: int = 16_000
    auth_code_ttl_s: int = 300
    extra: dict = field(default_factory=dict)

    def scopes(self) -> frozenset[str]:
        """The scopes the portal can grant."""
        if self.portal_scopes is None:
            return default_portal_scopes()
        return frozenset(self.portal_scopes)
