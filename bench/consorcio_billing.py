"""Consórcio billing on PostgreSQL: a billing run over 100,000 active quotas in 500 groups, then
the import of a CNAB 240 retorno paying every boleto (targets: 60 s and 30 s).

    LASTRO_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/consorcio_billing.py [--groups 500] [--quotas 200]

Creates a scratch database (dropped at the end), migrates it with Alembic and runs as the
non-owner role ``lastro_app`` (row-level security enforced). Seeds one tenant directly with bulk
inserts: ``--groups`` running groups (ABAC terms: 50 months, TA 15 %, FR 2 %, credit R$ 30,000)
of ``--quotas`` quotas each, one consorciado per quota, a tenth of them late joiners; a default
collecting account (Itaú) plus four group accounts at other banks; then ``ANALYZE`` (a
production database has statistics). Times, each printed: the billing run for month 12
(installments, registered boletos, dynamic PIX, percentage-ledger charge movements and one
CNAB 240 remessa per collecting account), a repeated run (nothing issued), and the import of a
retorno per collecting account paying every boleto through the payments area's
``lastro.modules.consorcio.payments.retorno.import_retorno`` (reported pending when absent).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lastro.br.cnab import (  # noqa: E402
    Ocorrencia,
    Retorno,
    read_remessa_240,
    write_retorno_240,
)
from lastro.br.documents import cpf_check_digits  # noqa: E402
from lastro.cli import migrate_database  # noqa: E402
from lastro.core.platform.models import Tenant  # noqa: E402
from lastro.core.tenancy import install_tenancy_guard  # noqa: E402
from lastro.infra.database import Database  # noqa: E402
from lastro.kit.clock import utcnow  # noqa: E402
from lastro.kit.ids import new_id  # noqa: E402
from lastro.modules.consorcio.billing import accounts  # noqa: E402
from lastro.modules.consorcio.billing.banks import beneficiario  # noqa: E402
from lastro.modules.consorcio.billing.bulk import bulk_insert  # noqa: E402
from lastro.modules.consorcio.billing.models import (  # noqa: E402
    Charge,
    CollectingAccount,
    Installment,
    Remessa,
)
from lastro.modules.consorcio.billing.run import execute_run  # noqa: E402
from lastro.modules.consorcio.consorciados.models import Consorciado  # noqa: E402
from lastro.modules.consorcio.groups.models import (  # noqa: E402
    Group,
    GroupPrice,
    GroupRuleVersion,
)
from lastro.modules.consorcio.quotas.models import Quota, QuotaPosition  # noqa: E402

APP_ROLE = "lastro_app"
MONTH = "2026-12"
ISSUED_ON = date(2026, 11, 28)
BILLING_TARGET = 60.0
RETORNO_TARGET = 30.0
BANKS = (
    ("237", "Bradesco", {"carteira": "09", "conta": "1234567"}),
    ("001", "Banco do Brasil", {"convenio": "1234567", "carteira": "17", "conta": "123456"}),
    ("033", "Santander", {"convenio": "1234567", "carteira": "101", "conta": "13000123"}),
    ("104", "Caixa", {"convenio": "123456", "conta": "1234"}),
)


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


def _cpf(i: int) -> str:
    """A valid CPF per index (random ones collide among 100,000 people)."""
    base = f"{123000000 + i:09d}"
    return base + cpf_check_digits(base)


async def seed(db: Database, groups: int, per_group: int) -> uuid.UUID:
    now = utcnow()
    tenant_id = new_id()
    async with db.unit_of_work(platform=True) as session:
        session.add(
            Tenant(
                id=tenant_id,
                slug="bench-consorcio",
                name="Administradora Bench",
                status="active",
                branding={},
                enabled_modules=["consorcio"],
            )
        )
    anchor = date(2026, 1, 20)
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        group_rows, rule_rows, price_rows = [], [], []
        for g in range(groups):
            gid = new_id()
            group_rows.append(
                {
                    "id": gid,
                    "code": f"G{g + 1:04d}",
                    "name": f"Grupo {g + 1:04d}",
                    "segment": "automovel",
                    "status": "em_andamento",
                    "regime": "res_285",
                    "term_months": 50,
                    "max_quotas": per_group,
                    "credit_values": ["30000.00"],
                    "reference_asset": "Automóvel popular",
                    "price_index": "asset_price_table",
                    "base_price": Decimal("30000.00"),
                    "formation_started_on": date(2025, 11, 1),
                    "formation_deadline": date(2026, 1, 30),
                    "constituted_on": anchor,
                    "first_assembly_on": anchor,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            rule_rows.append(
                {
                    "group_id": gid,
                    "version": 1,
                    "effective_from": date(2025, 11, 1),
                    "admin_fee_pct": Decimal(15),
                    "reserve_fund_pct": Decimal(2),
                    "assembly_day": 20,
                    "due_day": 10,
                    "exclusion_threshold": 3,
                    "draw_method": "centenas",
                    "tie_break": "proximity_above",
                    "amortization_order": "inversa",
                    "late_joiner_mode": "spread_remaining",
                    "created_at": now,
                }
            )
            price_rows.append(
                {"group_id": gid, "effective_on": date(2025, 11, 1), "price": Decimal("30000.00")}
            )
        await session.execute(insert(Group), group_rows)
        await session.execute(insert(GroupRuleVersion), rule_rows)
        await session.execute(insert(GroupPrice), price_rows)
    paid_11 = (Decimal(22), Decimal("3.3"), Decimal("0.44"))
    for g0 in range(0, groups, 50):
        people, quotas, positions = [], [], []
        for g in range(g0, min(groups, g0 + 50)):
            gid = group_rows[g]["id"]
            for n in range(1, per_group + 1):
                pid, qid = new_id(), new_id()
                late = n % 10 == 0
                people.append(
                    {
                        "id": pid,
                        "kind": "pf",
                        "document": _cpf(g * per_group + n),
                        "name": f"Consorciado {g:03d}-{n:03d}",
                        "street": "Rua das Flores",
                        "number": str(n),
                        "district": "Centro",
                        "cep": "01310100",
                        "city": "Sao Paulo",
                        "state": "SP",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                quotas.append(
                    {
                        "id": qid,
                        "group_id": gid,
                        "number": n,
                        "version": 1,
                        "consorciado_id": pid,
                        "status": "ativa",
                        "status_changed_on": anchor,
                        "origin": "adesao_vaga" if late else "adesao_formacao",
                        "credit_base": Decimal("30000.00"),
                        "sold_on": anchor,
                        "joined_at_installment": 5 if late else 1,
                        "rules_version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                positions.append(
                    {
                        "quota_id": qid,
                        "group_id": gid,
                        "fc_total_pct": Decimal(100),
                        "ta_total_pct": Decimal(15),
                        "fr_total_pct": Decimal(2),
                        "fc_paid_pct": Decimal(0) if late else paid_11[0],
                        "ta_paid_pct": Decimal(0) if late else paid_11[1],
                        "fr_paid_pct": Decimal(0) if late else paid_11[2],
                        "installments_paid": 0 if late else 11,
                        "plan": "late_joiner" if late else "normal",
                        "plan_first_installment": 5 if late else 1,
                        "plan_last_installment": 50,
                    }
                )
        await _bulk(
            db, tenant_id, (Consorciado, people), (Quota, quotas), (QuotaPosition, positions)
        )
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        await accounts.create_account(
            session,
            {
                "name": "Itaú cobrança",
                "is_default": True,
                "bank_code": "341",
                "agencia": "1234",
                "conta": "56789",
                "carteira": "109",
                "beneficiary_name": "Administradora Bench Ltda",
                "beneficiary_document": "11222333000181",
                "beneficiary_city": "Sao Paulo",
                "pix_key": "11222333000181",
                "pix_location_base": "pix.itau.example/qr/v2/cobv",
            },
        )
        for i, (code, name, extra) in enumerate(BANKS):
            await accounts.create_account(
                session,
                {
                    "name": f"{name} grupo {group_rows[i]['code']}",
                    "group_id": group_rows[i]["id"],
                    "bank_code": code,
                    "agencia": "4321",
                    "beneficiary_name": "Administradora Bench Ltda",
                    "beneficiary_document": "11222333000181",
                    "beneficiary_city": "Sao Paulo",
                    "pix_key": "11222333000181",
                    "pix_location_base": f"pix.{code}.example/qr/v2/cobv",
                    **extra,
                },
            )
    return tenant_id


async def _bulk(
    db: Database, tenant_id: uuid.UUID, *tables: tuple[Any, list[dict[str, Any]]]
) -> None:
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        for model, rows in tables:
            await bulk_insert(session, model, rows)


async def retorno_files(db: Database, tenant_id: uuid.UUID, paid_on: date) -> list[str]:
    """One CNAB 240 retorno per collecting account paying every charge of its remessas."""
    files = []
    async with db.session(tenant_id=tenant_id, readonly=True) as session:
        for account in (await session.scalars(select(CollectingAccount))).all():
            rows = (
                await session.execute(
                    select(
                        Charge.nosso_numero, Charge.document_number, Charge.due_date, Charge.amount
                    )
                    .where(Charge.collecting_account_id == account.id)
                    .order_by(Charge.nosso_numero)
                )
            ).all()
            if not rows:
                continue
            items = tuple(
                Ocorrencia(
                    movement="06",
                    nosso_numero=nn,
                    seu_numero=doc,
                    due_date=due,
                    face_value=amount,
                    paid_amount=amount,
                    net_amount=amount,
                    occurrence_date=paid_on,
                    credit_date=paid_on,
                )
                for nn, doc, due, amount in rows
            )
            info = accounts.info(account)
            files.append(write_retorno_240(Retorno(beneficiario(info), 1, paid_on, items)))
    return files


async def import_all(db: Database, tenant_id: uuid.UUID, files: list[str]) -> str:
    """Each file through the payments area's importer; "pending" when it does not exist."""
    try:
        from lastro.modules.consorcio.payments import retorno
    except ImportError:
        return "pending"
    importer = getattr(retorno, "import_retorno", None)
    if importer is None:
        return "pending"
    applied = unknown = 0
    for i, text in enumerate(files, 1):
        report = await importer(db, tenant_id, text, filename=f"retorno-{i}.ret")
        applied += int(getattr(report, "applied", 0))
        unknown += int(getattr(report, "unknown", 0))
    return f"{applied:,} payments applied, {unknown:,} unknown"


