"""Streams: one generic CRM stream parameterised by a TableSpec, owners, and the two data-about-data streams."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timezone
from functools import cached_property
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib.catalog import Metadata, MetadataMapping, StreamMetadata

from tap_hubspot_qobra import query
from tap_hubspot_qobra.errors import MissingScopesError
from tap_hubspot_qobra.fetcher import TableQuery, WindowFetcher, now_ms
from tap_hubspot_qobra.idsplit import IdSplitReader
from singer_sdk.mapper import SameRecordTransform

from tap_hubspot_qobra.typemap import Field, compile_coercers, coerce_with

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_hubspot_qobra.tables import TableSpec
    from tap_hubspot_qobra.tap import TapHubspotQobra

LOGGER = logging.getLogger("tap_hubspot_qobra")
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_BOOLEAN = {"type": ["boolean", "null"]}
ID_LIST = {"type": ["array", "null"], "items": {"type": "string"}}
ENVELOPE = {"id": {"type": "string"}, "createdAt": NULLABLE_DATETIME,
            "updatedAt": NULLABLE_DATETIME, "archived": NULLABLE_BOOLEAN}


@dataclass(slots=True)
class TableMetadata(StreamMetadata):
    """Stream metadata plus what a consumer needs to read a HubSpot table."""

    hubspot_object_type: str | None = None
    name_field: str | None = None
    currency_field: str | None = None
    jointures: list[str] | None = None


@dataclass(slots=True)
class FieldMetadata(Metadata):
    """Property metadata plus the field's HubSpot and Qobra types and label."""

    hubspot_type: str | None = None
    hubspot_field_type: str | None = None
    qobra_type: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class DiscoveredTable:
    """A table the token can read, with its typed fields (from the properties API)."""

    spec: TableSpec
    fields: dict[str, Field]
    jointure_types: dict[str, str]  # jointure field (stream name) -> associated object type
    user_filters: tuple[dict, ...] = ()


