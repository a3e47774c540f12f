"""Progress as JSON lines on stdout, one object per line with an "event" field; the TypeScript side parses them.
Everything else the libraries print is sent to stderr so stdout stays machine-readable."""

from __future__ import annotations

import json
import math
import sys
from typing import Callable, TextIO


class Progress:
    def __init__(self, stream: TextIO):
        self.stream = stream

    def emit(self, event: str, **fields: object) -> None:
        record = {"event": event, **{key: clean(value) for key, value in fields.items()}}
        self.stream.write(json.dumps(record, separators=(",", ":")) + "\n")
        self.stream.flush()


def clean(value: object) -> object:
    """JSON has no NaN/Infinity; report them as null rather than emitting invalid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(item) for item in value]
    return value


def take_stdout() -> tuple[Progress, Callable[[], None]]:
    """Reserve the real stdout for progress records and point sys.stdout at stderr for everything else.
    Returns the emitter and a function that undoes the redirection."""
    original = sys.stdout
    progress = Progress(original)
    sys.stdout = sys.stderr

    def restore() -> None:
        sys.stdout = original

    return progress, restore
