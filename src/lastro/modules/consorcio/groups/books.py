"""Each group's own books, and the administradora's, in the core ledger.

A group is a separate accounting entity (Lei 11.795 art. 3; Res. BCB 156/2021): when it is
created it gets a book on the ``consorcio.grupo`` chart; the administradora keeps one book on
``consorcio.administradora`` per tenant. A payment is split into components and posted to both
in one call (:func:`post_payment_split`), keyed by the payment, so it applies exactly once:

* group: debit *Bancos* by the total; credit *Fundo comum* (fc), *Fundo de reserva* (fr),
  *Taxa de administração a repassar* (ta), *Seguros a repassar* (seguro), *Multas e juros do
  grupo* (the group's share) and *Multas e juros a repassar* (the administradora's share);
* administradora: debit *Taxa de administração a receber* and *Multas e juros a receber*;
  credit the matching revenues.

The fine/interest split follows the group's rules on the payment date; the group's share is
rounded half-up so that it never falls below the contractual share (at least 50 %, art. 28).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.ledger.errors import CodeTaken
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.templates import AccountTemplate, ChartTemplate, register_chart
from lastro.core.ledger.types import AccountInfo, AccountType, EntryDraft, LedgerInfo, Posting
from lastro.kit.money import CENT, quantize
from lastro.modules.consorcio.groups.errors import (
    BooksNotOpen,
    InvalidPaymentSplit,
    PaymentSplitConflict,
)
from lastro.modules.consorcio.groups.models import Group, GroupBookPosting

MODULE = "consorcio"
ADMIN_BOOK_CODE = "consorcio-administradora"

# group chart
G_BANK = "1.1.1"
G_INVESTMENTS = "1.1.2"
G_RECEIVABLE = "1.2.1"
G_FEE_PAYABLE = "2.1.1"
G_PENALTY_PAYABLE = "2.1.2"
G_INSURANCE_PAYABLE = "2.1.3"
G_CREDITS_PAYABLE = "2.1.4"
G_REFUNDS_PAYABLE = "2.1.5"
G_COMMON_FUND = "3.1.1"
G_RESERVE_FUND = "3.1.2"
G_PENALTIES = "3.1.3"
G_YIELD = "3.1.4"
# administradora chart
A_BANK = "1.1.1"
A_FEE_RECEIVABLE = "1.2.1"
A_PENALTY_RECEIVABLE = "1.2.2"
A_FEE_REVENUE = "4.1.1"
A_PENALTY_REVENUE = "4.1.2"

GROUP_CHART = register_chart(
    ChartTemplate(
        name="consorcio.grupo",
        description="Livro de um grupo de consórcio: patrimônio próprio, separado da "
        "administradora (Lei 11.795, art. 3º; Res. BCB 156/2021).",
        accounts=(
            AccountTemplate(G_BANK, "Bancos - recursos do grupo", AccountType.ASSET, hot=True),
            AccountTemplate(G_INVESTMENTS, "Aplicações financeiras do grupo", AccountType.ASSET),
            AccountTemplate(G_RECEIVABLE, "Recursos a receber de consorciados", AccountType.ASSET),
            AccountTemplate(
                G_FEE_PAYABLE, "Taxa de administração a repassar", AccountType.LIABILITY
            ),
            AccountTemplate(
                G_PENALTY_PAYABLE,
                "Multas e juros a repassar à administradora",
                AccountType.LIABILITY,
            ),
            AccountTemplate(G_INSURANCE_PAYABLE, "Seguros a repassar", AccountType.LIABILITY),
            AccountTemplate(
                G_CREDITS_PAYABLE, "Créditos a pagar a contemplados", AccountType.LIABILITY
            ),
            AccountTemplate(
                G_REFUNDS_PAYABLE, "Restituições a pagar a excluídos", AccountType.LIABILITY
            ),
            AccountTemplate(G_COMMON_FUND, "Fundo comum", AccountType.EQUITY, hot=True),
            AccountTemplate(G_RESERVE_FUND, "Fundo de reserva", AccountType.EQUITY),
            AccountTemplate(G_PENALTIES, "Multas e juros do grupo", AccountType.EQUITY),
            AccountTemplate(G_YIELD, "Rendimentos financeiros do grupo", AccountType.EQUITY),
        ),
    )
)

ADMIN_CHART = register_chart(
    ChartTemplate(
        name="consorcio.administradora",
        description="Livro próprio da administradora de consórcio: taxa de administração e "
        "multas a receber dos grupos e suas receitas.",
        accounts=(
            AccountTemplate(A_BANK, "Bancos - administradora", AccountType.ASSET, hot=True),
            AccountTemplate(
                A_FEE_RECEIVABLE, "Taxa de administração a receber dos grupos", AccountType.ASSET
            ),
            AccountTemplate(
                A_PENALTY_RECEIVABLE, "Multas e juros a receber dos grupos", AccountType.ASSET
            ),
            AccountTemplate(A_FEE_REVENUE, "Receita de taxa de administração", AccountType.REVENUE),
            AccountTemplate(A_PENALTY_REVENUE, "Receita de multas e juros", AccountType.REVENUE),
        ),
    )
)

# what a payment may carry; multa/juros are split by the group's share, the *_grupo/*_adm keys
# are for callers that already split them
SPLIT_KEYS = (
    "fc",
    "ta",
    "fr",
    "seguro",
    "multa",
    "juros",
    "multa_grupo",
    "juros_grupo",
    "multa_adm",
    "juros_adm",
)


def group_book_code(group: Group) -> str:
    return f"consorcio-grupo-{group.code}"


async def _ledger(
    session: AsyncSession, *, code: str, name: str, chart: str, owner_ref: str
) -> LedgerInfo:
    found = await ledger_service.find_ledger(session, code)
    if found is not None:
        return found
    try:
        return await ledger_service.open_ledger(
            session, code=code, name=name, module=MODULE, owner_ref=owner_ref, chart=chart
        )
    except CodeTaken:  # opened by a concurrent request a moment ago
        found = await ledger_service.find_ledger(session, code)
        if found is None:
            raise
        return found


async def admin_book(session: AsyncSession) -> LedgerInfo:
    """The administradora's own book (opened on first use)."""
    return await _ledger(
        session,
        code=ADMIN_BOOK_CODE,
        name="Administradora (livro próprio)",
        chart=ADMIN_CHART.name,
        owner_ref="consorcio:administradora",
    )