class CRMStream(Stream):
    """Any HubSpot CRM object table: schema from its properties, incremental by last-modified windows."""

    primary_keys = ("id",)
    is_sorted = False
    # Values are typed by typemap.coerce in the workers; the SDK's conformer would turn "false" into True.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: TapHubspotQobra, table: DiscoveredTable) -> None:
        self.table = table
        super().__init__(tap, schema=self._build_schema(), name=table.spec.stream)
        self.replication_key = table.spec.last_modified
        self._bad_values: Counter[str] = Counter()
        self._coercers = compile_coercers(table.fields)

    def _build_schema(self) -> dict:
        properties: dict[str, Any] = {name: field.json_schema for name, field in self.table.fields.items()}
        properties.update({name: ID_LIST for name in self.table.jointure_types})
        properties.update(ENVELOPE)
        return {"type": "object", "properties": properties}

    @property
    def metadata(self) -> MetadataMapping:
        mapping = super().metadata
        if isinstance(mapping.get(()), TableMetadata):
            return mapping
        spec = self.table.spec
        mapping[()] = TableMetadata(
            **_common(mapping[()], StreamMetadata), hubspot_object_type=spec.object_type_id,
            name_field=spec.name_field, currency_field=spec.currency_field,
            jointures=list(self.table.jointure_types),
        )
        for name, field in self.table.fields.items():
            crumb = ("properties", name)
            extra = {key.replace("-", "_"): value for key, value in field.to_catalog_metadata().items()}
            mapping[crumb] = FieldMetadata(**_common(mapping[crumb], Metadata), **extra)
        return mapping

    def _write_record_message(self, record: dict) -> None:
        """The SDK's version less what a plain CRM record does not need: the per-record
        deselection pass, type conformer and message object (a third of the tap's CPU).

        Only selected properties are requested and values are typed already; the SDK's path still
        runs when a field is deselected or stream maps / flattening are configured.
        """
        if not self._plain_output:
            super()._write_record_message(record)
            return
        writer = self._tap.message_writer
        writer.write_record(self.name, record, self._stream_version, self._extracted_at)
        self.state_manager.is_flushed = False

    def _process_record(self, record: dict, child_context: Context | None = None,
                        partition_context: Context | None = None) -> None:
        """Nothing to do: CRM tables have no child streams (the SDK would copy every record here)."""

    @cached_property
    def _plain_output(self) -> bool:
        all_selected = all(self.mask.get(("properties", name), True) for name in self.schema["properties"])
        plain_map = len(self.stream_maps) == 1 and type(self.stream_maps[0]) is SameRecordTransform
        flattening = bool(self.config.get("flattening_enabled"))
        writes_records = hasattr(self._tap.message_writer, "write_record")
        return all_selected and plain_map and not flattening and writes_records

    def get_replication_key_signpost(self, context: Context | None = None) -> None:  # noqa: ARG002
        """No signpost: the bookmark is set once, to the run's start, when the table is complete."""
        return

    def _increment_stream_state(self, latest_record: dict, *, context: Context | None = None) -> None:
        """Disabled on purpose: "max last-modified seen" loses records (see DESIGN.md, step 6)."""

    def selected_properties(self) -> tuple[str, ...]:
        chosen = [name for name in self.table.fields if self.mask.get(("properties", name), True)]
        for required in (self.replication_key, query.ID_PROPERTY):
            if required in self.table.fields and required not in chosen:
                chosen.append(required)
        return tuple(chosen)

    def get_records(self, context: Context | None) -> Iterable[dict]:
        try:
            yield from self._table_records(context)
        except MissingScopesError as exc:
            if not self.table.spec.optional:
                raise
            self.logger.warning(
                "Skipping %s: the token lost scope %s during the run; it keeps its old bookmark",
                self.name, " or ".join(exc.scopes) or "(unnamed)",
            )

    def _table_records(self, context: Context | None) -> Iterator[dict]:
        run_start = now_ms()
        self._extracted_at = datetime.fromtimestamp(run_start / 1000, tz=timezone.utc)
        records = self._read_all(context, run_start)
        if self.stream_state.get("replication_key_value"):
            yield from records  # incremental: upserts only, never a delete
        else:
            yield from mirrored(self, records, version=run_start)

    def _read_all(self, context: Context | None, run_start: int) -> Iterator[dict]:
        fetcher = self._fetcher()
        if self._reads_everything() and IdSplitReader.suits(fetcher):
            # Ids never move, so nothing can slip between the parts of an id-split read: no
            # catch-up needed; what changed meanwhile comes with the next run (its lookback).
            yield from self._records(IdSplitReader(fetcher).pages())
        else:
            lo = self._range_start(fetcher)
            if lo is not None and lo < run_start:
                yield from self._records(fetcher.pages(lo, run_start))
            yield from self._records(fetcher.catch_up_pages(run_start))
        self._log_bad_values()
        self._set_bookmark(context, run_start)

    def _fetcher(self) -> WindowFetcher:
        jointures = tuple(
            (name, object_type) for name, object_type in self.table.jointure_types.items()
            if self.mask.get(("properties", name), True)
        )
        table_query = TableQuery(
            object_type=self.table.spec.object_type, last_modified=self.replication_key,
            properties=self.selected_properties(), user_filters=self.table.user_filters,
            jointures=jointures,
        )
        return WindowFetcher(self._tap.client, table_query, concurrency=self._tap.concurrency)

    def _reads_everything(self) -> bool:
        """A full read of the whole table: no bookmark and no start_date."""
        return not self.stream_state.get("replication_key_value") and not self.config.get("start_date")

    def _range_start(self, fetcher: WindowFetcher) -> int | None:
        """Where this run starts reading: the bookmark less the lookback, else start_date, else the oldest."""
        bookmark = self.stream_state.get("replication_key_value")
        start_date = self.config.get("start_date")
        floor = query.datetime_to_ms(start_date) if start_date else None
        if bookmark:
            lookback_ms = int(self.config.get("lookback_minutes", 30)) * 60_000
            lo = query.datetime_to_ms(str(bookmark)) - lookback_ms
            return max(lo, floor) if floor is not None else lo
        return floor if floor is not None else fetcher.first_modified_ms()

    def _records(self, pages: Iterator[list[dict]]) -> Iterator[dict]:
        jointures = tuple(self.table.jointure_types)
        for page in pages:
            for raw in page:
                yield self._to_record(raw, jointures)

    def _to_record(self, raw: dict, jointures: tuple[str, ...]) -> dict:
        properties = raw.get("properties")
        if not isinstance(properties, dict):
            self._bad_values["properties"] += properties is not None
            properties = {}
        record, bad = coerce_with(self._coercers, properties)
        for name in bad:
            self._bad_values[name] += 1
        for name in jointures:
            if name in raw:
                record[name] = raw[name]
        record["id"] = str(raw["id"])
        record["createdAt"] = raw.get("createdAt")
        record["updatedAt"] = raw.get("updatedAt")
        record["archived"] = bool(raw.get("archived", False))
        return record

    def _log_bad_values(self) -> None:
        for name, count in sorted(self._bad_values.items()):
            self.logger.warning("%s.%s: %d value(s) of the wrong type were set to null", self.name, name, count)
        self._bad_values.clear()

    def _set_bookmark(self, context: Context | None, run_start: int) -> None:
        state = self.get_context_state(context)
        state["progress_markers"] = {
            "replication_key": self.replication_key,
            "replication_key_value": query.ms_to_iso(run_start),
        }


def mirrored(stream: Stream, records: Iterable[dict], *, version: int) -> Iterator[dict]:
    """Records of a complete read, tagged with a table version that is activated only at the end.

    On ACTIVATE_VERSION, target-postgres soft-deletes (or, with hard_delete, deletes) every row of an
    older version: records archived, merged away or deleted since, which a complete read no longer
    returns. Sent last, never first, so a run that fails half-way deletes nothing.
    """
    stream._stream_version = version  # noqa: SLF001 - the SDK stamps RECORD messages with it
    yield from records
    stream._write_activate_version_message(version)  # noqa: SLF001


