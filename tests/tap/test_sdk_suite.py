"""The Singer SDK's standard tap tests, against a small simulated portal.

The SDK builds the tap while collecting this module, so the simulator must be up at import time.
"""

from __future__ import annotations

import atexit

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from hubspot_simulator import SimConfig, Simulator
from tap_hubspot_qobra.tap import TapHubspotQobra

from .conftest import tap_config

_SIM = Simulator(SimConfig(seed=5, scale=0.1, search_per_second=None, per_10s=None)).start()
atexit.register(_SIM.stop)

TestTapHubspotQobra = get_tap_test_class(
    tap_class=TapHubspotQobra,
    config=tap_config(_SIM),
    parse_env_config=False,
    suite_config=SuiteConfig(max_records_limit=40),
)