async def open_group_books(session: AsyncSession, group: Group) -> LedgerInfo:
    """Open the group's book (and make sure the administradora's exists)."""
    await admin_book(session)
    book = await _ledger(
        session,
        code=group_book_code(group),
        name=f"Grupo {group.code}",
        chart=GROUP_CHART.name,
        owner_ref=f"consorcio:grupo:{group.id}",
    )
    group.ledger_id = book.id
    return book


async def _accounts(session: AsyncSession, ledger_id: uuid.UUID) -> dict[str, AccountInfo]:
    return {a.code: a for a in await ledger_service.list_accounts(session, ledger_id)}


async def _group_ledger_id(session: AsyncSession, group: Group) -> uuid.UUID:
    if group.ledger_id is None:
        return (await open_group_books(session, group)).id
    return group.ledger_id


def _amounts(components: Mapping[str, Decimal | int | str]) -> dict[str, Decimal]:
    unknown = sorted(set(components) - set(SPLIT_KEYS))
    if unknown:
        raise InvalidPaymentSplit(
            f"Componentes desconhecidos: {', '.join(unknown)}.",
            extra={"allowed": list(SPLIT_KEYS)},
        )
    out: dict[str, Decimal] = {}
    for key, raw in components.items():
        if isinstance(raw, float):
            raise InvalidPaymentSplit("Valores em dinheiro não podem ser float.")
        try:
            value = Decimal(raw)
        except (InvalidOperation, ValueError):
            raise InvalidPaymentSplit(f"Valor inválido para {key}: {raw!r}.") from None
        if not value.is_finite() or value < 0 or value != value.quantize(CENT):
            raise InvalidPaymentSplit(
                f"Valor de {key} deve ser positivo e ter no máximo 2 casas: {raw}."
            )
        if value:
            out[key] = value
    if not out:
        raise InvalidPaymentSplit("O pagamento não tem valor a lançar.")
    return out


