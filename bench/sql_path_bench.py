"""What one statement costs the service's own process, by the way it is sent: the inbox
claim (``INSERT .. ON CONFLICT DO NOTHING RETURNING``) as a transaction of its own and as
one of many in one transaction, through

* ``orm``: an ``AsyncSession`` executing a prebuilt Core statement (every repository),
* ``core``: an ``AsyncConnection`` executing the same statement,
* ``driver``: the session's transaction, the statement on asyncpg underneath
  (``kairos_platform.db.driver``: the inbox, the outbox and the relay),
* ``asyncpg``: asyncpg alone,

CPU of this process only (``time.process_time``; PostgreSQL's is not in it), on uvloop as
the consumers run. Prints the figures and writes reports/sql-path-<time>.md.

    uv run python bench/sql_path_bench.py [--statements 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import uvloop
from benchlib import ROOT, async_url, machine_header, report_path, table
from sqlalchemy import Column, MetaData, String, Table, Uuid, bindparam
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from kairos_localstack.postgres import PostgresServer, create_database
from kairos_platform.db import driver

SQL = (
    "INSERT INTO inbox (consumer, event_id, event_type, outcome) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"
)
_inbox = Table(
    "inbox",
    MetaData(),
    Column("consumer", String, primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("event_type", String),
    Column("outcome", String),
)
STATEMENT = (
    insert(_inbox)
    .values(
        consumer=bindparam("c"),
        event_id=bindparam("e"),
        event_type=bindparam("t"),
        outcome=bindparam("o"),
    )
    .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
    .returning(_inbox.c.event_id)
)

Step = Callable[[], Awaitable[None]]


def _params() -> dict[str, object]:
    return {"c": "bench", "e": uuid.uuid4(), "t": "Tick", "o": "handled"}


def ways(engine: AsyncEngine, plain: asyncpg.Connection) -> dict[str, tuple[Step, Step]]:
    """Per way: (a transaction with the statement, the statement in an open transaction)."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def orm_tx() -> None:
        async with sessions() as s:
            (await s.execute(STATEMENT, _params())).first()
            await s.commit()

    async def core_tx() -> None:
        async with engine.connect() as c:
            (await c.execute(STATEMENT, _params())).first()
            await c.commit()

    async def driver_tx() -> None:
        async with sessions() as s:
            await (await driver(s)).fetchval(SQL, "bench", uuid.uuid4(), "Tick", "handled")
            await s.commit()

    async def asyncpg_tx() -> None:
        async with plain.transaction():
            await plain.fetchval(SQL, "bench", uuid.uuid4(), "Tick", "handled")

    return {
        "orm": (orm_tx, orm_tx),
        "core": (core_tx, core_tx),
        "driver": (driver_tx, driver_tx),
        "asyncpg": (asyncpg_tx, asyncpg_tx),
    }


async def in_one_transaction(
    way: str, engine: AsyncEngine, plain: asyncpg.Connection, n: int
) -> float:
    """CPU µs per statement, ``n`` of them in one transaction."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    started = time.process_time()
    if way in ("orm", "core"):
        async with sessions() if way == "orm" else engine.connect() as s:
            for _ in range(n):
                (await s.execute(STATEMENT, _params())).first()
            await s.commit()
    else:
        async with sessions() as s:
            conn = await driver(s) if way == "driver" else plain
            for _ in range(n):
                await conn.fetchval(SQL, "bench", uuid.uuid4(), "Tick", "handled")
            await s.commit()
    return (time.process_time() - started) / n * 1e6


async def per_transaction(step: Step, n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        await step()
    return (time.process_time() - started) / n * 1e6


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kairos-sql-path-"))
    pg = PostgresServer(tmp / "pg")
    pg.start()
    try:
        url = await create_database(pg.url(), "sql_path")
        plain = await asyncpg.connect(url)
        await plain.execute(
            "CREATE TABLE inbox (consumer text, event_id uuid, event_type text, outcome text,"
            " PRIMARY KEY (consumer, event_id))"
        )
        engine = create_async_engine(async_url(url), pool_size=2)
        results: dict[str, tuple[list[float], list[float]]] = {}
        for _ in range(args.rounds):  # ways alternated: the machine's speed drifts
            for way, (tx, _) in ways(engine, plain).items():
                alone, many = results.setdefault(way, ([], []))
                alone.append(await per_transaction(tx, args.statements))
                many.append(await in_one_transaction(way, engine, plain, args.statements))
        await engine.dispose()
        await plain.close()
    finally:
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    report(args, results)


def report(args: argparse.Namespace, results: dict[str, tuple[list[float], list[float]]]) -> None:
    base_alone, base_many = (min(v) for v in results["asyncpg"])
    rows = []
    for way, (alone, many) in results.items():
        a, m = min(alone), min(many)
        rows.append(
            (way, f"{a:.0f}", f"{a / base_alone:.1f}x", f"{m:.0f}", f"{m / base_many:.1f}x")
        )
        print(
            f"{way:8} transaction of one statement {a:6.0f} µs, a statement among many {m:5.0f} µs"
        )
    header = ("way", "µs CPU per transaction of one statement", "vs asyncpg", "µs CPU per statement in one transaction", "vs asyncpg")  # fmt: skip
    path = report_path(ROOT / "reports", "sql-path")
    settings = f"{args.statements} statements per figure, best of {args.rounds} alternated rounds"
    path.write_text(
        "# One statement's CPU in the service process, by the way it is sent\n\n"
        + f"Command: `uv run python bench/sql_path_bench.py --statements {args.statements} --rounds {args.rounds}`\n\n"
        + machine_header(settings)
        + "\n"
        + table(header, rows)
    )
    print(f"report: {path}")


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("--statements", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    return ap.parse_args()


if __name__ == "__main__":
    uvloop.run(run(parse_args()))
