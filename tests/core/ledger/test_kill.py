"""A writer killed with SIGKILL in the middle of a batch: afterwards every entry is wholly
applied or absent, ``verify`` passes, and re-running the batch completes it exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import orjson
from sqlalchemy import func, select, text

from lastro.core.ledger.models import LedgerEntry
from lastro.infra.database import create_engine
from tests.conftest import DatabaseUrls
from tests.core.ledger.conftest import Books

ROOT = Path(__file__).resolve().parents[3]
SIZE = {"postgres": 40_000, "sqlite": 8_000}


def spawn(
    urls: DatabaseUrls, books: Books, batches: int, size: int, first: int = 1
) -> subprocess.Popen[str]:
    accounts = [str(books["banco"]), str(books["cliente_a"]), str(books["cliente_b"])]
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.core.ledger.kill_writer",
            urls.app,
            str(books.tenant_id),
            orjson.dumps(accounts).decode(),
            str(batches),
            str(size),
            str(first),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def read_line(proc: subprocess.Popen[str], timeout: float = 120) -> str:
    assert proc.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), timeout)
    assert line, f"writer exited early: {proc.stderr.read() if proc.stderr else ''}"
    return line.strip()


async def writing(urls: DatabaseUrls, deadline: float) -> None:
    """Wait until the writer's INSERT is running (PostgreSQL): the kill then lands mid-write."""
    engine = create_engine(urls.owner)
    try:
        while time.monotonic() < deadline:
            async with engine.connect() as conn:
                busy = await conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE usename = 'lastro_app' "
                        "AND state = 'active' AND query LIKE '%ledger_write%' "
                        "AND datname = current_database()"
                    )
                )
            if busy:
                return
            await asyncio.sleep(0.02)
    finally:
        await engine.dispose()


async def writer_gone(urls: DatabaseUrls) -> None:
    """The server notices the dead client when its statement ends; wait for the rollback."""
    if urls.backend != "postgres":
        return
    engine = create_engine(urls.owner)
    try:
        for _ in range(600):
            async with engine.connect() as conn:
                left = await conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE usename = 'lastro_app' "
                        "AND datname = current_database() AND query LIKE '%ledger_write%'"
                    )
                )
            if not left:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the killed writer's transaction never ended")
    finally:
        await engine.dispose()


async def batch_sizes(books: Books) -> dict[int, int]:
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        keys = (await session.scalars(select(LedgerEntry.idempotency_key))).all()
    sizes: dict[int, int] = {}
    for key in keys:
        batch = int(key.split("-")[1])
        sizes[batch] = sizes.get(batch, 0) + 1
    return sizes


async def test_sigkill_mid_batch(books: Books, database_urls: DatabaseUrls) -> None:
    size = SIZE[database_urls.backend]
    proc = spawn(database_urls, books, batches=3, size=size)
    try:
        assert await read_line(proc) == "START 1"
        assert (await read_line(proc)).startswith("DONE 1")
        assert await read_line(proc) == "START 2"
        if database_urls.backend == "postgres":
            await writing(database_urls, time.monotonic() + 60)
            await asyncio.sleep(0.05)
        else:
            await asyncio.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    await writer_gone(database_urls)

    sizes = await batch_sizes(books)
    assert sizes.get(1) == size and sizes.get(2, 0) in (0, size) and 3 not in sizes
    report = await books.assert_verified()  # also: every entry has all of its postings
    assert report.entries == sum(sizes.values())
    assert await books.posted("banco") == Decimal(report.entries) / 100

    # running the interrupted batch again applies the missing entries, and only them
    again = spawn(database_urls, books, batches=1, size=size, first=2)
    _, err = await asyncio.to_thread(again.communicate, timeout=240)
    assert again.returncode == 0, err
    assert await batch_sizes(books) == {1: size, 2: size}
    await books.assert_verified()
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 2 * size
