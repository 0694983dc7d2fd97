"""The table registry: every CRM table the tap knows, as data.

One generic CRM stream is parameterised by a `TableSpec`; adding a seed table is adding a row here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONTACTS_SCOPE = "crm.objects.contacts.read"
COMPANIES_SCOPE = "crm.objects.companies.read"
DEALS_SCOPE = "crm.objects.deals.read"
OWNERS_SCOPE = "crm.objects.owners.read"
CUSTOM_OBJECTS_SCOPE = "crm.objects.custom.read"
CUSTOM_SCHEMAS_SCOPE = "crm.schemas.custom.read"
GOALS_SCOPE = "crm.objects.goals.read"
ECOMMERCE_SCOPE = "e-commerce"

REQUIRED_SCOPES: tuple[str, ...] = (
    COMPANIES_SCOPE,
    "crm.schemas.companies.read",
    CONTACTS_SCOPE,
    "crm.schemas.contacts.read",
    DEALS_SCOPE,
    "crm.schemas.deals.read",
    OWNERS_SCOPE,
)
OPTIONAL_SCOPES: tuple[str, ...] = (
    CUSTOM_OBJECTS_SCOPE,
    CUSTOM_SCHEMAS_SCOPE,
    GOALS_SCOPE,
    ECOMMERCE_SCOPE,
)

DEFAULT_LAST_MODIFIED = "hs_lastmodifieddate"


@dataclass(frozen=True)
class TableSpec:
    """What the tap needs to know about one HubSpot CRM object type.

    `read_scopes` are alternatives: any one of them grants read access (HubSpot's spec `security`
    arrays are OR-lists).
    """

    stream: str
    object_type: str  # the path segment used in API calls (name, or objectTypeId for custom objects)
    object_type_id: str
    label: str
    name_field: str
    read_scopes: tuple[str, ...]
    currency_field: str | None = None
    jointures: tuple[str, ...] = ()
    last_modified: str = DEFAULT_LAST_MODIFIED
    optional: bool = False


SEED_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "deals", "deals", "0-3", "Deals", "dealname", (DEALS_SCOPE,),
        currency_field="deal_currency_code", jointures=("companies", "contacts"),
    ),
    TableSpec("companies", "companies", "0-2", "Companies", "name", (COMPANIES_SCOPE,)),
    TableSpec(
        "line_items", "line_items", "0-8", "Line items", "name",
        ("crm.objects.line_items.read", ECOMMERCE_SCOPE),
        currency_field="hs_line_item_currency_code", jointures=("deals",), optional=True,
    ),
    TableSpec(
        "meetings", "meetings", "0-47", "Meetings", "hs_meeting_title",
        (CONTACTS_SCOPE, "crm.objects.meetings.read"), jointures=("companies", "deals"),
    ),
    TableSpec(
        "calls", "calls", "0-48", "Calls", "hs_call_title",
        (CONTACTS_SCOPE, "crm.objects.calls.read"),
    ),
    TableSpec(
        "emails", "emails", "0-49", "Emails", "hs_email_subject",
        (CONTACTS_SCOPE, "crm.objects.emails.read", "sales-email-read"),
    ),
    TableSpec(
        "tasks", "tasks", "0-27", "Tasks", "hs_task_subject",
        (CONTACTS_SCOPE, "crm.objects.tasks.read"),
    ),
    TableSpec(
        "contacts", "contacts", "0-1", "Contacts", "email", (CONTACTS_SCOPE,),
        jointures=("companies", "meetings"), last_modified="lastmodifieddate",
    ),
    TableSpec(
        "goals", "goal_targets", "0-74", "Goals", "hs_goal_name", (GOALS_SCOPE,), optional=True,
    ),
)

SEED_BY_STREAM: dict[str, TableSpec] = {table.stream: table for table in SEED_TABLES}


def stream_name_for(schema_name: str) -> str:
    """Stream name of a custom object: its schema `name`, lower-cased, `[^a-z0-9_]` -> `_`."""
    return re.sub(r"[^a-z0-9_]", "_", schema_name.lower())


def custom_table(schema: dict) -> TableSpec:
    """The spec of a custom object, from its `/crm-object-schemas/v3/schemas` entry."""
    labels = schema.get("labels") or {}
    return TableSpec(
        stream=stream_name_for(str(schema["name"])),
        object_type=str(schema["objectTypeId"]),
        object_type_id=str(schema["objectTypeId"]),
        label=str(labels.get("plural") or schema["name"]),
        name_field=str(schema.get("primaryDisplayProperty") or "hs_object_id"),
        read_scopes=(CUSTOM_OBJECTS_SCOPE,),
        optional=True,
    )
