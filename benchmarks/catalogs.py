"""Each tap's catalog: discovered against the simulator, then exactly the compared tables selected."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hubspot_simulator import Portal

from .common import TABLES, Tap
from .runners import discover


def select(catalog: dict, wanted: set[str]) -> tuple[dict, set[str]]:
    """The catalog with exactly the `wanted` streams selected (stream-level metadata, breadcrumb [])."""
    found = set()
    for stream in catalog["streams"]:
        name = stream.get("tap_stream_id") or stream.get("stream")
        on = name in wanted
        found.update({name} if on else set())
        entries = stream.setdefault("metadata", [])
        root = next((m for m in entries if not m.get("breadcrumb")), None)
        if root is None:
            root = {"breadcrumb": [], "metadata": {}}
            entries.append(root)
        root["metadata"]["selected"] = on
    return catalog, wanted - found


def jointures_of(catalog: dict) -> dict[str, list[str]]:
    out = {}
    for stream in catalog["streams"]:
        root = next((m for m in stream.get("metadata", []) if not m.get("breadcrumb")), {})
        if root.get("metadata", {}).get("selected"):
            out[stream["tap_stream_id"]] = list(root["metadata"].get("jointures") or [])
    return out


def prepare_catalogs(taps: dict[str, Tap], portal: Portal, work: Path, concurrency: int,
                     ) -> tuple[dict[str, Path], dict[str, list[str]]]:
    """Each tap's catalog file (the compared tables selected), and our tap's jointures per stream."""
    catalogs: dict[str, Path] = {}
    joint: dict[str, list[str]] = {}
    for key, tap in taps.items():
        catalog, missing = select(discover(tap, portal, work, concurrency), tap.table_streams())
        if missing:
            sys.exit(f"{tap.label}: streams missing from the catalog: {sorted(missing)}")
        catalogs[key] = work / f"{key}-catalog.json"
        catalogs[key].write_text(json.dumps(catalog))
        if key == "ours":
            joint = jointures_of(catalog)
    return catalogs, joint


def association_ids(portal: Portal, joint: dict[str, list[str]]) -> int:
    """Associated ids the jointures of our tap's streams hold in the portal."""
    obj_of = {ours: obj for ours, obj in TABLES}
    return sum(len(portal.assoc.get((obj_of[s], portal.resolve(j)), {}).get(i, []))
               for s, js in joint.items() for j in js for i in portal.table(obj_of[s]).ids)
