"""Exports of 1,000,000 rows to CSV and XLSX through the real pipeline (prints figures).

Run from the repository root:

    .venv/bin/python bench/exports.py [--rows 1000000] [--small 100000]
                                      [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

What it does:

1. creates a scratch database — SQLite in a temporary directory by default, or, with
   ``--database-url`` (an admin URL), a scratch PostgreSQL database that is dropped at the end —
   migrates it with Alembic and creates two tenants;
2. fills the real ``audit_records`` table: ``--rows`` records for the big tenant and ``--small``
   for the other one (bulk inserts; the audit log is the longest list a tenant has);
3. exports the core ``audit`` source (9 columns: integers, UTC datetimes, text) for each tenant to
   CSV and to XLSX with :func:`lastro.core.exports.engine.write_export` — the same server-side
   cursor, chunking and writers as the API and the background job — each run in a fresh process,
   so its peak resident memory (``ru_maxrss``) is its own;
4. prints rows, seconds, rows/s, file size and peak memory per run, then whether the targets
   hold: 1M rows to CSV under 30 s, to XLSX under 60 s, and memory flat (the 1M-row peak within
   ``--flat-tolerance`` MiB of the small run's peak).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

TARGETS = {"csv": 30.0, "xlsx": 60.0}
BATCH = 20_000


def _scratch_postgres(admin_url: str) -> tuple[str, str]:
    """Create a scratch database; returns (its URL, its name)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    name = f"lastro_bench_exports_{uuid.uuid4().hex[:8]}"
    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def create() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()

    asyncio.run(create())
    url = make_url(admin_url).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False), name


def _drop_postgres(admin_url: str, name: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def drop() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await conn.close()

    asyncio.run(drop())


async def _fill(url: str, sizes: dict[str, int]) -> dict[str, str]:
    """Two tenants with ``sizes[slug]`` audit records each; returns slug -> tenant id."""
    from sqlalchemy import insert

    from lastro.core.audit.models import AuditRecord
    from lastro.core.platform import service
    from lastro.core.tenancy import install_tenancy_guard
    from lastro.infra.database import Database
    from lastro.kit.clock import utcnow
    from lastro.kit.ids import new_id

    install_tenancy_guard()
    db = Database(url)
    ids: dict[str, str] = {}
    try:
        for slug, count in sizes.items():
            async with db.unit_of_work(platform=True) as session:
                tenant = await service.create_tenant(session, slug=slug, name=f"Bench {slug}")
                tenant_id = tenant.id
            ids[slug] = str(tenant_id)
            start = utcnow() - timedelta(days=365)
            actions = ("user.created", "document.created", "export.requested", "login.succeeded")
            for offset in range(0, count, BATCH):
                rows: list[dict[str, Any]] = [
                    {
                        "tenant_id": tenant_id,
                        "id": new_id(),
                        "seq": n + 1,
                        "occurred_at": start + timedelta(seconds=n * 30),
                        "actor_kind": "user",
                        "actor_id": "bench",
                        "actor_label": f"pessoa{n % 500}@bench.example",
                        "action": actions[n % len(actions)],
                        "resource_type": "document",
                        "resource_id": f"doc-{n:09d}",
                        "before": None,
                        "after": None,
                        "ip": f"10.0.{(n >> 8) % 256}.{n % 256}",
                        "user_agent": "bench",
                        "request_id": f"req-{n:012d}",
                        "prev_hash": "0" * 64,
                        "hash": "0" * 64,
                    }
                    for n in range(offset, min(offset + BATCH, count))
                ]
                async with db.engine.begin() as conn:
                    await conn.execute(insert(AuditRecord.__table__), rows)
    finally:
        await db.dispose()
    return ids


async def _export(url: str, tenant_id: str, fmt: str, out: Path) -> dict[str, Any]:
    from lastro.core.exports import sources
    from lastro.core.exports.engine import write_export
    from lastro.core.tenancy import install_tenancy_guard
    from lastro.core.web.branding import Brand
    from lastro.infra.database import Database

    install_tenancy_guard()
    db = Database(url)
    try:
        started = time.perf_counter()
        with out.open("wb") as handle:
            rows = await write_export(
                db,
                uuid.UUID(tenant_id),
                sources.AUDIT,
                {},
                fmt,
                handle,
                Brand(),  # type: ignore[arg-type]
            )
        seconds = time.perf_counter() - started
    finally:
        await db.dispose()
    return {
        "rows": rows,
        "seconds": seconds,
        "bytes": out.stat().st_size,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _worker(args: argparse.Namespace) -> None:
    result = asyncio.run(_export(args.url, args.tenant, args.format, Path(args.out)))
    print(json.dumps(result))


def _measure(url: str, tenant_id: str, fmt: str, workdir: Path) -> dict[str, Any]:
    out = workdir / f"{tenant_id}.{fmt}"
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            "--url",
            url,
            "--tenant",
            tenant_id,
            "--format",
            fmt,
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "LASTRO_LOG_LEVEL": "WARNING"},
    )
    out.unlink(missing_ok=True)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL admin URL")
    parser.add_argument("--flat-tolerance", type=float, default=40.0, help="MiB")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--tenant", help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return

    from lastro.cli import migrate_database

    with tempfile.TemporaryDirectory(prefix="lastro-bench-exports-") as tmp:
        workdir = Path(tmp)
        scratch: str | None = None
        if args.database_url:
            url, scratch = _scratch_postgres(args.database_url)
            backend = "postgresql"
        else:
            url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
            backend = "sqlite"
        try:
            migrate_database(url, url)
            started = time.perf_counter()
            ids = asyncio.run(_fill(url, {"grande": args.rows, "pequena": args.small}))
            print(
                f"backend {backend}: {args.rows + args.small:,} audit records inserted in "
                f"{time.perf_counter() - started:.1f} s"
            )
            results: dict[tuple[str, str], dict[str, Any]] = {}
            header = ("format", "rows", "seconds", "rows/s", "MiB out", "peak MiB")
            print("{:<6} {:>10} {:>8} {:>9} {:>8} {:>9}".format(*header))
            for fmt in ("csv", "xlsx"):
                for slug in ("pequena", "grande"):
                    r = _measure(url, ids[slug], fmt, workdir)
                    results[(fmt, slug)] = r
                    print(
                        f"{fmt:<6} {r['rows']:>10,} {r['seconds']:>8.1f} "
                        f"{r['rows'] / r['seconds']:>9,.0f} {r['bytes'] / 2**20:>8.1f} "
                        f"{r['peak_mib']:>9.1f}"
                    )
            print()
            ok = True
            for fmt, limit in TARGETS.items():
                big, small = results[(fmt, "grande")], results[(fmt, "pequena")]
                fast = big["seconds"] < limit
                growth = big["peak_mib"] - small["peak_mib"]
                flat = growth <= args.flat_tolerance
                ok = ok and fast and flat
                print(
                    f"{fmt}: {big['rows']:,} rows in {big['seconds']:.1f} s "
                    f"(target < {limit:.0f} s: {'met' if fast else 'NOT met'}); "
                    f"peak {small['peak_mib']:.0f} MiB for "
                    f"{small['rows']:,} rows vs {big['peak_mib']:.0f} MiB for {big['rows']:,} "
                    f"(+{growth:.0f} MiB: {'flat' if flat else 'NOT flat'})"
                )
            print("all targets met" if ok else "some targets NOT met")
        finally:
            if scratch is not None:
                _drop_postgres(args.database_url, scratch)


if __name__ == "__main__":
    main()
