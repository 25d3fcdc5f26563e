from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# messaging_app.py is imported by the tests (relatively, so mypy resolves it too) and run as a
# child process by them (``python messaging_app.py``).


@pytest.fixture(autouse=True)
def _forget_test_events() -> Iterator[None]:
    yield
    from . import messaging_app

    messaging_app.forget_tick_events()


@pytest.fixture
async def engine(fresh_database: str) -> AsyncIterator[AsyncEngine]:
    """A fresh database with the messaging app's schema."""
    from . import messaging_app

    await messaging_app.create_schema(fresh_database)
    eng = create_async_engine(messaging_app.asyncpg_url(fresh_database), pool_pre_ping=True)
    yield eng
    await eng.dispose()
