"""The tap's error types: each carries a one-line, secret-free message meant for the user."""

from __future__ import annotations


class HubSpotError(Exception):
    """A failure talking to HubSpot that ends the run (after any retries)."""


class ConfigError(HubSpotError):
    """The configuration cannot work; nothing was requested from HubSpot yet."""


class AuthError(HubSpotError):
    """The credentials were rejected: the user must reconnect or fix them."""


class MissingScopesError(HubSpotError):
    """The token lacks a scope that a request needs."""

    def __init__(self, message: str, scopes: tuple[str, ...]) -> None:
        super().__init__(message)
        self.scopes = scopes


class DailyLimitError(HubSpotError):
    """The account's daily API budget is spent; retrying today is pointless."""


class WriteRefusedError(HubSpotError):
    """A request that is not a read was about to leave the process: the tap never writes."""


class ApiAnswerError(HubSpotError):
    """HubSpot answered with an error that retrying will not change (4xx other than the above)."""

    def __init__(self, message: str, status: int, category: str) -> None:
        super().__init__(message)
        self.status = status
        self.category = category


class RetriesExhaustedError(HubSpotError):
    """Transient faults went on longer than the retry policy allows."""
