"""Object types the portal knows but holds no records of, at every scale.

Some clients ask for their properties at start-up (meltano-tap-hubspot reads the properties of
leads, communications, notes and postal_mail to build its catalog), so the simulator answers the
properties, list and search endpoints for them: a small property list, and no records. They are
built after every other object type and draw from no random stream: the data of the other objects
is the same as without them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tap_hubspot_qobra.tables import CONTACTS_SCOPE


@dataclass(frozen=True)
class EmptyType:
    name: str
    type_id: str
    label: tuple[str, str]  # singular, plural
    name_field: str  # the record's name or body
    read_scopes: tuple[str, ...]  # alternatives: any one grants read access


EMPTY_TYPES: tuple[EmptyType, ...] = (
    EmptyType("leads", "0-136", ("Lead", "Leads"), "hs_lead_name", ("crm.objects.leads.read",)),
    EmptyType("communications", "0-18", ("Communication", "Communications"), "hs_communication_body",
              (CONTACTS_SCOPE, "crm.objects.communications.read")),
    EmptyType("notes", "0-46", ("Note", "Notes"), "hs_note_body", (CONTACTS_SCOPE, "crm.objects.notes.read")),
    EmptyType("postal_mail", "0-116", ("Postal mail", "Postal mail"), "hs_postal_mail_body",
              (CONTACTS_SCOPE, "crm.objects.postal_mail.read")),
)