def split_penalty(amount: Decimal, group_share_pct: Decimal) -> tuple[Decimal, Decimal]:
    """(group, administradora) parts of a fine or interest; the group's part rounds up."""
    group = quantize(amount * group_share_pct / 100, CENT, ROUND_HALF_UP)
    group = min(group, amount)
    return group, amount - group


@dataclass(frozen=True)
class PostedPayment:
    posting: GroupBookPosting
    created: bool


async def post_payment_split(
    session: AsyncSession,
    group_id: uuid.UUID,
    payment_ref: str,
    components: Mapping[str, Decimal | int | str],
    paid_on: date,
    *,
    description: str = "",
) -> PostedPayment:
    """Post a received payment, split into components (R$), to the group's and the
    administradora's books. Idempotent by ``payment_ref``: the same call again returns the
    first posting (``created=False``); the same reference with other amounts is a 409."""
    from lastro.modules.consorcio.groups.service import get_group, rules_as_of

    if not payment_ref or len(payment_ref) > 120:
        raise InvalidPaymentSplit("Referência do pagamento deve ter de 1 a 120 caracteres.")
    amounts = _amounts(components)
    stored = {k: str(v) for k, v in sorted(amounts.items())}
    existing = await session.scalar(
        select(GroupBookPosting).where(GroupBookPosting.payment_ref == payment_ref)
    )
    if existing is not None:
        return _same(existing, group_id, stored)
    group = await get_group(session, group_id)
    rules = await rules_as_of(session, group_id, max(paid_on, group.formation_started_on))
    fine_g, fine_a = split_penalty(amounts.get("multa", Decimal(0)), rules.late_group_share_pct)
    int_g, int_a = split_penalty(amounts.get("juros", Decimal(0)), rules.late_group_share_pct)
    penalties_group = fine_g + int_g + amounts.get("multa_grupo", 0) + amounts.get("juros_grupo", 0)
    penalties_admin = fine_a + int_a + amounts.get("multa_adm", 0) + amounts.get("juros_adm", 0)
    total = sum(amounts.values(), Decimal(0))
    row = GroupBookPosting(
        group_id=group_id, payment_ref=payment_ref, paid_on=paid_on, amount=total, components=stored
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        existing = await session.scalar(
            select(GroupBookPosting).where(GroupBookPosting.payment_ref == payment_ref)
        )
        if existing is None:
            raise
        return _same(existing, group_id, stored)

    g = await _accounts(session, await _group_ledger_id(session, group))
    a = await _accounts(session, (await admin_book(session)).id)
    credits = [
        (G_COMMON_FUND, amounts.get("fc", Decimal(0))),
        (G_RESERVE_FUND, amounts.get("fr", Decimal(0))),
        (G_FEE_PAYABLE, amounts.get("ta", Decimal(0))),
        (G_INSURANCE_PAYABLE, amounts.get("seguro", Decimal(0))),
        (G_PENALTIES, penalties_group),
        (G_PENALTY_PAYABLE, penalties_admin),
    ]
    text = description or f"Pagamento {payment_ref}"
    meta = {"payment_ref": payment_ref, "group": group.code, "components": stored}
    drafts = [
        EntryDraft(
            idempotency_key=f"payment:{payment_ref}",
            postings=(
                Posting.debit(g[G_BANK].id, total),
                *(Posting.credit(g[code].id, value) for code, value in credits if value),
            ),
            description=text,
            metadata=meta,
            effective_date=paid_on,
        )
    ]
    fee = amounts.get("ta", Decimal(0))
    admin_legs: list[Posting] = []
    if fee:
        admin_legs += [
            Posting.debit(a[A_FEE_RECEIVABLE].id, fee),
            Posting.credit(a[A_FEE_REVENUE].id, fee),
        ]
    if penalties_admin:
        admin_legs += [
            Posting.debit(a[A_PENALTY_RECEIVABLE].id, penalties_admin),
            Posting.credit(a[A_PENALTY_REVENUE].id, penalties_admin),
        ]
    if admin_legs:
        drafts.append(
            EntryDraft(
                idempotency_key=f"payment:{payment_ref}",
                postings=tuple(admin_legs),
                description=f"{text} (grupo {group.code})",
                metadata=meta,
                effective_date=paid_on,
            )
        )
    results = await ledger_service.post_linked(session, drafts)
    row.group_entry_id = results[0].id
    row.admin_entry_id = results[1].id if len(results) > 1 else None
    await session.flush()
    return PostedPayment(row, True)


def _same(existing: GroupBookPosting, group_id: uuid.UUID, stored: dict[str, str]) -> PostedPayment:
    if existing.group_id != group_id or existing.components != stored:
        raise PaymentSplitConflict(
            f"O pagamento {existing.payment_ref} já foi lançado com outro grupo ou valores."
        )
    return PostedPayment(existing, False)


async def post_fee_transfer(
    session: AsyncSession, group_id: uuid.UUID, ref: str, amount: Decimal, on: date
) -> None:
    """Hand the administration fee the group collected over to the administradora (repasse):
    the group's bank pays the fee payable; the administradora's bank receives it."""
    from lastro.modules.consorcio.groups.service import get_group

    value = _amounts({"ta": amount})["ta"]
    group = await get_group(session, group_id)
    g = await _accounts(session, await _group_ledger_id(session, group))
    a = await _accounts(session, (await admin_book(session)).id)
    await ledger_service.post_linked(
        session,
        [
            EntryDraft(
                idempotency_key=f"repasse:{ref}",
                postings=(
                    Posting.debit(g[G_FEE_PAYABLE].id, value),
                    Posting.credit(g[G_BANK].id, value),
                ),
                description=f"Repasse da taxa de administração ({ref})",
                effective_date=on,
            ),
            EntryDraft(
                idempotency_key=f"repasse:{ref}",
                postings=(
                    Posting.debit(a[A_BANK].id, value),
                    Posting.credit(a[A_FEE_RECEIVABLE].id, value),
                ),
                description=f"Repasse da taxa de administração do grupo {group.code} ({ref})",
                effective_date=on,
            ),
        ],
    )


@dataclass(frozen=True)
class AccountBalance:
    code: str
    name: str
    type: str
    balance: Decimal


@dataclass(frozen=True)
class BooksView:
    ledger: LedgerInfo
    accounts: list[AccountBalance]
    daily: list[tuple[date, dict[str, Decimal]]]


async def books_view(session: AsyncSession, group: Group, since: date, until: date) -> BooksView:
    """Balances per account now, and each account's balance at the end of every day of
    ``since``..``until`` (read from the ledger's statements: one pass per account)."""
    ledger_id = group.ledger_id
    if ledger_id is None:
        raise BooksNotOpen("O grupo ainda não tem livro contábil.")
    ledger = await ledger_service.get_ledger(session, ledger_id)
    accounts = await ledger_service.list_accounts(session, ledger_id)
    balances = await ledger_service.balances(session, [a.id for a in accounts])
    rows = [
        AccountBalance(a.code, a.name, a.type.value, balances[a.id].posted)
        for a in sorted(accounts, key=lambda x: x.code)
    ]
    days = [since + timedelta(days=i) for i in range((until - since).days + 1)]
    series: dict[date, dict[str, Decimal]] = {d: {} for d in days}
    for account in accounts:
        ends: dict[date, Decimal] = {}
        cursor: str | None = None
        opening: Decimal | None = None
        while True:
            page = await ledger_service.statement(
                session, account.id, limit=1000, cursor=cursor, since=since, until=until
            )
            if opening is None:
                opening = page.opening_balance
            for line in page.lines:
                ends[line.effective_date] = line.balance
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        running = opening or Decimal("0.00")
        for d in days:
            running = ends.get(d, running)
            series[d][account.code] = running
    return BooksView(ledger, rows, [(d, series[d]) for d in days])
