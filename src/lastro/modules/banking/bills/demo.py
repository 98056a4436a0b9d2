"""Demo bill payments for tenant ``demo``: utility slips (arrecadação) and boletos paid monthly
over the last months (posted on their dates), one scheduled for next week and one that failed.
Idempotent: nothing is added once the tenant has bill payments."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from lastro.br.arrecadacao import build_arrecadacao
from lastro.br.boleto import build_boleto
from lastro.core.runtime import Runtime
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.errors import LastroError
from lastro.modules.banking.bills import service
from lastro.modules.banking.bills.models import BillPayment
from lastro.modules.banking.cards.demo import customer_accounts, demo_tenant

UTILITIES = (
    ("3", "0111", "Conta de luz", (90, 260)),
    ("2", "0222", "Conta de água", (45, 140)),
    ("4", "0333", "Internet e telefone", (99, 199)),
)
BOLETOS = (("341", "Condomínio"), ("237", "Mensalidade escolar"), ("001", "Plano de saúde"))
MONTHS = 5


async def load_bills_demo(runtime: Runtime) -> None:
    tenant_id = await demo_tenant(runtime)
    if tenant_id is None:
        return
    rng = random.Random(5)  # noqa: S311 - demo data
    today = today_sp()
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        if await session.scalar(select(func.count()).select_from(BillPayment)):
            return
        holders = await customer_accounts(session, limit=5)
        for n, account in enumerate(holders):
            caller = service.Caller(account.holder_user_id or account.id, staff=True)
            for back in range(MONTHS, -1, -1):
                day = today - timedelta(days=30 * back + rng.randint(0, 5))
                segment, company, label, (lo, hi) = UTILITIES[(n + back) % len(UTILITIES)]
                amount = Decimal(rng.randint(lo * 100, hi * 100)) / 100
                slip = build_arrecadacao(
                    segment, "6", amount, company, f"{n:03d}{back:02d}{rng.randrange(10**20):020d}"
                )
                bank, what = BOLETOS[(n + back) % len(BOLETOS)]
                boleto = build_boleto(
                    bank,
                    day + timedelta(days=3),
                    Decimal(rng.randint(30000, 120000)) / 100,
                    f"{rng.randrange(10**25):025d}",
                )
                for line, desc in ((slip.linha_digitavel, label), (boleto.linha_digitavel, what)):
                    try:
                        async with session.begin_nested():
                            payment = await service.pay(
                                session,
                                caller,
                                account.id,
                                line,
                                description=desc,
                                effective_date=day,
                            )
                            # the entry is dated ``day``; so is the payment
                            payment.scheduled_for = day
                            payment.created_at = payment.updated_at = utcnow() - (today - day)
                            if payment.paid_at is not None:
                                payment.paid_at = payment.created_at
                    except LastroError:
                        continue
            upcoming = build_boleto(
                "104", today + timedelta(days=9), Decimal("289.90"), f"{rng.randrange(10**25):025d}"
            )
            try:
                async with session.begin_nested():
                    await service.pay(
                        session,
                        caller,
                        account.id,
                        upcoming.linha_digitavel,
                        scheduled_for=today + timedelta(days=7),
                        description="IPTU parcela",
                    )
            except LastroError:
                continue
