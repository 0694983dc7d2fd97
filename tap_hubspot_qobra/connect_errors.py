"""The one error type of the OAuth install flow (`tap-hubspot-qobra-connect`)."""

from __future__ import annotations

from collections.abc import Iterable

USER_ERROR = 2  # the user can fix it: flags, credentials, denied access, scopes, a stale tab
RUNTIME_ERROR = 1  # HubSpot, the network or Meltano failed


class ConnectError(Exception):
    """A failure of the install flow whose message is one human-readable line."""

    def __init__(self, message: str, exit_code: int = USER_ERROR) -> None:
        super().__init__(" ".join(message.split()))  # one line, whatever the source text held
        self.exit_code = exit_code


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every non-empty secret replaced by `***` (for text that came from elsewhere)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
