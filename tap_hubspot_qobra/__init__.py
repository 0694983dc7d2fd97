"""Singer tap for the HubSpot CRM: typed, joinable tables, parallel incremental sync."""