def synced_tables(tap: TapHubspotQobra) -> list[DiscoveredTable]:
    """The CRM tables selected in this run's catalog: what `tables` and `fields` describe."""
    return [table for table in tap.discovered_tables if tap.streams[table.spec.stream].selected]


def _common(metadata: Metadata, kind: type[Metadata]) -> dict[str, Any]:
    """The standard fields of a metadata entry, to rebuild it as one of our richer kinds."""
    names = [name for name in kind.__dataclass_fields__ if hasattr(metadata, name)]
    return {name: getattr(metadata, name) for name in names}


class OwnersStream(Stream):
    """HubSpot owners (users): small, read whole every run."""

    name = "owners"
    primary_keys = ("id",)
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    schema = {  # noqa: RUF012
        "type": "object",
        "properties": {
            "id": {"type": "string"}, "email": NULLABLE_STRING, "firstName": NULLABLE_STRING,
            "lastName": NULLABLE_STRING, "userId": {"type": ["integer", "null"]},
            "userIdIncludingInactive": {"type": ["integer", "null"]}, "type": NULLABLE_STRING,
            "teams": {"type": ["array", "null"], "items": {"type": "object", "properties": {
                "id": NULLABLE_STRING, "name": NULLABLE_STRING, "primary": NULLABLE_BOOLEAN}}},
            "createdAt": NULLABLE_DATETIME, "updatedAt": NULLABLE_DATETIME, "archived": NULLABLE_BOOLEAN,
        },
    }

    def get_records(self, context: Context | None) -> Iterable[dict]:  # noqa: ARG002
        return mirrored(self, self._owners(), version=now_ms())

    def _owners(self) -> Iterator[dict]:
        # Archived owners too: old deals still point at them, and a join must resolve them.
        for archived in ("false", "true"):
            after: str | None = None
            while True:
                params = {"limit": 100, "archived": archived, **({"after": after} if after else {})}
                answer = self._tap.client.get("/crm/v3/owners", params)
                for owner in answer.get("results") or []:
                    yield {**owner, "id": str(owner["id"])}
                after = ((answer.get("paging") or {}).get("next") or {}).get("after")
                if not after:
                    break


class TablesStream(Stream):
    """One row per synced table, so the warehouse knows names, currencies and jointures."""

    name = "tables"
    primary_keys = ("stream",)
    schema = {  # noqa: RUF012
        "type": "object",
        "properties": {
            "stream": {"type": "string"}, "object_type": NULLABLE_STRING,
            "object_type_id": NULLABLE_STRING, "label": NULLABLE_STRING,
            "name_field": NULLABLE_STRING, "currency_field": NULLABLE_STRING, "jointures": ID_LIST,
        },
    }

    def get_records(self, context: Context | None) -> Iterable[dict]:  # noqa: ARG002
        return mirrored(self, self._rows(), version=now_ms())

    def _rows(self) -> Iterator[dict]:
        for table in synced_tables(self._tap):
            spec = table.spec
            yield {
                "stream": spec.stream, "object_type": spec.object_type,
                "object_type_id": spec.object_type_id, "label": spec.label,
                "name_field": spec.name_field, "currency_field": spec.currency_field,
                "jointures": list(table.jointure_types),
            }


class FieldsStream(Stream):
    """One row per table field: labels, HubSpot and Qobra types, picklist options."""

    name = "fields"
    primary_keys = ("stream", "name")
    schema = {  # noqa: RUF012
        "type": "object",
        "properties": {
            "stream": {"type": "string"}, "name": {"type": "string"}, "label": NULLABLE_STRING,
            "hubspot_type": NULLABLE_STRING, "hubspot_field_type": NULLABLE_STRING,
            "qobra_type": NULLABLE_STRING,
            "options": {"type": ["array", "null"], "items": {"type": "object", "properties": {
                "value": NULLABLE_STRING, "label": NULLABLE_STRING}}},
            "is_name_field": NULLABLE_BOOLEAN, "is_currency_field": NULLABLE_BOOLEAN,
        },
    }

    def get_records(self, context: Context | None) -> Iterable[dict]:  # noqa: ARG002
        return mirrored(self, self._rows(), version=now_ms())

    def _rows(self) -> Iterator[dict]:
        for table in synced_tables(self._tap):
            mask = self._tap.streams[table.spec.stream].mask
            for field in table.fields.values():
                if not mask.get(("properties", field.name), True):
                    continue
                yield {
                    "stream": table.spec.stream, "name": field.name, "label": field.label,
                    "hubspot_type": field.hubspot_type, "hubspot_field_type": field.field_type,
                    "qobra_type": field.qobra_type, "options": field.options_json(),
                    "is_name_field": field.name == table.spec.name_field,
                    "is_currency_field": field.name == table.spec.currency_field,
                }
