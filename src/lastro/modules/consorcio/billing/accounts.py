"""Collecting bank accounts: registration, which one a group uses, and nosso-número blocks."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.documents import normalize_document, parse_cnpj, parse_cpf
from lastro.br.pix import parse_pix_key
from lastro.kit.errors import LastroError
from lastro.modules.consorcio.billing import banks
from lastro.modules.consorcio.billing.errors import (
    CollectingAccountConflict,
    CollectingAccountNotFound,
    InvalidCollectingAccount,
    NoCollectingAccount,
    NossoNumeroExhausted,
)
from lastro.modules.consorcio.billing.models import CollectingAccount
from lastro.modules.consorcio.groups.models import Group


def info(account: CollectingAccount) -> banks.AccountInfo:
    return banks.AccountInfo(
        bank_code=account.bank_code,
        agencia=account.agencia,
        conta=account.conta,
        convenio=account.convenio,
        carteira=account.carteira,
        beneficiary_name=account.beneficiary_name,
        beneficiary_document=account.beneficiary_document,
        beneficiary_city=account.beneficiary_city,
        pix_location_base=account.pix_location_base,
        agencia_dv=account.agencia_dv,
        conta_dv=account.conta_dv,
        bank_name=account.bank_name,
    )


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "beneficiary_document" in out:
        try:
            raw = normalize_document(out["beneficiary_document"])
            out["beneficiary_document"] = parse_cpf(raw) if len(raw) == 11 else parse_cnpj(raw)
        except LastroError as exc:
            raise InvalidCollectingAccount(
                f"Documento do beneficiário inválido: {exc.detail}",
                extra={"field": "beneficiary_document"},
            ) from None
    if "pix_key" in out:
        try:
            out["pix_key"] = parse_pix_key(out["pix_key"]).value
        except LastroError as exc:
            raise InvalidCollectingAccount(
                f"Chave PIX inválida: {exc.detail}", extra={"field": "pix_key"}
            ) from None
    if "pix_location_base" in out:
        base = str(out["pix_location_base"]).strip()
        for prefix in ("https://", "http://"):
            if base.lower().startswith(prefix):
                base = base[len(prefix) :]
        out["pix_location_base"] = base.rstrip("/")
    if "bank_code" in out and not out.get("bank_name"):
        out["bank_name"] = banks.SUPPORTED_BANKS.get(out["bank_code"], "")
    return out


async def _check_group(session: AsyncSession, group_id: uuid.UUID | None) -> None:
    if group_id is None:
        return
    found = await session.scalar(select(Group.id).where(Group.id == group_id))
    if found is None:
        raise InvalidCollectingAccount(
            "Grupo não encontrado para a conta de cobrança.", extra={"field": "group_id"}
        )


async def create_account(session: AsyncSession, data: dict[str, Any]) -> CollectingAccount:
    """Validate by issuing a trial boleto and BR Code; the first account becomes the default."""
    defaults = {"agencia_dv": "", "conta_dv": "", "convenio": "", "carteira": "", "active": True}
    values = _normalise({**defaults, **{k: v for k, v in data.items() if v is not None}})
    await _check_group(session, values.get("group_id"))
    account = CollectingAccount(**values)
    banks.validate_account(info(account))
    has_default = await session.scalar(
        select(CollectingAccount.id).where(CollectingAccount.is_default.is_(True)).limit(1)
    )
    if values.get("is_default"):
        await session.execute(
            update(CollectingAccount)
            .where(CollectingAccount.is_default.is_(True))
            .values(is_default=False)
        )
    elif has_default is None and values.get("group_id") is None:
        account.is_default = True
    session.add(account)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise CollectingAccountConflict(
            "Já existe uma conta de cobrança com este banco, agência, conta e carteira, "
            "ou outra conta para o mesmo grupo."
        ) from None
    return account


async def update_account(
    session: AsyncSession, account_id: uuid.UUID, data: dict[str, Any]
) -> CollectingAccount:
    account = await get_account(session, account_id)
    values = _normalise(data)
    if "group_id" in values:
        await _check_group(session, values["group_id"])
    if values.get("is_default"):
        await session.execute(
            update(CollectingAccount)
            .where(CollectingAccount.is_default.is_(True), CollectingAccount.id != account.id)
            .values(is_default=False)
        )
    for key, value in values.items():
        setattr(account, key, value)
    banks.validate_account(info(account))
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise CollectingAccountConflict(
            "Outra conta de cobrança já usa estes dados bancários ou este grupo."
        ) from None
    return account


async def get_account(session: AsyncSession, account_id: uuid.UUID) -> CollectingAccount:
    account = await session.scalar(
        select(CollectingAccount).where(CollectingAccount.id == account_id)
    )
    if account is None:
        raise CollectingAccountNotFound("Conta de cobrança não encontrada.")
    return account


async def accounts_by_group(
    session: AsyncSession,
) -> tuple[dict[uuid.UUID, CollectingAccount], CollectingAccount | None]:
    """Active accounts keyed by group, and the default one."""
    rows = (
        await session.scalars(select(CollectingAccount).where(CollectingAccount.active.is_(True)))
    ).all()
    by_group = {a.group_id: a for a in rows if a.group_id is not None}
    default = next((a for a in rows if a.is_default), None)
    return by_group, default


async def account_for_group(session: AsyncSession, group_id: uuid.UUID) -> CollectingAccount:
    by_group, default = await accounts_by_group(session)
    account = by_group.get(group_id) or default
    if account is None:
        raise NoCollectingAccount(
            "Cadastre uma conta de cobrança (padrão ou do grupo) antes de emitir cobranças."
        )
    return account


async def allocate(session: AsyncSession, account: CollectingAccount, count: int) -> int:
    """Reserve ``count`` consecutive nosso números; returns the first.

    One atomic UPDATE (the row stays locked until the transaction ends), so concurrent issuers
    never share a number, and a rolled-back transaction gives its block back.
    """
    result = await session.execute(
        update(CollectingAccount)
        .where(CollectingAccount.id == account.id)
        .values(next_nosso_numero=CollectingAccount.next_nosso_numero + count)
        .returning(CollectingAccount.next_nosso_numero)
        .execution_options(synchronize_session=False)
    )
    after = int(result.scalar_one())
    first = after - count
    if after - 1 > banks.capacity(info(account)):
        raise NossoNumeroExhausted(
            f"A conta {account.name} esgotou a faixa de nosso número do banco "
            f"{account.bank_code}; cadastre outra carteira ou convênio."
        )
    return first
