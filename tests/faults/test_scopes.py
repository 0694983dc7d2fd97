"""403 MISSING_SCOPES met mid-run: an optional table is skipped with a warning, a required one fails
with the scope named."""

from __future__ import annotations

import pytest

from hubspot_simulator.auth import missing_scopes
from tap_hubspot_qobra.errors import MissingScopesError
from tests.tap.singer_run import run_tap

from .conftest import assert_exact, catalog_for, fast, inject


def scope_lost(sim, path_part: str, scope: str) -> dict:
    body = missing_scopes((scope,)).body
    return inject(sim, status=403, body=body, times=10_000, when=lambda info: path_part in info.path)


def test_an_optional_table_losing_its_scope_mid_run_is_skipped(healthy, caplog):
    sim, config = healthy
    catalog = catalog_for(config, ("deals", "line_items", "contacts"))
    fired = scope_lost(sim, "/line_items/", "e-commerce")
    result = run_tap(config, catalog=catalog, prepare=fast())
    assert fired["n"] >= 1
    assert_exact(result, sim, ("deals", "contacts"))
    assert result.bookmark("line_items") is None
    assert "line_items" in caplog.text and "e-commerce" in caplog.text


def test_a_required_table_losing_its_scope_fails_with_the_scope_named(healthy):
    sim, config = healthy
    catalog = catalog_for(config, ("deals", "contacts"))
    scope_lost(sim, "/deals/", "crm.objects.deals.read")
    with pytest.raises(MissingScopesError, match="crm.objects.deals.read") as caught:
        run_tap(config, catalog=catalog, prepare=fast())
    assert "\n" not in str(caught.value)
    assert caught.value.partial_result.bookmark("deals") is None
