"""Errors the trainer reports to its caller with a stable code (mirrors src/core/errors.ts codes)."""


class TrainingError(Exception):
    """A failure a person can act on. `code` is one of the CipherLensError codes (DATASET, BAD_INPUT, ...)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
