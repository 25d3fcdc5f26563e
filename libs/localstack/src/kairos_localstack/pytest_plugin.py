"""pytest fixtures backed by the local stack. Load from the root conftest.py:

    pytest_plugins = ["kairos_localstack.pytest_plugin"]

Fixtures (servers start lazily: only tests that request them pay):
  postgres_server   session   PostgresServer: $DATABASE_URL, a container when Docker works,
                              else a private cluster in a temp dir
  fresh_database    function  URL (postgresql://...) of a brand-new, uniquely named database
  make_database     function  factory: make_database(prefix="t") -> URL of another new database
  kafka_broker      session   ApacheKafka, one node in a temp dir (or $KAFKA_BOOTSTRAP_SERVERS)
  kafka_bootstrap   session   its "host:port" bootstrap string
  local_stack       session   the whole platform (Stack.up() in a temp data dir) -> StackState
  smtp_sink         session   SmtpSink writing a Maildir in a temp dir
  keypair           session   (private PEM, public PEM) of a fresh RS256 key for test tokens
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from kairos_localstack.kafka import ApacheKafka
from kairos_localstack.keys import ensure_jwt_keys
from kairos_localstack.postgres import PostgresServer, create_database, drop_database
from kairos_localstack.proc import run_sync
from kairos_localstack.smtp_sink import SmtpSink
from kairos_localstack.stack import temporary_stack
from kairos_localstack.state import StackState


def docker_available() -> bool:
    """A working Docker engine and testcontainers installed (KAIROS_NO_DOCKER=1 opts out)."""
    if os.environ.get("KAIROS_NO_DOCKER") or shutil.which("docker") is None:
        return False
    if importlib.util.find_spec("testcontainers") is None:
        return False
    try:
        res = subprocess.run(["docker", "info"], capture_output=True, timeout=15, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return res.returncode == 0


def _tempdir(prefix: str) -> Path:
    # Under /tmp rather than pytest's tmp_path: short paths (Unix socket length limit) and
    # parents the postgres user can traverse when the tests run as root.
    return Path(tempfile.mkdtemp(prefix=prefix))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if os.environ.get("DATABASE_URL"):
        yield PostgresServer.external(os.environ["DATABASE_URL"])
        return
    if docker_available():  # pragma: no cover - no Docker engine where this was written
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver=None) as container:
            yield PostgresServer.external(container.get_connection_url())
        return
    root = _tempdir("kairos-pg-")
    server = PostgresServer(root / "data")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def make_database(postgres_server: PostgresServer) -> Iterator[Callable[..., str]]:
    """Factory for new databases on postgres_server; all are dropped after the test."""
    created: list[str] = []

    def make(prefix: str = "t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        created.append(name)
        return run_sync(partial(create_database, postgres_server.url(), name))

    yield make
    for name in created:
        with contextlib.suppress(Exception):
            run_sync(partial(drop_database, postgres_server.url(), name))


@pytest.fixture
def fresh_database(make_database: Callable[..., str]) -> str:
    """URL of a brand-new database (dropped after the test)."""
    return make_database("test")


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[ApacheKafka]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield ApacheKafka.external(os.environ["KAFKA_BOOTSTRAP_SERVERS"])
        return
    root = _tempdir("kairos-kafka-")
    broker = ApacheKafka(root / "data", log_file=root / "kafka.log")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: ApacheKafka) -> str:
    return kafka_broker.bootstrap


@pytest.fixture(scope="session")
def local_stack() -> Iterator[StackState]:
    """The whole platform in a temp data dir (env-named real servers are used instead)."""
    with temporary_stack() as state:
        yield state


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    root = _tempdir("kairos-smtp-")
    sink = SmtpSink(root / "maildir", log_file=root / "smtp.log")
    sink.start()
    yield sink
    sink.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def keypair() -> Iterator[tuple[bytes, bytes]]:
    root = _tempdir("kairos-keys-")
    private, public = ensure_jwt_keys(root)
    yield private.read_bytes(), public.read_bytes()
    shutil.rmtree(root, ignore_errors=True)
