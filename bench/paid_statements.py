"""The paid bench's ``--statements``: every SQL statement the services ran during the load,
counted by PostgreSQL's pg_stat_statements (loaded at the private server's start), per
service database and per paid booking. A statement costs more in the service's Python
(SQLAlchemy, asyncpg, the event loop) than in PostgreSQL, so their count per booking is
what the CPU per booking follows."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

#: what ``Stack(postgres_settings=...)`` needs for the counts
SETTINGS = {"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.max": "5000"}


@dataclass(frozen=True)
class Statement:
    database: str
    calls: int
    exec_ms: float
    query: str


async def reset(admin_url: str) -> None:
    """The extension in the admin database (its view lists every database's statements),
    and its counts set to zero: called just before the load."""
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.execute("SELECT pg_stat_statements_reset()")
    finally:
        await conn.close()


async def read(admin_url: str, databases: dict[str, str]) -> list[Statement]:
    """The statements run since ``reset`` in the services' databases (``{service: db}``),
    most called first."""
    by_db = {db: service for service, db in databases.items()}
    conn = await asyncpg.connect(admin_url)
    try:
        rows = await conn.fetch(
            """
            SELECT d.datname, s.calls, s.total_exec_time, s.query
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = ANY($1::text[])
            ORDER BY s.calls DESC
            """,
            list(by_db),
        )
    finally:
        await conn.close()
    return [Statement(by_db[r[0]], r[1], r[2], " ".join(r[3].split())) for r in rows]


def per_booking(statements: list[Statement], bookings: int) -> dict[str, tuple[float, float]]:
    """``{service: (statements per paid booking, PostgreSQL's execution ms per booking)}``."""
    out: dict[str, tuple[float, float]] = {}
    for s in statements:
        calls, ms = out.get(s.database, (0.0, 0.0))
        out[s.database] = (calls + s.calls / bookings, ms + s.exec_ms / bookings)
    return dict(sorted(out.items(), key=lambda kv: -kv[1][0]))


def summary(statements: list[Statement], bookings: int) -> str:
    counts = per_booking(statements, bookings)
    total = sum(c for c, _ in counts.values())
    parts = ", ".join(f"{db} {c:.1f}" for db, (c, _) in counts.items())
    return f"SQL statements per paid booking {total:.1f}: {parts}"


def section(statements: list[Statement], bookings: int, top: int = 15) -> str:
    """The report's section: per service the count and PostgreSQL's time per booking, and
    the statements run most."""
    lines = ["\n## SQL statements per paid booking (pg_stat_statements)\n"]
    lines.append("| service | statements | PostgreSQL exec ms |")
    lines.append("|---|---|---|")
    for db, (calls, ms) in per_booking(statements, bookings).items():
        lines.append(f"| {db} | {calls:.1f} | {ms:.2f} |")
    for db in per_booking(statements, bookings):
        lines.append(f"\n### {db}\n")
        lines.append("| per booking | exec ms | statement |")
        lines.append("|---|---|---|")
        for s in [s for s in statements if s.database == db][:top]:
            query = s.query[:140].replace("|", "\\|")
            lines.append(
                f"| {s.calls / bookings:.2f} | {s.exec_ms / max(s.calls, 1):.3f} | `{query}` |"
            )
    return "\n".join(lines) + "\n"
