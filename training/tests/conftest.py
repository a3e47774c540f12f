import io
import json

import pytest

from training.progress import Progress
from training.synthetic import write_export


class RecordingProgress(Progress):
    """Collects the emitted records instead of printing them."""

    def __init__(self):
        super().__init__(io.StringIO())

    @property
    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def of(self, event: str) -> list[dict]:
        return [r for r in self.records if r["event"] == event]


@pytest.fixture
def progress() -> RecordingProgress:
    return RecordingProgress()


@pytest.fixture(scope="session")
def plain_export(tmp_path_factory) -> str:
    directory = str(tmp_path_factory.mktemp("plain"))
    write_export(directory, condition="plain")
    return directory


@pytest.fixture(scope="session")
def encrypted_export(tmp_path_factory) -> str:
    directory = str(tmp_path_factory.mktemp("arnold-xor"))
    write_export(directory, condition="arnold+xor")
    return directory
