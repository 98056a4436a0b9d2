"""Running an export: rows streamed from the database in chunks into a writer.

Rows are read with a server-side cursor (``yield_per``) in a session bound to the tenant, so
the tenancy guard scopes the source's query and only one chunk is in memory at a time. On
PostgreSQL the cursor needs a transaction (a plain one, rolled back at the end); on SQLite a
deferred read transaction, which does not block writers under WAL.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, BinaryIO, TypeVar

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.exports.registry import AnySelect, ExportSource
from lastro.core.exports.writers import Format, make_writer
from lastro.core.web.branding import Brand
from lastro.infra.database import Database

CHUNK_ROWS = 2000
T = TypeVar("T")
Progress = Callable[[int], Awaitable[None]]


def read_session(db: Database, tenant_id: uuid.UUID) -> AsyncSession:
    return db.session(tenant_id=tenant_id, readonly=db.dialect != "postgresql")


async def count_rows(session: AsyncSession, stmt: AnySelect) -> int:
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return int(total or 0)


async def stream_chunks(
    db: Database, tenant_id: uuid.UUID, stmt: AnySelect, *, chunk: int = CHUNK_ROWS
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """The statement's rows, ``chunk`` at a time, as plain tuples."""
    async with read_session(db, tenant_id) as session:
        result = await session.stream(stmt.execution_options(yield_per=chunk))
        async for part in result.partitions(chunk):
            yield [tuple(row) for row in part]


async def write_export(
    db: Database,
    tenant_id: uuid.UUID,
    source: ExportSource,
    filters: Mapping[str, Any],
    fmt: Format,
    out: BinaryIO,
    brand: Brand,
    *,
    progress: Progress | None = None,
    every: float = 2.0,
    limit: int | None = None,
    chunk: int = CHUNK_ROWS,
) -> int:
    """Write the whole export to ``out``; returns the row count. ``progress`` is awaited with
    the rows written so far at most every ``every`` seconds."""
    stmt = source.query(filters)
    if limit is not None:
        stmt = stmt.limit(limit)
    writer = await anyio.to_thread.run_sync(
        lambda: make_writer(fmt, out, source.columns, source.title, brand)
    )
    done = 0
    last = time.monotonic()
    async for rows in prefetch(stream_chunks(db, tenant_id, stmt, chunk=chunk)):
        await anyio.to_thread.run_sync(writer.write, rows)
        done += len(rows)
        if progress is not None and time.monotonic() - last >= every:
            await progress(done)
            last = time.monotonic()
    await anyio.to_thread.run_sync(writer.close)
    return done


async def prefetch(chunks: AsyncIterator[T], depth: int = 2) -> AsyncIterator[T]:
    """Read the next chunks while the current one is being written (the database driver and
    the writer each have their own thread); at most ``depth`` chunks wait, so memory stays
    bounded."""
    queue: asyncio.Queue[tuple[bool, Any]] = asyncio.Queue(maxsize=depth)

    async def produce() -> None:
        try:
            async for item in chunks:
                await queue.put((True, item))
        except BaseException as exc:
            await queue.put((False, exc))
            raise
        await queue.put((False, None))

    task = asyncio.create_task(produce())
    try:
        while True:
            ok, item = await queue.get()
            if not ok:
                if item is not None:
                    raise item
                break
            yield item
    finally:
        if not task.done():
            task.cancel()
        with contextlib.suppress(BaseException):
            await task
