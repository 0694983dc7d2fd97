"""Run the tap in-process and collect the Singer messages it writes."""

from __future__ import annotations

import io
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from tap_hubspot_qobra.tap import TapHubspotQobra


@dataclass
class SyncResult:
    records: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    schemas: dict[str, dict] = field(default_factory=dict)
    states: list[dict] = field(default_factory=list)
    versions: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    activations: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    order: list[tuple[str, str]] = field(default_factory=list)  # (message type, stream)

    @property
    def final_state(self) -> dict:
        return self.states[-1] if self.states else {}

    def ids(self, stream: str) -> list[str]:
        return [record["id"] for record in self.records[stream]]

    def bookmark(self, stream: str) -> str | None:
        return self.final_state.get("bookmarks", {}).get(stream, {}).get("replication_key_value")


def parse_messages(raw: bytes) -> SyncResult:
    result = SyncResult()
    for line in raw.decode().splitlines():
        message = json.loads(line)
        result.order.append((message["type"], message.get("stream", "")))
        if message["type"] == "RECORD":
            result.records[message["stream"]].append(message["record"])
            result.versions[message["stream"]].add(message.get("version"))
        elif message["type"] == "ACTIVATE_VERSION":
            result.activations[message["stream"]].append(message["version"])
        elif message["type"] == "SCHEMA":
            result.schemas[message["stream"]] = message["schema"]
        elif message["type"] == "STATE":
            result.states.append(message["value"])
    return result


def run_tap(
    config: dict,
    *,
    state: dict | None = None,
    catalog: dict | None = None,
    prepare: Callable[[TapHubspotQobra], None] | None = None,
) -> SyncResult:
    """A full `sync_all` of a fresh tap; raises what the tap raises, with the output so far attached."""
    tap = TapHubspotQobra(config=config, state=state, catalog=catalog, parse_env_config=False)
    if prepare:
        prepare(tap)
    buffer = io.BytesIO()
    real_stdout = sys.stdout
    capture = io.TextIOWrapper(buffer, encoding="utf-8")
    sys.stdout = capture
    try:
        tap.sync_all()
    except Exception as exc:
        capture.flush()
        exc.partial_result = parse_messages(buffer.getvalue())  # type: ignore[attr-defined]
        raise
    finally:
        capture.flush()
        output = buffer.getvalue()
        sys.stdout = real_stdout
        capture.detach()
    return parse_messages(output)


def select_only(catalog: dict, streams: set[str]) -> dict:
    """A copy of a discovered catalog with only `streams` selected."""
    catalog = json.loads(json.dumps(catalog))
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog
