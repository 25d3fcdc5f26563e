import os
import sys
import uuid
from pathlib import Path

import pytest

# messaging_app.py is imported by the tests and run as a child process by them.
sys.path.insert(0, str(Path(__file__).parent))

if "KAIROS_TMP_FIXTURES" in os.environ:  # until the local stack fixtures land
    @pytest.fixture
    async def fresh_database() -> str:
        import asyncpg
        name = "t_" + uuid.uuid4().hex[:10]
        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        return os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name

    @pytest.fixture
    def kafka_bootstrap() -> str:
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"]
