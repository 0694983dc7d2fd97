"""A local HubSpot CRM API simulator (see DESIGN.md, "Simulator")."""
