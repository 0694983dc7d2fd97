"""A local HubSpot CRM API simulator (see DESIGN.md, "Simulator", and README.md here)."""

from .config import (
    SIM_CLIENT_ID,
    SIM_CLIENT_SECRET,
    SIM_PRIVATE_TOKEN,
    SIM_REFRESH_TOKEN,
    SimConfig,
)
from .portal import Portal
from .server import RequestInfo
from .sim import Simulator

__all__ = [
    "SIM_CLIENT_ID",
    "SIM_CLIENT_SECRET",
    "SIM_PRIVATE_TOKEN",
    "SIM_REFRESH_TOKEN",
    "Portal",
    "RequestInfo",
    "SimConfig",
    "Simulator",
]
