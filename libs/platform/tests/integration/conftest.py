from collections.abc import Iterator

import pytest

# messaging_app.py is imported by the tests (relatively, so mypy resolves it too) and run as a
# child process by them (``python messaging_app.py``).


@pytest.fixture(autouse=True)
def _forget_test_events() -> Iterator[None]:
    yield
    from . import messaging_app

    messaging_app.forget_tick_events()
