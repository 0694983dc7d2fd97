"""Singer output without a system call per record."""

from __future__ import annotations

import sys
from datetime import datetime

from singer_sdk.contrib.msgspec import MsgSpecWriter, serialize_jsonl
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

    def write_record(self, stream: str, record: dict, version: int | None, extracted: datetime) -> None:
        """A RECORD message without building the SDK's message object: the hot path of a sync."""
        message = {"type": "RECORD", "stream": stream, "record": record, "time_extracted": extracted}
        if version is not None:
            message["version"] = version
        self._pending += serialize_jsonl(message)
        if len(self._pending) >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            sys.stdout.buffer.write(self._pending)
            self._pending = bytearray()
        sys.stdout.flush()
