"""CNAB 240 remessa files: every charge of a collecting account not yet sent to the bank.

Generating locks the account row first (the same lock issuing a nosso número takes), so the
set of pending charges cannot grow while the file is written: each charge goes out in exactly
one remessa, and a crash before commit leaves them pending for the next file.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.cnab import Pagador, Remessa, Titulo, write_remessa_240
from lastro.kit.clock import today_sp, utcnow
from lastro.modules.consorcio.billing import accounts as accounts_service
from lastro.modules.consorcio.billing.banks import beneficiario
from lastro.modules.consorcio.billing.models import Charge, CollectingAccount
from lastro.modules.consorcio.billing.models import Remessa as RemessaRow
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.domain.rounding import q_money
from lastro.modules.consorcio.groups.models import GroupRuleVersion
from lastro.modules.consorcio.quotas.models import Quota

_BATCH = 5000
# primary-key lookups: small enough that the planner always picks the index
_LOOKUP = 1000


@dataclass(frozen=True)
class RemessaSummary:
    id: uuid.UUID
    collecting_account_id: uuid.UUID
    sequence: int
    titulos_count: int
    total_amount: Decimal


PAYER_COLUMNS = (
    Consorciado.document,
    Consorciado.name,
    Consorciado.street,
    Consorciado.number,
    Consorciado.complement,
    Consorciado.district,
    Consorciado.cep,
    Consorciado.city,
    Consorciado.state,
)


def pagador(
    document: str,
    name: str,
    street: str,
    number: str,
    complement: str,
    district: str,
    cep: str,
    city: str,
    state: str,
) -> Pagador:
    """The payer as CNAB wants it (truncated to the layout's widths)."""
    address = ", ".join(p for p in (street, number, complement) if p)
    return Pagador(
        document=document,
        name=name[:40],
        address=address[:40],
        bairro=district[:15],
        cep=cep if len(cep) == 8 and cep.isdigit() else "00000000",
        city=city[:15],
        uf=state[:2],
    )


async def _payer_fields(
    session: AsyncSession, quota_ids: set[uuid.UUID]
) -> dict[uuid.UUID, tuple[Any, ...]]:
    """Each quota's holder's :data:`PAYER_COLUMNS`: primary-key lookups in batches, one table
    at a time (a join here can be planned as a nested loop over the whole tenant when the
    tables' statistics are stale, e.g. right after a bulk load)."""
    ids = list(quota_ids)
    holder: dict[uuid.UUID, uuid.UUID] = {}
    for i in range(0, len(ids), _LOOKUP):
        for quota_id, person_id in await session.execute(
            select(Quota.id, Quota.consorciado_id).where(Quota.id.in_(ids[i : i + _LOOKUP]))
        ):
            holder[quota_id] = person_id
    people = list(set(holder.values()))
    found: dict[uuid.UUID, tuple[Any, ...]] = {}
    for i in range(0, len(people), _LOOKUP):
        for person_id, *fields in await session.execute(
            select(Consorciado.id, *PAYER_COLUMNS).where(
                Consorciado.id.in_(people[i : i + _LOOKUP])
            )
        ):
            found[person_id] = tuple(fields)
    return {q: found[p] for q, p in holder.items()}


async def _interest_rates(session: AsyncSession) -> dict[uuid.UUID, Decimal]:
    """Monthly late interest per group (the latest rule version; the bank only needs a hint
    for the juros-per-day field, the real charge is computed on payment)."""
    rows = await session.execute(
        select(
            GroupRuleVersion.group_id,
            GroupRuleVersion.effective_from,
            GroupRuleVersion.late_interest_monthly_pct,
        ).order_by(GroupRuleVersion.group_id, GroupRuleVersion.effective_from)
    )
    return {group_id: pct for group_id, _on, pct in rows.all()}


_CHARGE_COLUMNS = (
    Charge.id,
    Charge.group_id,
    Charge.quota_id,
    Charge.nosso_numero,
    Charge.nosso_numero_dv,
    Charge.document_number,
    Charge.due_date,
    Charge.amount,
    Charge.issue_date,
)


async def _next_sequence(session: AsyncSession, account: CollectingAccount) -> int:
    """The account's next remessa number; the row stays locked until the transaction ends."""
    result = await session.execute(
        update(CollectingAccount)
        .where(CollectingAccount.id == account.id)
        .values(remessa_sequence=CollectingAccount.remessa_sequence + 1)
        .returning(CollectingAccount.remessa_sequence)
        .execution_options(synchronize_session=False)
    )
    return int(result.scalar_one())


async def _give_back(session: AsyncSession, account: CollectingAccount, sequence: int) -> None:
    """Return an unused remessa number when it is still the last one handed out."""
    await session.execute(
        update(CollectingAccount)
        .where(
            CollectingAccount.id == account.id,
            CollectingAccount.remessa_sequence == sequence,
        )
        .values(remessa_sequence=sequence - 1)
        .execution_options(synchronize_session=False)
    )


async def _attach_pending(
    session: AsyncSession, account: CollectingAccount, remessa_id: uuid.UUID
) -> None:
    """Every open charge of the account not yet in a remessa joins this one."""
    ids = (
        await session.scalars(
            select(Charge.id).where(
                Charge.collecting_account_id == account.id,
                Charge.remessa_id.is_(None),
                Charge.status == "open",
            )
        )
    ).all()
    for i in range(0, len(ids), _BATCH):
        await session.execute(
            update(Charge)
            .where(Charge.id.in_(ids[i : i + _BATCH]))
            .values(remessa_id=remessa_id)
            .execution_options(synchronize_session=False)
        )


#: what the remessa needs of a charge: the columns of :data:`_CHARGE_COLUMNS` but the id,
#: then the holder's :data:`PAYER_COLUMNS`
KnownCharge = tuple[Any, ...]


async def _charge_rows(
    session: AsyncSession,
    account: CollectingAccount,
    remessa_id: uuid.UUID,
    known: dict[uuid.UUID, KnownCharge],
) -> list[KnownCharge]:
    """The open charges stamped with the remessa; what the caller already holds is not read
    again (a billing run passes the hundred thousand charges it just wrote)."""
    ids = (
        await session.scalars(
            select(Charge.id).where(
                Charge.collecting_account_id == account.id,
                Charge.remessa_id == remessa_id,
                Charge.status == "open",
            )
        )
    ).all()
    out = [known[i] for i in ids if i in known]
    missing = [i for i in ids if i not in known]
    fetched: list[Any] = []
    for i in range(0, len(missing), _LOOKUP):
        fetched.extend(
            (
                await session.execute(
                    select(*_CHARGE_COLUMNS[1:]).where(Charge.id.in_(missing[i : i + _LOOKUP]))
                )
            ).all()
        )
    if fetched:
        payers = await _payer_fields(session, {r[1] for r in fetched})
        out.extend((*r, *payers[r[1]]) for r in fetched)
    out.sort(key=lambda r: r[2])  # by nosso número
    return out


async def _write(
    session: AsyncSession,
    account: CollectingAccount,
    row: RemessaRow,
    day: date,
    known: dict[uuid.UUID, KnownCharge] | None = None,
) -> RemessaSummary | None:
    """Write the file of every open charge stamped with ``row``; drop ``row`` when empty."""
    rows = await _charge_rows(session, account, row.id, known or {})
    if not rows:
        await session.delete(row)
        await session.flush()
        await _give_back(session, account, row.sequence)
        return None
    rates = await _interest_rates(session)
    titulos = []
    total = Decimal("0.00")
    for group_id, _quota_id, nn, nn_dv, doc, due, amount, issued, *payer in rows:
        rate = rates.get(group_id, Decimal(0))
        titulos.append(
            Titulo(
                nosso_numero=nn,
                seu_numero=doc,
                due_date=due,
                amount=amount,
                issue_date=issued,
                pagador=pagador(*payer),
                juros_per_day=q_money(amount * rate / Decimal(3000)),
                nosso_numero_dv=nn_dv,
            )
        )
        total += amount
    info = accounts_service.info(account)
    row.content = write_remessa_240(
        Remessa(beneficiario(info), tuple(titulos), sequence=row.sequence, generated_on=day)
    )
    row.generated_on = day
    row.titulos_count = len(titulos)
    row.total_amount = total
    row.status = "generated"
    await session.flush()
    return RemessaSummary(row.id, account.id, row.sequence, len(titulos), total)


def _placeholder(
    account: CollectingAccount, sequence: int, day: date, billing_run_id: uuid.UUID | None
) -> RemessaRow:
    return RemessaRow(
        collecting_account_id=account.id,
        billing_run_id=billing_run_id,
        sequence=sequence,
        file_name=f"CB{day:%d%m}{sequence % 100000:05d}.REM",
        generated_on=day,
        titulos_count=0,
        total_amount=Decimal("0.00"),
        status="building",
        content="",
        created_at=utcnow(),
    )


async def open_for_run(
    session: AsyncSession, account: CollectingAccount, billing_run_id: uuid.UUID, day: date
) -> uuid.UUID:
    """The remessa a billing run stamps its charges with for ``account`` (created once per run
    and account, status ``building`` until :func:`close_for_run`), so the run never has to
    update its charges afterwards."""
    found = await session.scalar(
        select(RemessaRow.id).where(
            RemessaRow.billing_run_id == billing_run_id,
            RemessaRow.collecting_account_id == account.id,
            RemessaRow.status == "building",
        )
    )
    if found is not None:
        return found
    row = _placeholder(account, await _next_sequence(session, account), day, billing_run_id)
    session.add(row)
    await session.flush()
    return row.id


async def close_for_run(
    session: AsyncSession,
    billing_run_id: uuid.UUID,
    day: date,
    known: dict[uuid.UUID, KnownCharge] | None = None,
) -> list[RemessaSummary]:
    """Write the run's remessas (adding any charge issued on demand meanwhile); ``known`` are
    the charges the run wrote, by id (see :data:`KnownCharge`)."""
    rows = (
        await session.scalars(
            select(RemessaRow).where(
                RemessaRow.billing_run_id == billing_run_id, RemessaRow.status == "building"
            )
        )
    ).all()
    out = []
    for row in rows:
        account = await accounts_service.get_account(session, row.collecting_account_id)
        await _attach_pending(session, account, row.id)
        summary = await _write(session, account, row, day, known)
        if summary is not None:
            out.append(summary)
    return out


async def generate_for_account(
    session: AsyncSession,
    account: CollectingAccount,
    *,
    billing_run_id: uuid.UUID | None = None,
    on: date | None = None,
) -> RemessaSummary | None:
    """One remessa with every open charge of ``account`` not yet sent (None when none)."""
    day = on or today_sp()
    pending = await session.scalar(
        select(Charge.id)
        .where(
            Charge.collecting_account_id == account.id,
            Charge.remessa_id.is_(None),
            Charge.status == "open",
        )
        .limit(1)
    )
    if pending is None:
        return None
    row = _placeholder(account, await _next_sequence(session, account), day, billing_run_id)
    session.add(row)
    await session.flush()
    await _attach_pending(session, account, row.id)
    return await _write(session, account, row, day)


async def generate_pending(
    session: AsyncSession, *, billing_run_id: uuid.UUID | None = None, on: date | None = None
) -> list[RemessaSummary]:
    """A remessa for every active account that has charges waiting to be registered."""
    accounts = (
        await session.scalars(
            select(CollectingAccount)
            .where(CollectingAccount.active.is_(True))
            .order_by(CollectingAccount.created_at)
        )
    ).all()
    out = []
    for account in accounts:
        summary = await generate_for_account(session, account, billing_run_id=billing_run_id, on=on)
        if summary is not None:
            out.append(summary)
    return out
