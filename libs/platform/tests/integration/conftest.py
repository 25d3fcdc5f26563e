import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# messaging_app.py is imported by the tests and run as a child process by them.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _forget_test_events() -> Iterator[None]:
    yield
    import messaging_app

    messaging_app.forget_tick_events()
