"""Demo cards for tenant ``demo``: a physical card on each customer account (a virtual one on
some), months of captured purchases posted to the ledger on their dates, a few declines, open
authorisations (holds) from today, one blocked card and one reported lost and replaced.
Idempotent: nothing is added once the tenant has cards. Runs after the accounts' demo."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.platform.models import Tenant
from lastro.core.runtime import Runtime
from lastro.kit.clock import SAO_PAULO, today_sp
from lastro.kit.errors import LastroError
from lastro.kit.ids import new_id
from lastro.modules.banking.accounts import service as accounts
from lastro.modules.banking.accounts.models import BankAccount
from lastro.modules.banking.cards import crypto, domain, service
from lastro.modules.banking.cards.books import CARD_SETTLEMENT, bank_account
from lastro.modules.banking.cards.models import Card, CardAuthorization

MERCHANTS = (
    ("Supermercado Pão Dourado", "5411", "São Paulo", (60, 420)),
    ("Restaurante Sabor Mineiro", "5812", "Belo Horizonte", (35, 160)),
    ("Posto Estrela", "5541", "Campinas", (90, 300)),
    ("Farmácia Vida", "5912", "São Paulo", (20, 180)),
    ("Cinema Paradiso", "7832", "Rio de Janeiro", (30, 90)),
    ("Loja Tudo Casa", "5311", "Curitiba", (50, 600)),
    ("App de Transporte", "4121", "São Paulo", (12, 60)),
    ("Streaming Plus", "5815", "São Paulo", (25, 55)),
    ("Padaria Central", "5462", "Recife", (10, 45)),
    ("Hotel Beira Mar", "7011", "Salvador", (250, 900)),
)
MONTHS = 5


async def demo_tenant(runtime: Runtime) -> uuid.UUID | None:
    async with runtime.db.session(platform=True, readonly=True) as session:
        found: uuid.UUID | None = await session.scalar(
            select(Tenant.id).where(Tenant.slug == "demo")
        )
        return found


async def customer_accounts(session: AsyncSession, limit: int = 6) -> list[BankAccount]:
    rows = await session.scalars(
        select(BankAccount)
        .where(BankAccount.status == "active", BankAccount.holder_user_id.is_not(None))
        .order_by(BankAccount.opened_at, BankAccount.id)
        .limit(limit)
    )
    return list(rows.all())


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 21), rng.randint(0, 59)), tzinfo=SAO_PAULO)


async def _history(
    session: AsyncSession, rng: random.Random, card: Card, account: BankAccount, budget: Decimal
) -> None:
    """Captured purchases over the last months, posted on their own dates."""
    today = today_sp()
    settlement = await bank_account(session, CARD_SETTLEMENT)
    start = today - timedelta(days=30 * MONTHS)
    # an allowance that accrues day by day spreads the purchases over the whole period
    allowance = Decimal("0.00")
    daily = budget / ((today - start).days + 1)
    day = start
    while day <= today:
        allowance += daily
        for _ in range(rng.choice((0, 1, 1, 2))):
            name, mcc, city, (lo, hi) = rng.choice(MERCHANTS)
            amount = Decimal(rng.randint(lo * 100, hi * 100)) / 100
            if amount > allowance:
                continue
            auth_id = new_id()
            meta = accounts.movement_metadata(
                "card_purchase",
                domain.category_for_mcc(mcc),
                name,
                mcc=mcc,
                card_last4=card.last4,
                authorization_id=str(auth_id),
            )
            try:
                entry = await accounts.debit(
                    session,
                    account,
                    amount=amount,
                    credit_to=settlement,
                    idempotency_key=f"card-auth:{auth_id}",
                    metadata=meta,
                    description=f"Compra no cartão final {card.last4}: {name}",
                    effective_date=day,
                )
            except LastroError:
                return
            at = _moment(day, rng)
            session.add(
                CardAuthorization(
                    id=auth_id,
                    card_id=card.id,
                    account_id=account.id,
                    processor_ref=f"demo-{auth_id.hex}",
                    amount=amount,
                    merchant_name=name,
                    merchant_city=city,
                    mcc=mcc,
                    category=domain.category_for_mcc(mcc),
                    status="captured",
                    captured_amount=amount,
                    capture_entry_id=entry.id,
                    local_date=day,
                    created_at=at,
                    captured_at=at + timedelta(hours=20),
                )
            )
            allowance -= amount
        day += timedelta(days=1)
    # a couple of declines along the way
    for reason, days_ago in (("LIMIT_EXCEEDED", 40), ("INSUFFICIENT_BALANCE", 12)):
        name, mcc, city, _ = MERCHANTS[9]
        d = today - timedelta(days=days_ago)
        session.add(
            CardAuthorization(
                card_id=card.id,
                account_id=account.id,
                processor_ref=f"demo-{new_id().hex}",
                amount=Decimal("4999.00"),
                merchant_name=name,
                merchant_city=city,
                mcc=mcc,
                category=domain.category_for_mcc(mcc),
                status="declined",
                decline_reason=reason,
                local_date=d,
                created_at=_moment(d, rng),
            )
        )
    await session.flush()


async def load_cards_demo(runtime: Runtime) -> None:
    tenant_id = await demo_tenant(runtime)
    if tenant_id is None:
        return
    rng = random.Random(3)  # noqa: S311 - demo data
    cipher = crypto.cipher(production=runtime.settings.is_production)
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        if await session.scalar(select(func.count()).select_from(Card)):
            return
        holders = await customer_accounts(session)
        if not holders:
            return
        staff = service.Caller(uuid.UUID(int=0), staff=True)
        for i, account in enumerate(holders):
            card = await service.issue_card(session, cipher, staff, account.id, kind="physical")
            available = (await accounts.balance(session, account)).available
            await _history(
                session, rng, card, account, (available * Decimal("0.3")).quantize(Decimal("0.01"))
            )
            if i % 2 == 0:
                await service.issue_card(
                    session,
                    cipher,
                    staff,
                    account.id,
                    kind="virtual",
                    nickname="Compras online",
                    daily_limit=Decimal("800.00"),
                    monthly_limit=Decimal("1500.00"),
                )
            if i == 1:
                await service.block(session, staff, card.id, "Bloqueio temporário pelo titular")
            elif i == 2:
                await service.report_lost(session, cipher, staff, card.id, "Cartão roubado")
            else:
                # open authorisations today: holds on the account
                for j in range(2):
                    name, mcc, city, (lo, hi) = MERCHANTS[j]
                    try:
                        async with session.begin_nested():
                            await service.authorize(
                                session,
                                cipher,
                                service.AuthorizationRequest(
                                    processor_ref=f"demo-open-{card.id.hex}-{j}",
                                    amount=Decimal(rng.randint(lo * 100, hi * 100)) / 100,
                                    merchant_name=name,
                                    mcc=mcc,
                                    token=card.token,
                                    merchant_city=city,
                                ),
                            )
                    except LastroError:
                        continue
