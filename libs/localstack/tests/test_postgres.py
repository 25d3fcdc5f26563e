from collections.abc import Callable

import asyncpg
import pytest

from kairos_localstack.postgres import PostgresServer, create_database, db_url
from kairos_localstack.proc import pid_alive

pytestmark = pytest.mark.integration


def test_db_url_replaces_only_the_database() -> None:
    url = "postgresql://u:p@db.example:6543/app?sslmode=require"
    assert db_url(url, "other") == "postgresql://u:p@db.example:6543/other?sslmode=require"


async def test_start_create_database_stop_leaves_no_process(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="kairos-pgtest-"))
    server = PostgresServer(root / "data")
    server.start()
    pid = server.pid
    assert pid is not None and pid_alive(pid)
    try:
        url = await create_database(server.url(), "kairos_thing")
        assert await create_database(server.url(), "kairos_thing") == url  # idempotent
        conn = await asyncpg.connect(url)
        assert await conn.fetchval("SELECT current_database()") == "kairos_thing"
        assert await conn.fetchval("SHOW max_connections") == "300"
        await conn.close()

        server.restart()
        conn = await asyncpg.connect(url)  # same port, data survived the restart
        assert await conn.fetchval("SELECT 1") == 1
        await conn.close()
        pid = server.pid
    finally:
        server.stop()
    assert pid is not None and not pid_alive(pid)
    with pytest.raises(OSError):
        await asyncpg.connect(server.url(), timeout=2)


async def test_fresh_database_is_new_and_empty(
    fresh_database: str, make_database: Callable[..., str]
) -> None:
    other = make_database("other")
    assert other != fresh_database
    conn = await asyncpg.connect(fresh_database)
    tables = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    await conn.close()
    assert tables == 0
