"""TapHubspotQobra: configuration, credentials and scopes, and discovery of the tables to sync."""

from __future__ import annotations

import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from tap_hubspot_qobra import query, tables
from tap_hubspot_qobra.auth import granted_scopes, token_source_for
from tap_hubspot_qobra.client import HubSpotClient
from tap_hubspot_qobra.output import BufferedMsgSpecWriter
from tap_hubspot_qobra.errors import ConfigError, HubSpotError, MissingScopesError
from tap_hubspot_qobra.ratelimit import RateLimits
from tap_hubspot_qobra.settings import CONFIG_SCHEMA, check_settings, redact
from tap_hubspot_qobra.streams import CRMStream, DiscoveredTable, FieldsStream, OwnersStream, TablesStream
from tap_hubspot_qobra.typemap import Field, field_from_property

LOGGER = logging.getLogger("tap_hubspot_qobra")


class TapHubspotQobra(Tap):
    """Singer tap for the HubSpot CRM."""

    name = "tap-hubspot-qobra"
    package_name = "tap-hubspot-qobra"
    config_jsonschema = CONFIG_SCHEMA
    dynamic_catalog = True
    message_writer_class = BufferedMsgSpecWriter

    @cached_property
    def client(self) -> HubSpotClient:
        check_settings(dict(self.config))
        limits = RateLimits.from_config(
            int(self.config.get("search_rate_limit_per_second", 5)),
            int(self.config.get("rate_limit_per_10s", 100)),
        )
        client = HubSpotClient(
            str(self.config.get("api_url") or "https://api.hubapi.com"), limits=limits,
            timeout=float(self.config.get("request_timeout_seconds", 60)),
            pool_size=self.concurrency * 3,
        )
        client.token_source = token_source_for(dict(self.config), client)
        return client

    @property
    def concurrency(self) -> int:
        return int(self.config.get("max_concurrency", 4))

    @cached_property
    def discovered_tables(self) -> list[DiscoveredTable]:
        scopes = granted_scopes(self.client, self.client.token_source)
        if scopes is not None:
            _require_scopes(scopes)
        specs = [spec for spec in self._candidate_tables(scopes) if _readable(spec, scopes)]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            fields = list(pool.map(self._fields_or_skip, specs))
        found = [(spec, spec_fields) for spec, spec_fields in zip(specs, fields) if spec_fields]
        filters = query.validate_filters(
            self.config.get("filters"), {spec.stream: set(spec_fields) for spec, spec_fields in found}
        )
        object_types = {spec.stream: spec.object_type for spec, _ in found}
        return [
            DiscoveredTable(
                spec=spec, fields=spec_fields,
                jointure_types={name: object_types[name] for name in spec.jointures if name in object_types},
                user_filters=tuple(filters.get(spec.stream, ())),
            )
            for spec, spec_fields in found
        ]

    def _candidate_tables(self, scopes: set[str] | None) -> list[tables.TableSpec]:
        candidates = list(tables.SEED_TABLES)
        if scopes is not None and not scopes & {tables.CUSTOM_OBJECTS_SCOPE, tables.CUSTOM_SCHEMAS_SCOPE}:
            LOGGER.warning("Skipping custom objects: the token lacks scope %s", tables.CUSTOM_OBJECTS_SCOPE)
            return candidates
        try:
            schemas = self.client.get("/crm-object-schemas/v3/schemas").get("results") or []
        except MissingScopesError:
            LOGGER.warning("Skipping custom objects: the token lacks scope %s", tables.CUSTOM_OBJECTS_SCOPE)
            return candidates
        seed_streams = {spec.stream for spec in candidates}
        for schema in schemas:
            spec = tables.custom_table(schema)
            if spec.stream in seed_streams:
                LOGGER.warning("Skipping custom object %s: its stream name clashes with a seed table", spec.stream)
                continue
            candidates.append(spec)
        return candidates

    def _fields_or_skip(self, spec: tables.TableSpec) -> dict[str, Field]:
        """The table's typed fields, or {} for an optional table the token may not read."""
        try:
            answer = self.client.get(f"/crm/v3/properties/{spec.object_type}")
        except MissingScopesError as exc:
            if not spec.optional:
                raise
            LOGGER.warning("Skipping %s: the token lacks scope %s", spec.stream, " or ".join(exc.scopes))
            return {}
        fields: dict[str, Field] = {}
        for prop in answer.get("results") or []:
            if isinstance(prop, dict) and prop.get("name"):
                fields[str(prop["name"])] = field_from_property(prop)
        return fields

    def sync_all(self) -> None:
        try:
            super().sync_all()
        finally:
            self._log_run_summary()

    def _log_run_summary(self) -> None:
        """What the run cost in HubSpot's budgets: the figure to watch against daily limits."""
        if "client" not in self.__dict__:
            return
        stats = dict(sorted(self.client.stats.items()))
        requests = sum(count for name, count in stats.items() if name.startswith("requests_"))
        details = ", ".join(f"{name}={count}" for name, count in stats.items())
        LOGGER.info("Run summary: %d HubSpot requests (%s)", requests, details)

    def discover_streams(self) -> list[Stream]:
        crm: list[Stream] = [CRMStream(self, table) for table in self.discovered_tables]
        return [*crm, OwnersStream(self), TablesStream(self), FieldsStream(self)]


def _require_scopes(scopes: set[str]) -> None:
    missing = [scope for scope in tables.REQUIRED_SCOPES if scope not in scopes]
    if missing:
        msg = (
            f"the HubSpot token lacks required scope(s) {', '.join(missing)}: reinstall the app"
            " granting them (tap-hubspot-qobra-connect)"
        )
        raise ConfigError(msg)


def _readable(spec: tables.TableSpec, scopes: set[str] | None) -> bool:
    """Whether the token may read the table; unknown scopes (private-app tokens) are probed later."""
    if scopes is None or scopes & set(spec.read_scopes):
        return True
    LOGGER.warning("Skipping %s: the token lacks scope %s", spec.stream, " or ".join(spec.read_scopes))
    return False


def main() -> None:
    """Console entry point: the SDK CLI, with every failure ending on one readable stderr line."""
    try:
        TapHubspotQobra.cli()
    except (HubSpotError, query.FilterError) as exc:
        _fail(str(exc))
    except ConfigValidationError as exc:
        details = "; ".join(str(error) for error in exc.errors) or str(exc)
        _fail(f"invalid configuration: {details}")
    except Exception as exc:  # noqa: BLE001 - the contract: a one-line reason, not a traceback
        _fail(f"unexpected {type(exc).__name__}: {exc}")


def _fail(reason: str) -> None:
    line = " ".join(redact(reason).split())
    print(f"tap-hubspot-qobra: {line}", file=sys.stderr, flush=True)  # noqa: T201
    sys.exit(1)
