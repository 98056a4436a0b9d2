"""Ledger throughput on PostgreSQL, against pgbench TPC-B on the same server in the same run.

    LASTRO_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/ledger.py [--seconds 10] [--batch 100000]

Creates scratch databases (dropped at the end), migrates one with Alembic and runs the ledger
as the non-owner role ``lastro_app`` so row-level security is really enforced. Prints:
pgbench TPS at 16 and 64 clients; single-entry transfers through ``Ledger(db).transfer`` at 16
and 64 concurrent writers — grouped (the default: concurrent calls share transactions) and
ungrouped (one transaction per entry) — and through the session-joined ``ledger_service`` at
16, each as entries/s and p50/p99 latency; one ``post_batch`` of 100,000 two-posting entries
(with the client CPU it took); and the time ``verify`` takes over the result.
Targets: single entries >= 50 % of pgbench's TPS; batch >= 100,000 postings/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from lastro.cli import migrate_database  # noqa: E402
from lastro.core.ledger.calls import transfer_draft  # noqa: E402
from lastro.core.ledger.errors import InsufficientFunds  # noqa: E402
from lastro.core.ledger.runner import Ledger  # noqa: E402
from lastro.core.ledger.service import ledger_service  # noqa: E402
from lastro.core.ledger.types import AccountType  # noqa: E402
from lastro.core.ledger.verify import verify_ledgers  # noqa: E402
from lastro.core.tenancy import install_tenancy_guard  # noqa: E402
from lastro.infra.database import Database  # noqa: E402

APP_ROLE = "lastro_app"
CUSTOMERS = 100
D = Decimal


def dsn(url: str, database: str, user: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    if user:
        parsed = parsed.set(username=user, password=None)
    return parsed.render_as_string(hide_password=False)


async def admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(dsn(url, make_url(url).database or "postgres"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def pgbench_binary() -> str:
    for candidate in (shutil.which("pgbench"), "/usr/lib/postgresql/15/bin/pgbench"):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("pgbench not found")


def pgbench(url: str, database: str, clients: int, seconds: int) -> float:
    parsed = make_url(url)
    env = {**os.environ, "PGPASSWORD": parsed.password or ""}
    base = [
        pgbench_binary(),
        "-h",
        parsed.host or "127.0.0.1",
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username or "postgres",
    ]
    out = subprocess.run(
        [*base, "-c", str(clients), "-j", "2", "-T", str(seconds), database],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"tps = ([\d.]+)", out)
    assert match, out
    return float(match.group(1))


async def setup_books(db: Database) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    from lastro.core.platform import service

    async with db.unit_of_work(platform=True) as session:
        tenant = await service.create_tenant(
            session, slug=f"bench{uuid.uuid4().hex[:8]}", name="Bench", enabled_modules=[]
        )
    accounts: dict[str, uuid.UUID] = {}
    async with db.unit_of_work(tenant_id=tenant.id) as session:
        book = await ledger_service.open_ledger(session, code="bench", name="Bench", module="bench")
        reserve = await ledger_service.open_account(
            session, ledger_id=book.id, code="reserva", name="Reservas", type="asset", hot=True
        )
        accounts["reserva"] = reserve.id
        for i in range(CUSTOMERS):
            info = await ledger_service.open_account(
                session,
                ledger_id=book.id,
                code=f"cliente-{i:03d}",
                name=f"Cliente {i}",
                type=AccountType.LIABILITY,
                overdraft_limit=D(0),
            )
            accounts[f"c{i}"] = info.id
    funding = [
        transfer_draft(
            debit=accounts["reserva"],
            credit=accounts[f"c{i}"],
            amount=D(1_000_000),
            idempotency_key=f"fund-{i}",
        )
        for i in range(CUSTOMERS)
    ]
    await Ledger(db, tenant.id).post_batch(funding)
    return tenant.id, accounts


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def single_entries(
    db: Database,
    tenant: uuid.UUID,
    accounts: dict[str, uuid.UUID],
    writers: int,
    seconds: float,
    *,
    session: bool = False,
    group: bool = True,
) -> tuple[str, float]:
    ledger = Ledger(db, tenant, group=group)
    latencies: list[float] = []
    refused = 0
    stop = time.perf_counter() + seconds
    tag = uuid.uuid4().hex[:6]

    async def writer(n: int) -> None:
        nonlocal refused
        rng = random.Random(n)
        i = 0
        while time.perf_counter() < stop:
            a, b = rng.sample(range(CUSTOMERS), 2)
            draft = transfer_draft(
                debit=accounts[f"c{a}"],
                credit=accounts[f"c{b}"],
                amount=D(rng.randint(1, 10_000)) / 100,
                idempotency_key=f"{tag}-{n}-{i}",
            )
            i += 1
            started = time.perf_counter()
            try:
                if session:
                    async with db.unit_of_work(tenant_id=tenant) as s:
                        await ledger_service.post(s, draft)
                else:
                    await ledger.post(draft)
            except InsufficientFunds:
                refused += 1
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(writers)))
    elapsed = time.perf_counter() - began
    rate = len(latencies) / elapsed
    return (
        f"{rate:8.0f} entries/s   p50 {pct(latencies, 0.5):6.1f} ms   "
        f"p99 {pct(latencies, 0.99):6.1f} ms   ({len(latencies)} entries, "
        f"{refused} refused)"
    ), rate


async def batch(
    db: Database, tenant: uuid.UUID, accounts: dict[str, uuid.UUID], size: int
) -> tuple[str, float]:
    rng = random.Random(7)
    tag = uuid.uuid4().hex[:6]
    drafts = []
    for i in range(size):
        a, b = rng.sample(range(CUSTOMERS), 2)
        drafts.append(
            transfer_draft(
                debit=accounts[f"c{a}"],
                credit=accounts[f"c{b}"],
                amount=D(rng.randint(1, 500)) / 100,
                idempotency_key=f"batch-{tag}-{i}",
            )
        )
    began, cpu = time.perf_counter(), time.process_time()
    result = await Ledger(db, tenant).post_batch(drafts)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    assert not result.failed, result.failed[:3]
    rate = 2 * size / elapsed
    return (
        f"(client CPU {cpu / size * 1e6:.0f} us/entry) "
        f"{size} entries ({2 * size} postings) in {elapsed:.2f} s: "
        f"{size / elapsed:,.0f} entries/s, {rate:,.0f} postings/s"
    ), rate


async def main(args: argparse.Namespace) -> None:
    url = os.environ.get(
        "LASTRO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    suffix = uuid.uuid4().hex[:8]
    ledger_db, pgbench_db = f"lastro_bench_ledger_{suffix}", f"lastro_bench_pgb_{suffix}"
    await admin(
        url,
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}')"
        f" THEN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$",
        f"CREATE DATABASE {ledger_db}",
        f"CREATE DATABASE {pgbench_db}",
    )
    try:
        load = os.getloadavg()[0]
        print(f"Lastro ledger bench — {os.cpu_count()} CPUs, load {load:.2f} at start")
        subprocess.run(
            [pgbench_binary(), "-i", "-s", "10", "-q", dsn(url, pgbench_db)],
            check=True,
            capture_output=True,
        )
        tps = {c: pgbench(url, pgbench_db, c, args.seconds) for c in (16, 64)}
        for clients, value in tps.items():
            print(f"pgbench TPC-B, {clients:2d} clients:        {value:8.0f} TPS")

        await asyncio.to_thread(  # Alembic runs its own event loop
            migrate_database, dsn(url, ledger_db), dsn(url, ledger_db, APP_ROLE)
        )
        install_tenancy_guard()
        db = Database(dsn(url, ledger_db, APP_ROLE), pool_size=args.pool)
        try:
            tenant, accounts = await setup_books(db)
            rates = {}
            for writers in (16, 64):
                line, rates[writers] = await single_entries(
                    db, tenant, accounts, writers, args.seconds
                )
                print(f"ledger transfer, {writers:2d} writers:     {line}")
            for writers in (16, 64):
                line, _ = await single_entries(
                    db, tenant, accounts, writers, args.seconds / 2, group=False
                )
                print(f"  ungrouped (one transaction each), {writers:2d} writers: {line}")
            line, _ = await single_entries(db, tenant, accounts, 16, args.seconds / 2, session=True)
            print(f"ledger_service.post, 16 writers: {line}")
            line, batch_rate = await batch(db, tenant, accounts, args.batch)
            print(f"batch: {line}")
            began = time.perf_counter()
            report = await verify_ledgers(db, tenant)
            print(
                f"verify: {'OK' if report.ok else 'FAILED'} over {report.entries:,} entries "
                f"in {time.perf_counter() - began:.1f} s"
            )
        finally:
            await db.dispose()
        print("\nTargets")
        for writers in (16, 64):
            ratio = rates[writers] / tps[16]
            print(
                f"  single entries, {writers} writers: {ratio:6.1%} of pgbench (16 clients) "
                f"{'OK' if ratio >= 0.5 else 'MISSED'} (target 50 %); "
                f"{rates[writers] / tps[64]:.1%} of pgbench at 64 clients"
            )
        print(
            f"  batch: {batch_rate:,.0f} postings/s "
            f"{'OK' if batch_rate >= 100_000 else 'MISSED'} (target 100,000)"
        )
        print(f"  load average at the end: {os.getloadavg()[0]:.2f}")
    finally:
        await admin(
            url,
            f"DROP DATABASE IF EXISTS {ledger_db} WITH (FORCE)",
            f"DROP DATABASE IF EXISTS {pgbench_db} WITH (FORCE)",
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument(
        "--pool", type=int, default=32, help="connection pool size (max connections = 2x)"
    )
    asyncio.run(main(parser.parse_args()))
