"""A private PostgreSQL cluster made with the machine's own binaries, or an external server.

``PostgresServer(data_dir).start()`` runs initdb once, then ``postgres`` as a direct child
(its own process group, not daemonised by pg_ctl) so the pid is known and stop() is exact.
If ``DATABASE_URL`` is set, use ``PostgresServer.external(url)`` instead: nothing is started
and per-service databases are created on that server.

initdb refuses to run as root. When we are root the data dir is chowned to the ``postgres``
user and initdb/postgres run as that user (Popen(user=...), the same as ``runuser -u
postgres --`` but without an intermediate process, so the pid we hold is postgres itself).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

import asyncpg

from kairos_localstack.ports import free_port, port_open
from kairos_localstack.proc import StartupError, as_user, spawn, stop_group, wait_until

# Settings for a throwaway local/test cluster: durability is traded for speed.
_CONF = """
# --- kairos local stack ---
listen_addresses = '127.0.0.1'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
log_min_messages = warning
"""

# sockaddr_un.sun_path is 108 bytes; longer socket paths make postgres refuse to start.
_MAX_SOCKET_PATH = 100


def find_pg_bin(name: str) -> str:
    """Path of a PostgreSQL server binary: PATH first, then /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise StartupError(f"PostgreSQL binary {name!r} not found on PATH or /usr/lib/postgresql")


def db_url(server_url: str, dbname: str) -> str:
    """server_url with its database name replaced (same host, port, credentials, query)."""
    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + dbname))


def _plain(url: str) -> str:
    # asyncpg wants libpq-style URLs; tolerate SQLAlchemy's driver suffix.
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


async def create_database(server_url: str, name: str) -> str:
    """Create database `name` on the server of server_url unless it exists; return its URL."""
    conn = await asyncpg.connect(_plain(db_url(server_url, "postgres")))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            quoted = '"' + name.replace('"', '""') + '"'
            try:
                await conn.execute(f"CREATE DATABASE {quoted}")
            except asyncpg.DuplicateDatabaseError:
                pass  # lost a race with a concurrent creator: fine, it exists
    finally:
        await conn.close()
    return db_url(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    """Drop database `name` (terminating its connections); no error if missing."""
    conn = await asyncpg.connect(_plain(db_url(server_url, "postgres")))
    try:
        quoted = '"' + name.replace('"', '""') + '"'
        await conn.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    finally:
        await conn.close()


class PostgresServer:
    """One PostgreSQL cluster: private (data_dir) or external (url given)."""

    def __init__(
        self,
        data_dir: Path | str | None,
        port: int | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).resolve() if data_dir is not None else None
        self.port = port
        #: server settings given as ``-c name=value`` at each start (the bench's
        #: ``shared_preload_libraries=pg_stat_statements``), on top of postgresql.conf
        self.settings = dict(settings or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None
        self._external_url: str | None = None

    @classmethod
    def external(cls, url: str) -> PostgresServer:
        server = cls(None)
        server._external_url = url
        parts = urllib.parse.urlsplit(url)
        server.port = parts.port or 5432
        return server

    @property
    def is_external(self) -> bool:
        return self._external_url is not None

    @property
    def log_file(self) -> Path | None:
        return self.data_dir.parent / "logs" / "postgres.log" if self.data_dir else None

    def url(self, dbname: str = "postgres") -> str:
        if self._external_url is not None:
            return db_url(self._external_url, dbname)
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    # -- lifecycle -------------------------------------------------------------------

    def _run_as(self) -> str | None:
        return "postgres" if os.geteuid() == 0 else None

    def _prepare_root_access(self) -> None:
        """As root: data dir owned by postgres, and every parent traversable by it."""
        assert self.data_dir is not None
        pw = pwd.getpwnam("postgres")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chown(self.data_dir, pw.pw_uid, pw.pw_gid)
        for parent in self.data_dir.parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                # Only the traverse bit for "others"; directory listing stays private.
                parent.chmod(mode | 0o001)

    def _initdb(self) -> None:
        assert self.data_dir is not None
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        user = self._run_as()
        if user:
            self._prepare_root_access()
        argv = [find_pg_bin("initdb"), "-D", str(self.data_dir), "-U", "postgres"]
        argv += ["--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]
        res = subprocess.run(
            argv, capture_output=True, text=True, check=False, cwd=self.data_dir, **as_user(user)
        )
        if res.returncode != 0:
            raise StartupError(f"initdb failed ({res.returncode}): {res.stderr.strip()}")
        with open(self.data_dir / "postgresql.conf", "a") as f:
            f.write(_CONF)

    def _ready(self) -> bool:
        """postmaster.pid's 8th line turns to 'ready' once connections are accepted."""
        assert self.data_dir is not None
        lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        return (
            len(lines) >= 8
            and lines[7].strip() == "ready"
            and port_open("127.0.0.1", self.port or 0)
        )

    def start(self, timeout: float = 60.0) -> None:
        if self.is_external or self.proc is not None:
            return
        assert self.data_dir is not None
        self._initdb()
        if self.port is None:
            self.port = free_port()
        sock_dir = str(self.data_dir)
        if len(f"{sock_dir}/.s.PGSQL.{self.port}.lock") > _MAX_SOCKET_PATH:
            sock_dir = ""  # path too long for a Unix socket: TCP only
        argv = [find_pg_bin("postgres"), "-D", str(self.data_dir), "-p", str(self.port)]
        argv += ["-c", f"unix_socket_directories={sock_dir}"]
        for name, value in self.settings.items():
            argv += ["-c", f"{name}={value}"]
        self.proc = spawn(argv, self.log_file, cwd=self.data_dir, user=self._run_as())
        self.pid = self.proc.pid
        wait_until(self._ready, timeout, "postgres", self.proc, self.log_file)

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT: roll back sessions, checkpoint, exit) and wait for it."""
        if self.proc is None:
            return
        stop_group(self.proc.pid, timeout=timeout, sig=signal.SIGINT, proc=self.proc)
        self.proc = None
        self.pid = None

    def restart(self, timeout: float = 60.0) -> None:
        self.stop()
        self.start(timeout)

    def wait_ready(self, timeout: float = 30.0) -> None:
        if self.is_external:
            parts = urllib.parse.urlsplit(self._external_url or "")
            host = parts.hostname or "127.0.0.1"
            wait_until(lambda: port_open(host, self.port or 5432), timeout, "external postgres")
        else:
            wait_until(self._ready, timeout, "postgres", self.proc, self.log_file)

    async def create_database(self, name: str) -> str:
        return await create_database(self.url(), name)
