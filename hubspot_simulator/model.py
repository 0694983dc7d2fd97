"""The portal's object types and their properties (the metadata, not the records)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tap_hubspot_qobra.tables import CUSTOM_OBJECTS_SCOPE, CUSTOM_SCHEMAS_SCOPE, SEED_TABLES

from .config import PORTAL_ID
from .empty_types import EMPTY_TYPES, EmptyType

META_TS = "2020-01-01T00:00:00.000Z"

# Every type/fieldType pairing of FACTS §3.5, cycled through by the generated extra properties.
PAIRINGS: tuple[tuple[str, str], ...] = (
    ("bool", "booleancheckbox"), ("enumeration", "select"), ("enumeration", "radio"),
    ("enumeration", "checkbox"), ("enumeration", "booleancheckbox"), ("date", "date"),
    ("datetime", "date"), ("number", "number"), ("string", "text"), ("string", "textarea"),
    ("string", "html"), ("string", "file"), ("string", "phonenumber"),
    ("phone_number", "phonenumber"), ("number", "calculation_equation"),
    ("string", "calculation_equation"), ("bool", "calculation_equation"),
    ("datetime", "calculation_equation"), ("json", "text"), ("object_coordinates", "text"),
)

CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY")
DEAL_STAGES = {
    "default": ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
                "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"),
    "renewals": ("renewal_open", "renewal_negotiation", "renewal_won", "renewal_lost"),
}
PIPELINE_LABELS = {"default": "Sales Pipeline", "renewals": "Renewals"}

# (from, to) -> (typeId, name); both directions stored.
ASSOCIATION_TYPES: dict[tuple[str, str], tuple[int, str]] = {
    ("deals", "companies"): (341, "deal_to_company"), ("companies", "deals"): (342, "company_to_deal"),
    ("deals", "contacts"): (3, "deal_to_contact"), ("contacts", "deals"): (4, "contact_to_deal"),
    ("line_items", "deals"): (20, "line_item_to_deal"), ("deals", "line_items"): (19, "deal_to_line_item"),
    ("meetings", "companies"): (188, "meeting_event_to_company"),
    ("companies", "meetings"): (187, "company_to_meeting_event"),
    ("meetings", "deals"): (212, "meeting_event_to_deal"),
    ("deals", "meetings"): (211, "deal_to_meeting_event"),
    ("contacts", "companies"): (279, "contact_to_company"),
    ("companies", "contacts"): (280, "company_to_contact"),
    ("contacts", "meetings"): (199, "contact_to_meeting_event"),
    ("meetings", "contacts"): (200, "meeting_event_to_contact"),
}


def prop(name: str, ptype: str, field_type: str, label: str | None = None,
         options: tuple = (), order: int = 0, **extra: object) -> dict:
    """A `Property` object as the properties API returns it."""
    opts = [
        {"label": str(lbl), "value": str(val), "description": "", "displayOrder": i, "hidden": False}
        for i, (val, lbl) in enumerate(options)
    ]
    body = {
        "name": name, "label": label or name.replace("_", " ").title(), "type": ptype,
        "fieldType": field_type, "groupName": "simulator", "description": "", "options": opts,
        "displayOrder": order, "calculated": field_type == "calculation_equation",
        "externalOptions": False, "hasUniqueValue": name == "hs_object_id", "hidden": False,
        "hubspotDefined": not name.startswith("sim_"), "formField": False,
        "modificationMetadata": {"archivable": True, "readOnlyDefinition": False,
                                 "readOnlyValue": name in ("hs_object_id", "createdate")},
        "createdAt": META_TS, "updatedAt": META_TS, "archived": False,
    }
    body.update(extra)
    return body


def _opts(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v, v.replace("_", " ").title()) for v in values)


def currency(name: str) -> dict:
    return prop(name, "number", "number", showCurrencySymbol=True, numberDisplayHint="currency")


def _stages() -> tuple[tuple[str, str], ...]:
    return tuple((s, s.replace("_", " ").title()) for stages in DEAL_STAGES.values() for s in stages)


def _specific(name: str) -> list[dict]:
    """The object-specific properties (beyond the common ones and the name field)."""
    bool_opts = (("true", "Yes"), ("false", "No"))
    if name == "deals":
        return [
            currency("amount"), prop("deal_currency_code", "enumeration", "select", options=_opts(*CURRENCIES)),
            prop("dealstage", "enumeration", "select", options=_stages()),
            prop("pipeline", "enumeration", "select", options=tuple(PIPELINE_LABELS.items())),
            prop("closedate", "datetime", "date"), prop("hs_is_closed_won", "bool", "booleancheckbox", options=bool_opts),
            prop("hs_priority", "enumeration", "radio", options=_opts("low", "medium", "high")),
            prop("deal_tags", "enumeration", "checkbox", options=_opts("alpha", "beta", "gamma", "delta")),
            prop("description", "string", "textarea"), prop("hs_deal_score", "number", "calculation_equation"),
            prop("contract_start_date", "date", "date"), prop("notes_html", "string", "html"),
            prop("attachment", "string", "file"), prop("phone", "phone_number", "phonenumber"),
            prop("hs_json_data", "json", "text"), prop("hs_location", "object_coordinates", "text"),
            prop("hs_enum_bool", "enumeration", "booleancheckbox", options=bool_opts),
        ]
    if name == "line_items":
        return [currency("price"), currency("amount"), prop("quantity", "number", "number"),
                prop("hs_line_item_currency_code", "enumeration", "select", options=_opts(*CURRENCIES)),
                prop("hs_product_id", "string", "text")]
    if name == "companies":
        return [prop("domain", "string", "text"),
                prop("industry", "enumeration", "select", options=_opts("SOFTWARE", "RETAIL", "BANKING", "HEALTH")),
                prop("numberofemployees", "number", "number"), currency("annualrevenue"),
                prop("is_public", "bool", "booleancheckbox", options=bool_opts),
                prop("founded_date", "date", "date")]
    if name == "contacts":
        return [prop("firstname", "string", "text"), prop("lastname", "string", "text"),
                prop("lifecyclestage", "enumeration", "select",
                     options=_opts("subscriber", "lead", "opportunity", "customer")),
                prop("phone", "phone_number", "phonenumber"),
                prop("hs_email_optout", "bool", "booleancheckbox", options=bool_opts),
                prop("date_of_birth", "date", "date")]
    if name == "goal_targets":
        return [currency("hs_target_amount"), prop("hs_start_datetime", "datetime", "date"),
                prop("hs_end_datetime", "datetime", "date")]
    return _engagement(name)


ENGAGEMENT_STATUS = {
    "meetings": ("hs_meeting_outcome", ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")),
    "calls": ("hs_call_status", ("COMPLETED", "BUSY", "NO_ANSWER", "FAILED", "CANCELED")),
    "emails": ("hs_email_status", ("SENT", "BOUNCED", "FAILED", "SCHEDULED")),
    "tasks": ("hs_task_status", ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")),
}


def _engagement(name: str) -> list[dict]:
    stem = name[:-1]
    status, values = ENGAGEMENT_STATUS[name]
    body_type = "html" if name in ("meetings", "calls") else "textarea"
    return [prop("hs_timestamp", "datetime", "date"), prop(f"hs_{stem}_body", "string", body_type),
            prop(status, "enumeration", "select", options=_opts(*values)),
            prop(f"hs_{stem}_duration", "number", "number")]


CUSTOM_SCHEMAS = (
    ("2-90001", "projects", "project_name", ("Project", "Projects"), lambda: [
        currency("project_budget"),
        prop("project_status", "enumeration", "select", options=_opts("planned", "running", "done")),
        prop("kickoff_date", "date", "date"), prop("is_active", "bool", "booleancheckbox",
                                                   options=(("true", "Yes"), ("false", "No")))]),
    ("2-90002", "Partner_Accounts", "partner_name", ("Partner account", "Partner accounts"), lambda: [
        prop("partner_tier", "enumeration", "radio", options=_opts("silver", "gold", "platinum")),
        prop("revenue_share", "number", "number"), prop("partner_since", "date", "date"),
        prop("website", "string", "text")]),
)


@dataclass
class ObjectDef:
    """One object type of the portal."""

    name: str  # canonical: "contacts", or the objectTypeId of a custom object
    type_id: str
    label: tuple[str, str]
    name_field: str
    last_modified: str
    read_scopes: tuple[str, ...]
    schema_scopes: tuple[str, ...]
    base_count: int  # records at scale 1; 0: none at any scale
    props: list[dict] = field(default_factory=list)
    aliases: tuple[str, ...] = ()
    schema_name: str | None = None  # custom objects only

    @property
    def prop_names(self) -> list[str]:
        return [p["name"] for p in self.props]


BASE_COUNTS = {"contacts": 600, "companies": 200, "deals": 400, "line_items": 600, "meetings": 200,
               "calls": 200, "emails": 200, "tasks": 200, "goal_targets": 30}
CUSTOM_COUNT = 150
LIST_DEFAULTS = {"companies": ("name", "domain"), "contacts": ("firstname", "lastname", "email"),
                 "deals": ("dealname", "amount", "closedate", "pipeline", "dealstage")}


MERGED_IDS = "hs_merged_object_ids"


def default_properties(obj: ObjectDef) -> list[str]:
    """Properties returned when a list/read/search request names none."""
    names = list(LIST_DEFAULTS.get(obj.name, (obj.name_field,)))
    names += ["hs_object_id", "createdate", obj.last_modified]
    return list(dict.fromkeys(names))


def _core(obj: ObjectDef) -> list[dict]:
    """The properties every object type has: id, created and last-modified."""
    return [prop("hs_object_id", "number", "number", label="Record ID"),
            prop("createdate", "datetime", "date", label="Create Date"),
            prop(obj.last_modified, "datetime", "date", label="Last Modified Date")]


def _common(obj: ObjectDef, owner_options: tuple, extra: int) -> list[dict]:
    props = _core(obj) + [
        prop("hubspot_owner_id", "enumeration", "select", label="Owner", options=owner_options,
             referencedObjectType="OWNER"),
        prop(MERGED_IDS, "enumeration", "checkbox", label="Merged record IDs")]
    if obj.name_field not in {p["name"] for p in props}:
        field_type = "text"
        props.append(prop(obj.name_field, "string", field_type))
    for i in range(extra):
        ptype, ftype = PAIRINGS[i % len(PAIRINGS)]
        options = _opts("one", "two", "three") if ptype == "enumeration" else ()
        if ftype == "booleancheckbox":
            options = (("true", "Yes"), ("false", "No"))
        props.append(prop(f"sim_{i:02d}_{ptype}_{ftype}", ptype, ftype, options=options))
    return props


def _empty_object(spec: EmptyType) -> ObjectDef:
    """An object type with a few properties and no records (see empty_types.py)."""
    obj = ObjectDef(spec.name, spec.type_id, spec.label, spec.name_field, "hs_lastmodifieddate",
                    spec.read_scopes, spec.read_scopes + (f"crm.schemas.{spec.name}.read",), 0,
                    aliases=(spec.name, spec.type_id))
    body = spec.name_field.endswith("_body")
    obj.props = _core(obj) + [prop(spec.name_field, "string", "textarea" if body else "text")]
    return obj


def build_objects(owner_options: tuple, extra_properties: int) -> list[ObjectDef]:
    """All object types: standard first, then the two custom objects, then the empty types."""
    objects = []
    for table in SEED_TABLES:
        name = table.object_type
        obj = ObjectDef(name, table.object_type_id, (table.label, table.label), table.name_field,
                        table.last_modified, table.read_scopes,
                        table.read_scopes + (f"crm.schemas.{name}.read",), BASE_COUNTS[name],
                        aliases=(name, table.object_type_id))
        obj.props = _common(obj, owner_options, extra_properties) + _specific(name)
        objects.append(obj)
    for type_id, schema_name, primary, labels, specific in CUSTOM_SCHEMAS:
        fqn = f"p{PORTAL_ID}_{schema_name}"
        obj = ObjectDef(type_id, type_id, labels, primary, "hs_lastmodifieddate",
                        (CUSTOM_OBJECTS_SCOPE,), (CUSTOM_SCHEMAS_SCOPE, CUSTOM_OBJECTS_SCOPE),
                        CUSTOM_COUNT, aliases=(type_id, fqn, f"p_{schema_name}"), schema_name=schema_name)
        obj.props = _common(obj, owner_options, extra_properties) + specific()
        objects.append(obj)
    objects += [_empty_object(spec) for spec in EMPTY_TYPES]
    return objects


def schema_of(obj: ObjectDef) -> dict:
    """The `ObjectSchema` of a custom object."""
    return {
        "id": obj.type_id.split("-")[1], "objectTypeId": obj.type_id,
        "fullyQualifiedName": f"p{PORTAL_ID}_{obj.schema_name}", "name": obj.schema_name,
        "labels": {"singular": obj.label[0], "plural": obj.label[1]},
        "primaryDisplayProperty": obj.name_field, "secondaryDisplayProperties": [],
        "requiredProperties": [obj.name_field], "searchableProperties": [obj.name_field],
        "properties": obj.props, "associations": [], "archived": False,
        "allowsSensitiveProperties": False, "metaType": "PORTAL_SPECIFIC",
        "createdAt": META_TS, "updatedAt": META_TS, "createdByUserId": 7001, "updatedByUserId": 7001,
    }
