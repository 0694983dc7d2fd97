"""Helpers shared by the simulator tests (a unique module name: no clash with other conftests)."""

from __future__ import annotations

import requests


def search_all(http: requests.Session, url: str, object_type: str, body: dict) -> tuple[int, list[dict]]:
    """Every page of a search (offset paging); returns (total, results)."""
    out, after, total = [], None, None
    while True:
        page_body = dict(body, limit=200, **({"after": after} if after else {}))
        r = http.post(f"{url}/crm/v3/objects/{object_type}/search", json=page_body)
        assert r.status_code == 200, r.text
        data = r.json()
        total = data["total"] if total is None else total
        out += data["results"]
        after = data.get("paging", {}).get("next", {}).get("after")
        if not after:
            return total, out
