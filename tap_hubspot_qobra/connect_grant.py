"""What a set of granted OAuth scopes unlocks, in terms of the tap's tables (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tap_hubspot_qobra.tables import (
    CUSTOM_OBJECTS_SCOPE,
    CUSTOM_SCHEMAS_SCOPE,
    OPTIONAL_SCOPES,
    OWNERS_SCOPE,
    REQUIRED_SCOPES,
    SEED_TABLES,
)

CUSTOM_OBJECTS = "custom objects"  # one entry for all of them: their streams are found at discovery


@dataclass(frozen=True)
class _Gate:
    """A table and the scopes that open it: any one of each inner tuple, all of the outer."""

    name: str
    all_of: tuple[tuple[str, ...], ...]
    optional: bool


def _gates() -> tuple[_Gate, ...]:
    """Every table the tap can sync, in the order the summary lists them."""
    seed = tuple(_Gate(t.stream, (t.read_scopes,), t.optional) for t in SEED_TABLES)
    return seed + (
        _Gate("owners", ((OWNERS_SCOPE,),), False),
        # listing custom objects needs the schemas scope, reading them the objects scope
        _Gate(CUSTOM_OBJECTS, ((CUSTOM_OBJECTS_SCOPE,), (CUSTOM_SCHEMAS_SCOPE,)), True),
    )


def summarize_grant(
    granted_scopes: Iterable[str],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(unlocked tables, optional tables left off, missing required scopes) for a grant."""
    granted = frozenset(granted_scopes)
    unlocked: list[str] = []
    off: list[str] = []
    for gate in _gates():
        if all(granted.intersection(any_of) for any_of in gate.all_of):
            unlocked.append(gate.name)
        elif gate.optional:
            off.append(gate.name)
    missing = tuple(scope for scope in REQUIRED_SCOPES if scope not in granted)
    return tuple(unlocked), tuple(off), missing


def unlock_hint(table: str) -> str:
    """The requested scopes that would turn an optional table on, e.g. `e-commerce`."""
    for gate in _gates():
        if gate.name == table:
            needed = []
            for any_of in gate.all_of:
                # name what this command asks for, not every alias HubSpot would also accept
                asked = [s for s in any_of if s in OPTIONAL_SCOPES or s in REQUIRED_SCOPES]
                needed.append(" or ".join(asked or any_of))
            return " + ".join(needed)
    raise KeyError(table)


def summary_lines(granted_scopes: Iterable[str]) -> list[str]:
    """Human-readable lines: what the grant unlocks and which optional tables stay off."""
    unlocked, off, missing = summarize_grant(granted_scopes)
    lines = [f"Tables unlocked: {', '.join(unlocked) or 'none'}"]
    if off:
        hints = ", ".join(f"{name} (needs {unlock_hint(name)})" for name in off)
        lines.append(f"Optional tables off: {hints}")
    else:
        lines.append("Optional tables off: none")
    if missing:
        lines.append(f"Required scopes missing: {', '.join(missing)}")
    return lines