async def analyze(owner_url: str) -> None:
    """Statistics for the freshly seeded tables, as a production database has them (the
    autovacuum daemon would get there on its own, minutes later)."""
    conn = await asyncpg.connect(owner_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def run(db: Database, owner_url: str, groups: int, per_group: int) -> bool:
    t0 = time.perf_counter()
    tenant_id = await seed(db, groups, per_group)
    await analyze(owner_url)
    total = groups * per_group
    print(
        f"seeded {groups} groups × {per_group} quotas = {total:,} quotas "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    t0 = time.perf_counter()
    outcome = await execute_run(db, tenant_id, MONTH, issued_on=ISSUED_ON)
    billing = time.perf_counter() - t0
    print(
        f"billing run {MONTH}: {outcome.installments_created:,} installments, "
        f"{outcome.charges_created:,} boletos + PIX, {outcome.remessas_created} CNAB 240 remessas "
        f"in {billing:.2f} s = {outcome.installments_created / billing:,.0f} quotas/s"
    )
    t0 = time.perf_counter()
    again = await execute_run(db, tenant_id, MONTH, issued_on=ISSUED_ON)
    print(
        f"repeated run: {again.installments_created - outcome.installments_created} more "
        f"installments in {time.perf_counter() - t0:.2f} s"
    )
    async with db.session(tenant_id=tenant_id, readonly=True) as session:
        count = await session.scalar(select(func.count()).select_from(Installment))
        remessas = (await session.scalars(select(Remessa))).all()
        titulos = sum(len(read_remessa_240(r.content).titulos) for r in remessas)
    print(f"check: {count:,} installments stored; remessas parse back with {titulos:,} títulos")

    t0 = time.perf_counter()
    files = await retorno_files(db, tenant_id, date(2026, 12, 9))
    print(f"retorno: {len(files)} CNAB 240 files built in {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    state = await import_all(db, tenant_id, files)
    retorno = time.perf_counter() - t0
    ok = billing < BILLING_TARGET and outcome.installments_created == total and count == total
    print(
        f"target: billing run for {total:,} quotas < {BILLING_TARGET:.0f} s — "
        + ("met" if ok else "MISSED")
    )
    if state == "pending":
        print("retorno import: pending (payments.retorno.import_retorno not available yet)")
        return ok
    met = retorno < RETORNO_TARGET
    print(
        f"retorno import of {total:,} payments ({state}): {retorno:.2f} s; "
        f"target < {RETORNO_TARGET:.0f} s — " + ("met" if met else "MISSED")
    )
    return ok and met


async def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--quotas", type=int, default=200, help="quotas per group")
    args = parser.parse_args()
    install_tenancy_guard()
    url = os.environ.get("LASTRO_BENCH_DATABASE_URL") or os.environ.get("LASTRO_TEST_DATABASE_URL")
    if not url:
        raise SystemExit("set LASTRO_BENCH_DATABASE_URL (PostgreSQL)")
    name = f"lastro_bench_consorcio_{uuid.uuid4().hex[:8]}"
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
        db = Database(app, pool_size=8)
        try:
            return 0 if await run(db, owner, args.groups, args.quotas) else 1
        finally:
            await db.dispose()
    finally:
        await admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
