"""A small portfolio built through the areas' own services, for the page and export tests:
one running group (the primer's ABAC quota: R$ 30,000, 15 % fee, 2 % reserve, on a short
term so five quotas constitute it), its quotas, one billed month."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from lastro.br.cnab import Beneficiario, Ocorrencia, Retorno, write_retorno_240
from lastro.core.runtime import Runtime
from lastro.kit.clock import today_sp
from lastro.modules.consorcio.billing import accounts as accounts_service
from lastro.modules.consorcio.billing.composition import add_months
from lastro.modules.consorcio.billing.models import Charge, CollectingAccount
from lastro.modules.consorcio.billing.run import execute_run
from lastro.modules.consorcio.consorciados import service as consorciados
from lastro.modules.consorcio.consorciados.schemas import Address, ConsorciadoCreate
from lastro.modules.consorcio.groups import service as groups
from lastro.modules.consorcio.groups.schemas import GroupCreate, GroupRulesIn, GroupTransition
from lastro.modules.consorcio.quotas import service as quotas
from lastro.modules.consorcio.quotas.schemas import QuotaSale

HOLDERS = (
    ("52998224725", "Maria Aparecida Souza"),
    ("11144477735", "João Pedro Lima"),
    ("39053344705", "Ana Clara Rocha"),
    ("86288366757", "Carlos Eduardo Dias"),
    ("11222333000181", "Transportes Rocha Ltda"),
)


@dataclass
class Portfolio:
    group_id: uuid.UUID
    group_code: str
    quota_ids: list[uuid.UUID]
    holder_ids: list[uuid.UUID]
    month: str


async def build_portfolio(
    runtime: Runtime, tenant_id: uuid.UUID, code: str = "ABC-01"
) -> Portfolio:
    today = today_sp()
    start_y, start_m = add_months(today.year, today.month, -1)
    started = date(start_y, start_m, 1)
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        group = await groups.create_group(
            session,
            GroupCreate(
                code=code,
                name="Automóveis ABAC",
                segment="automovel",
                term_months=5,
                max_quotas=10,
                credit_values=[Decimal("30000.00")],
                reference_asset="Hatch 1.0 0 km",
                formation_started_on=started,
                rules=GroupRulesIn(
                    admin_fee_pct=Decimal(15),
                    reserve_fund_pct=Decimal(2),
                    assembly_day=25,
                    due_day=28,
                    exclusion_threshold=3,
                ),
            ),
        )
        holder_ids = []
        quota_ids = []
        for document, name in HOLDERS:
            holder = await consorciados.create_consorciado(
                session,
                ConsorciadoCreate(
                    document=document,
                    name=name,
                    email="pessoa@exemplo.com.br",
                    mobile="+5511987654321",
                    address=Address(
                        cep="01310100", street="Avenida Paulista", city="São Paulo", state="SP"
                    ),
                ),
            )
            holder_ids.append(holder.id)
            quota = await quotas.sell_quota(
                session,
                group.id,
                QuotaSale(consorciado_id=holder.id, sold_on=started + timedelta(days=2)),
            )
            quota_ids.append(quota.id)
        await groups.transition(
            session,
            group.id,
            GroupTransition(status="em_andamento", on=started + timedelta(days=5)),
        )
        group_id = group.id
        if await session.scalar(select(CollectingAccount.id).limit(1)) is None:
            await accounts_service.create_account(
                session,
                {
                    "name": "Itaú cobrança",
                    "bank_code": "341",
                    "agencia": "1234",
                    "conta": "56789",
                    "conta_dv": "0",
                    "carteira": "109",
                    "beneficiary_name": "Administradora Teste Ltda",
                    "beneficiary_document": "11222333000181",
                    "beneficiary_city": "Sao Paulo",
                    "pix_key": "11222333000181",
                    "pix_location_base": "pix.example.com/cobv",
                },
            )
    month = f"{today.year:04d}-{today.month:02d}"
    await execute_run(runtime.db, tenant_id, month, issued_on=today)
    return Portfolio(group_id, code, quota_ids, holder_ids, month)


async def retorno_paying(
    runtime: Runtime, tenant_id: uuid.UUID, *, count: int, unknown: bool = True
) -> bytes:
    """A CNAB 240 retorno paying ``count`` open charges on time, plus an unknown nosso número."""
    async with runtime.db.session(tenant_id=tenant_id, readonly=True) as session:
        account = await session.scalar(select(CollectingAccount).limit(1))
        charges = list(
            await session.scalars(
                select(Charge)
                .where(Charge.status == "open")
                .order_by(Charge.nosso_numero)
                .limit(count)
            )
        )
    assert account is not None
    today = today_sp()
    lines = [
        Ocorrencia(
            movement="06",
            nosso_numero=c.nosso_numero,
            seu_numero=c.document_number,
            due_date=c.due_date,
            face_value=c.amount,
            paid_amount=c.amount,
            net_amount=c.amount,
            occurrence_date=today,
            credit_date=today,
        )
        for c in charges
    ]
    if unknown:
        lines.append(
            Ocorrencia(
                movement="06",
                nosso_numero="99999999",
                seu_numero="X",
                due_date=today,
                face_value=Decimal("10.00"),
                paid_amount=Decimal("10.00"),
                net_amount=Decimal("10.00"),
                occurrence_date=today,
                credit_date=today,
            )
        )
    retorno = Retorno(
        Beneficiario(
            account.bank_code,
            account.beneficiary_document,
            account.beneficiary_name,
            account.agencia,
            account.conta,
            conta_dv=account.conta_dv,
        ),
        sequence=1,
        generated_on=today,
        ocorrencias=tuple(lines),
    )
    return write_retorno_240(retorno).encode("ascii")
