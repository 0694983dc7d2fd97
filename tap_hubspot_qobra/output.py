"""Singer output without a system call per record."""

from __future__ import annotations

import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import RecordMessage

FLUSH_BYTES = 1 << 16


class BufferedMsgSpecWriter(MsgSpecWriter):
    """msgspec's fast encoder, with records gathered into large writes.

    The SDK's writer flushes after each record, and stdout is often unbuffered (PYTHONUNBUFFERED):
    one write() per row was the largest share of a sync's CPU. Records are gathered instead; every
    STATE, SCHEMA and ACTIVATE_VERSION message writes them out first, so a bookmark never reaches
    the target ahead of the records it covers.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pending = bytearray()

    def write_message(self, message: object) -> None:
        self._pending += self.format_message(message)
        if not isinstance(message, RecordMessage) or len(self._pending) >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            sys.stdout.buffer.write(self._pending)
            self._pending = bytearray()
        sys.stdout.flush()
