"""A billing run over 10,000 tenants on PostgreSQL (target: under 30 s).

    LASTRO_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/billing.py [--tenants 10000]

Creates a scratch database (dropped at the end), migrates it with Alembic and runs as the
non-owner role ``lastro_app`` (row-level security enforced). Seeds the plan catalogue and
``--tenants`` active tenants on a mix of flat and tiered plans (with quota levels, pending plan
changes and held credit), then times, each printed: the billing run that issues every invoice
(boleto + PIX built per invoice), a second run (idempotency: nothing issued), posting the
invoices to the platform's books in the ledger, paying 10 % of them through the webhook path,
and the dunning run. ``--sqlite`` runs the same on a SQLite file for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lastro.cli import migrate_database  # noqa: E402
from lastro.core.billing import books, collection, invoicing  # noqa: E402
from lastro.core.billing import service as billing  # noqa: E402
from lastro.core.billing.models import (  # noqa: E402
    Invoice,
    Plan,
    PlanChange,
    Subscription,
    UsageCounter,
)
from lastro.core.billing.providers import SandboxProvider  # noqa: E402
from lastro.core.platform.models import Tenant  # noqa: E402
from lastro.core.tenancy import install_tenancy_guard  # noqa: E402
from lastro.infra.database import Database  # noqa: E402
from lastro.kit.clock import utcnow  # noqa: E402
from lastro.kit.ids import new_id  # noqa: E402
from lastro.settings import Settings  # noqa: E402

APP_ROLE = "lastro_app"
DAY = date(2026, 3, 1)
TARGET_SECONDS = 30.0


def dsn(url: str, database: str, user: str | None = None, driver: str = "postgresql") -> str:
    parsed = make_url(url).set(drivername=driver, database=database)
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


async def seed(db: Database, count: int) -> None:
    async with db.unit_of_work(platform=True) as session:
        await billing.seed_plans(session)
        plans = {p.code: p for p in (await session.scalars(select(Plan))).all()}
    flat = [plans[c] for c in ("chat-starter", "chat-professional", "chat-business")]
    tiered = plans["consorcio"]
    rng = random.Random(7)
    now = utcnow()
    start = DAY - timedelta(days=31)
    for offset in range(0, count, 2000):
        tenants, subs, counters, changes = [], [], [], []
        for i in range(offset, min(count, offset + 2000)):
            tenant_id = new_id()
            plan = tiered if i % 10 == 0 else flat[i % 3]
            tenants.append(
                {
                    "id": tenant_id,
                    "slug": f"t{i:05d}",
                    "name": f"Cliente {i:05d} Ltda",
                    "status": "active",
                    "branding": {},
                    "enabled_modules": list(plan.modules),
                    "is_reseller": False,
                    "billing_blocked": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            subs.append(
                {
                    "tenant_id": tenant_id,
                    "id": new_id(),
                    "plan_id": plan.id,
                    "cycle": "yearly" if i % 7 == 0 else "monthly",
                    "status": "active",
                    "current_period_start": start,
                    "current_period_end": billing.period_end(start, "monthly"),
                    "credit_balance": Decimal("25.00") if i % 11 == 0 else Decimal("0.00"),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if plan is tiered:
                counters.append(
                    {
                        "tenant_id": tenant_id,
                        "id": new_id(),
                        "metric": "active_quotas",
                        "period": "",
                        "value": rng.randint(100, 60_000),
                        "updated_at": now,
                    }
                )
            if i % 13 == 0:
                changes.append(
                    {
                        "tenant_id": tenant_id,
                        "id": new_id(),
                        "changed_at": now,
                        "from_plan_id": flat[0].id,
                        "to_plan_id": plan.id,
                        "from_cycle": "monthly",
                        "to_cycle": "monthly",
                        "proration": Decimal("-41.27"),
                        "invoiced": False,
                    }
                )
        async with db.unit_of_work(platform=True) as session:
            await session.execute(insert(Tenant), tenants)
            await session.execute(insert(Subscription), subs)
            if counters:
                await session.execute(insert(UsageCounter), counters)
            if changes:
                await session.execute(insert(PlanChange), changes)


async def pay_some(db: Database, settings: Settings, share: float) -> int:
    provider = SandboxProvider(settings)
    async with db.session(platform=True, readonly=True) as session:
        refs = [
            (ref, total)
            for ref, total in (
                await session.execute(
                    select(Invoice.provider_ref, Invoice.total).where(Invoice.total > 0)
                )
            ).all()
        ]
    chosen = refs[: int(len(refs) * share)]

    async def one(ref: str, total: Decimal) -> None:
        headers, body = provider.paid_event(ref, total)
        async with db.unit_of_work(platform=True) as session:  # one webhook, one transaction
            await collection.record_payment(
                session, provider.name, provider.parse_webhook(headers, body)
            )

    for i in range(0, len(chosen), 8):  # eight webhooks in flight, like a provider's workers
        await asyncio.gather(*(one(ref, total) for ref, total in chosen[i : i + 8]))
    return len(chosen)


async def run(db: Database, settings: Settings, count: int) -> bool:
    t0 = time.perf_counter()
    await seed(db, count)
    print(f"seeded {count:,} tenants in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    report = await invoicing.run_billing(db, settings, day=DAY)
    elapsed = time.perf_counter() - t0
    print(
        f"billing run: {report.issued:,} invoices (total R$ {report.total:,.2f}, "
        f"{report.renewed:,} periods renewed) in {elapsed:.2f} s "
        f"= {report.issued / elapsed:,.0f} invoices/s"
    )
    t0 = time.perf_counter()
    again = await invoicing.run_billing(db, settings, day=DAY)
    print(f"repeated run: {again.issued} issued in {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    posted = await books.post_pending(db, settings)
    print(f"posted {posted:,} entries to the platform's books in {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    paid = await pay_some(db, settings, 0.10)
    print(f"paid {paid:,} invoices through the webhook path in {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    dunning = await collection.run_dunning(db, settings, day=DAY + timedelta(days=40))
    print(
        f"dunning: {dunning.overdue:,} overdue, {dunning.reminders:,} reminders, "
        f"{dunning.suspended:,} suspended in {time.perf_counter() - t0:.2f} s"
    )
    ok = elapsed < TARGET_SECONDS and report.issued == count and again.issued == 0
    print(
        f"target: billing run for {count:,} tenants < {TARGET_SECONDS:.0f} s — "
        + ("met" if ok else "MISSED")
    )
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true", help="run on a SQLite file instead")
    args = parser.parse_args()
    install_tenancy_guard()
    if args.sqlite:
        path = Path(tempfile.mkdtemp()) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(migrate_database, url, url)
        settings = Settings(environment="test", database_url=url)
        db = Database(url, pool_size=4)
        try:
            return 0 if await run(db, settings, args.tenants) else 1
        finally:
            await db.dispose()
    url = os.environ.get("LASTRO_BENCH_DATABASE_URL") or os.environ.get("LASTRO_TEST_DATABASE_URL")
    if not url:
        raise SystemExit("set LASTRO_BENCH_DATABASE_URL (PostgreSQL) or pass --sqlite")
    name = f"lastro_bench_billing_{uuid.uuid4().hex[:8]}"
    await admin(
        url,
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') "
        f"THEN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$",
        f"CREATE DATABASE {name}",
    )
    try:
        owner = dsn(url, name, driver="postgresql+asyncpg")
        app = dsn(url, name, APP_ROLE, driver="postgresql+asyncpg")
        await asyncio.to_thread(migrate_database, owner, app)
        settings = Settings(environment="test", database_url=app)
        db = Database(app, pool_size=8)
        try:
            return 0 if await run(db, settings, args.tenants) else 1
        finally:
            await db.dispose()
    finally:
        await admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
