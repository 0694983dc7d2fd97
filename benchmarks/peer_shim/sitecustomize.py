"""Loaded by the peer tap's Python (benchmarks/peer.py puts this folder on PYTHONPATH).

meltano-tap-hubspot hard-codes https://api.hubapi.com in ~30 places and has no setting for it, so
this rewrites that prefix to the simulator URL (env HUBSPOT_SIM_URL) in the one place every
`requests` call goes through. Anything that is not loopback afterwards is refused, so the
benchmark never talks to the real HubSpot.
"""

import os
import urllib.parse

_TARGET = os.environ.get("HUBSPOT_SIM_URL", "").rstrip("/")

if _TARGET:
    import requests.adapters

    _PREFIX = "https://api.hubapi.com"
    _LOOPBACK = {"127.0.0.1", "localhost", "::1"}
    _send = requests.adapters.HTTPAdapter.send

    def send(self, request, *args, **kwargs):
        if request.url.startswith(_PREFIX):
            request.url = _TARGET + request.url[len(_PREFIX):]
        host = urllib.parse.urlsplit(request.url).hostname
        if host not in _LOOPBACK:
            raise RuntimeError(f"benchmark shim: refusing non-loopback request to {host}")
        return _send(self, request, *args, **kwargs)

    requests.adapters.HTTPAdapter.send = send
