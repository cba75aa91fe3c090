import json
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).parent / "events"


@pytest.fixture
def sample_event():
    """Load one of the sample events shipped beside the tests."""

    def load(name: str) -> dict[str, Any]:
        return json.loads((EVENTS / f"{name}.json").read_text())

    return load
