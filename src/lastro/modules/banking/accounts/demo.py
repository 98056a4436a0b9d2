"""Demo data for the digital account in tenant ``demo``: three holders (role customer) with
accounts and about five months of history — salary by boleto deposit, PIX in and out, P2P
between them, TED with its fee, monthly package fee — posted through the same services as the
API, with past business dates, so the pages look alive on the first run. Idempotent: nothing
is added once the first holder's account exists.

Logins (X-Tenant: demo, password ``Demo@12345``): cliente1@demo.example,
cliente2@demo.example, cliente3@demo.example (a company); staff: admin@demo.example.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lastro.br.calendar import bank_calendar
from lastro.br.pix import generate_end_to_end_id
from lastro.core.auth.models import User
from lastro.core.platform.models import Tenant
from lastro.kit.clock import today_sp
from lastro.kit.ids import new_id
from lastro.modules.banking.accounts import service
from lastro.modules.banking.accounts.books import bank_books
from lastro.modules.banking.accounts.models import BankAccount

PASSWORD = "Demo@12345"  # noqa: S105 - documented demo credential, refused in production
MONTHS = 5
HOLDERS = (
    ("cliente1@demo.example", "Ana Beatriz Costa", "individual", "39053344705", Decimal("6800.00")),
    (
        "cliente2@demo.example",
        "Bruno Henrique Lima",
        "individual",
        "52998224725",
        Decimal("4200.00"),
    ),
    (
        "cliente3@demo.example",
        "Padaria Pão Quente Ltda",
        "company",
        "11222333000181",
        Decimal("18500.00"),
    ),
)
MERCHANTS = (
    ("mercado@supernova.com.br", "Supermercado Nova Era", (120, 480)),
    ("+5511987650001", "Farmácia Bem Estar", (35, 160)),
    ("contas@energia-sp.com.br", "Energia SP", (140, 260)),
    ("0f9d3c2e-5b1a-4c7d-9e8f-1a2b3c4d5e6f", "Academia Movimento", (99, 99)),
    ("pedidos@restaurantesabor.com.br", "Restaurante Sabor", (45, 190)),
)
PAYERS = (
    ("Marcos Vieira", "98765432100"),
    ("Clínica Sorriso Ltda", "45997418000153"),
    ("Juliana Prado", "12345678909"),
)


def _at(day: date, hour: int) -> datetime:
    from lastro.modules.banking.transfers.domain import SP

    return datetime.combine(day, time(hour, 15), tzinfo=SP).astimezone(UTC)


async def demo(runtime: Any) -> None:
    async with runtime.db.session(platform=True, readonly=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == "demo"))
    if tenant is None:
        return
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        first = await session.scalar(
            select(BankAccount.id).where(BankAccount.document == HOLDERS[0][3])
        )
        if first is not None:
            return
        accounts: list[BankAccount] = []
        opened = _at(today_sp() - timedelta(days=31 * MONTHS + 10), 10)
        for email, name, kind, document, _salary in HOLDERS:
            user = await session.scalar(select(User).where(User.email == email))
            if user is None:
                user = await runtime.auth.create_user(
                    session,
                    email=email,
                    name=name,
                    password=PASSWORD,
                    role="customer",
                    check_policy=False,
                )
            account = await service.open_account(
                session,
                kind=kind,
                holder_name=name,
                document=document,
                email=email,
                holder_user_id=user.id,
                opened_at=opened,
            )
            await service.register_pix_key(session, account, "email", email)
            accounts.append(account)
        await session.flush()
        await _history(session, accounts)


async def _history(session: Any, accounts: list[BankAccount]) -> None:
    from lastro.modules.banking.transfers import service as transfers
    from lastro.modules.banking.transfers.models import Transfer

    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    books = await bank_books(session)
    settings = await transfers.transfer_settings(session)
    cal = bank_calendar()
    today = today_sp()
    start = today - timedelta(days=31 * MONTHS)
    day = start
    paid: set[tuple[Any, int, int]] = set()
    while day < today:
        if not cal.is_business_day(day):
            day += timedelta(days=1)
            continue
        for i, account in enumerate(accounts):
            salary = HOLDERS[i][4]
            if day.day <= 7 and (account.id, day.year, day.month) not in paid:
                deposit = await service.issue_deposit(session, account, salary)
                await service.pay_deposit(
                    session, deposit.id, paid_at=_at(day, 9), effective_date=day
                )
                paid.add((account.id, day.year, day.month))
                # monthly package fee
                await service.debit(
                    session,
                    account,
                    amount=Decimal("9.90"),
                    credit_to=books.fees,
                    idempotency_key=f"demo:fee:{account.id}:{day:%Y%m}",
                    metadata=service.movement_metadata("fee", "tarifas", "Pacote de serviços"),
                    description="Tarifa do pacote de serviços",
                    effective_date=day,
                )
            if rng.random() < 0.35:
                key, merchant, (low, high) = rng.choice(MERCHANTS)
                amount = Decimal(rng.randint(low * 100, high * 100)) / 100
                t = Transfer(
                    id=new_id(),
                    type="pix",
                    direction="out",
                    status="scheduled",
                    account_id=account.id,
                    amount=amount,
                    fee=Decimal("0.00"),
                    description="",
                    counterparty={**transfers.normalise_pix_key(key), "name": merchant},
                    created_at=_at(day, 12 + i),
                )
                await _run(session, transfers, t, account, settings, day, 12 + i)
            if rng.random() < 0.12:
                payer, doc = rng.choice(PAYERS)
                amount = Decimal(rng.randint(5000, 90000)) / 100
                at = _at(day, 15)
                await transfers.receive_pix(
                    session,
                    end_to_end_id=generate_end_to_end_id("60701190", at),
                    amount=amount,
                    account=account,
                    payer={"name": payer, "document": doc},
                    effective_date=day,
                    received_at=at,
                )
            if rng.random() < 0.06:
                target = accounts[(i + 1) % len(accounts)]
                t = Transfer(
                    id=new_id(),
                    type="p2p",
                    direction="out",
                    status="scheduled",
                    account_id=account.id,
                    counterparty_account_id=target.id,
                    amount=Decimal(rng.randint(2000, 25000)) / 100,
                    fee=Decimal("0.00"),
                    description=rng.choice(("Almoço", "Presente", "Divisão do aluguel", "")),
                    counterparty={
                        "name": target.holder_name,
                        "agency": target.agency,
                        "account": target.display_number,
                    },
                    created_at=_at(day, 16),
                )
                await _run(session, transfers, t, account, settings, day, 16, target=target)
        if day.day in (15, 16) and day.weekday() < 5:
            account = accounts[2]
            t = Transfer(
                id=new_id(),
                type="ted",
                direction="out",
                status="scheduled",
                account_id=account.id,
                amount=Decimal(rng.randint(150000, 420000)) / 100,
                fee=settings.transfers_ted_fee,
                description="Fornecedor de farinha",
                counterparty={
                    "bank": "341",
                    "agency": "0912",
                    "account": "45021-7",
                    "account_type": "checking",
                    "name": "Moinho Paulista S.A.",
                    "document": "33000167000101",
                },
                created_at=_at(day, 11),
            )
            if not await _ted_done(session, account, day):
                await _run(session, transfers, t, account, settings, day, 11)
        day += timedelta(days=1)
    await session.flush()


async def _ted_done(session: Any, account: BankAccount, day: date) -> bool:
    from lastro.modules.banking.transfers.models import Transfer

    since = _at(day.replace(day=1), 0)
    found = await session.scalar(
        select(Transfer.id).where(
            Transfer.account_id == account.id, Transfer.type == "ted", Transfer.created_at >= since
        )
    )
    return found is not None


async def _run(
    session: Any,
    transfers: Any,
    t: Any,
    account: BankAccount,
    settings: Any,
    day: date,
    hour: int,
    target: BankAccount | None = None,
) -> None:
    """Execute a past order; one the balance of that day could not pay is simply skipped."""
    from lastro.kit.errors import LastroError

    try:
        async with session.begin_nested():
            await transfers.execute(
                session,
                t,
                account=account,
                settings=settings,
                effective_date=day,
                at=_at(day, hour),
                target=target,
            )
            t.settled_at = t.executed_at
    except LastroError:
        return
