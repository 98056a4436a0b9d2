"""What the consorcio module holds about a person, for LGPD data-subject requests: the
consorciado registration (by CPF or e-mail) and the quotas held.

Erasure keeps the registration of anyone who ever held a quota: the contract, its payments and
refund rights must be kept (Lei 11.795/2008 and the BCB's 5-year record-keeping after the group
closes; LGPD art. 16, I) — only a registration without quotas or transfers is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.documents import parse_cpf
from lastro.br.errors import DocumentError
from lastro.contracts.lgpd import DataSubject, ErasureOutcome, SubjectRecord, register_source
from lastro.modules.consorcio.consorciados.models import Consorciado

BASIS = "Execução do contrato de consórcio e obrigação legal (LGPD art. 7º, II e V)"
RETENTION = (
    "Titular de cota: contrato, pagamentos e direito à restituição são mantidos por obrigação "
    "legal (Lei 11.795/2008; guarda por 5 anos após o encerramento do grupo; LGPD art. 16, I)"
)


def _matches(subject: DataSubject) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if subject.cpf:
        conditions.append(Consorciado.document == subject.cpf)
    if subject.email:
        conditions.append(func.lower(Consorciado.email) == subject.email)
    return or_(*conditions)


async def _found(session: AsyncSession, subject: DataSubject) -> list[Consorciado]:
    rows = await session.scalars(select(Consorciado).where(_matches(subject)))
    return list(rows.all())


async def _held(session: AsyncSession, consorciado: Consorciado) -> list[dict[str, object]]:
    from lastro.modules.consorcio.groups.models import Group
    from lastro.modules.consorcio.quotas.models import Quota, QuotaTransfer

    rows = await session.execute(
        select(Quota.id, Group.code, Quota.number, Quota.version, Quota.status, Quota.sold_on)
        .join(Group, Group.id == Quota.group_id)
        .where(Quota.consorciado_id == consorciado.id)
        .order_by(Group.code, Quota.number)
    )
    held: list[dict[str, object]] = [
        {
            "id": str(r[0]),
            "group": r[1],
            "number": r[2],
            "version": r[3],
            "status": r[4],
            "sold_on": r[5].isoformat(),
        }
        for r in rows.all()
    ]
    transfers = await session.scalar(
        select(func.count())
        .select_from(QuotaTransfer)
        .where(
            or_(
                QuotaTransfer.from_consorciado_id == consorciado.id,
                QuotaTransfer.to_consorciado_id == consorciado.id,
            )
        )
    )
    if transfers:
        held.append({"transfers": int(transfers)})
    return held


class ConsorcioSource:
    name = "consorcio"

    async def collect(self, session: AsyncSession, subject: DataSubject) -> list[SubjectRecord]:
        out: list[SubjectRecord] = []
        for c in await _found(session, subject):
            held = await _held(session, c)
            out.append(
                SubjectRecord(
                    category="consorciado",
                    description=f"Cadastro de consorciado ({c.name})",
                    data={
                        "id": str(c.id),
                        "kind": c.kind,
                        "document": c.document,
                        "name": c.name,
                        "birth_date": c.birth_date.isoformat() if c.birth_date else None,
                        "email": c.email,
                        "phone": c.phone,
                        "mobile": c.mobile,
                        "address": {
                            "cep": c.cep,
                            "street": c.street,
                            "number": c.number,
                            "complement": c.complement,
                            "district": c.district,
                            "city": c.city,
                            "state": c.state,
                        },
                        "monthly_income": str(c.monthly_income) if c.monthly_income else None,
                        "pix_key": c.pix_key,
                        "bank_account": {
                            "bank": c.bank_code,
                            "branch": c.bank_branch,
                            "account": c.bank_account,
                            "digit": c.bank_account_digit,
                        },
                        "pep": c.pep,
                        "lgpd_consent": c.lgpd_consent,
                        "quotas": held,
                    },
                    legal_basis=BASIS,
                    erasable=not held,
                    retention=RETENTION if held else None,
                )
            )
        return out

    async def rectify(
        self, session: AsyncSession, subject: DataSubject, changes: Mapping[str, str]
    ) -> list[str]:
        done: list[str] = []
        for c in await _found(session, subject):
            if changes.get("name") and changes["name"] != c.name:
                c.name = changes["name"][:200]
                done.append(f"Nome do consorciado corrigido para {c.name}.")
            if changes.get("email") and changes["email"].lower() != c.email:
                c.email = changes["email"].strip().lower()[:254]
                done.append("E-mail do consorciado corrigido.")
            if changes.get("cpf") and c.kind == "pf":
                try:
                    cpf = parse_cpf(changes["cpf"])
                except DocumentError:
                    continue
                if cpf != c.document:
                    clash = await session.scalar(
                        select(Consorciado.id).where(Consorciado.document == cpf)
                    )
                    if clash is None:
                        c.document = cpf
                        done.append("CPF do consorciado corrigido.")
        if done:
            await session.flush()
        return done

    async def erase(self, session: AsyncSession, subject: DataSubject) -> ErasureOutcome:
        erased = kept = 0
        for c in await _found(session, subject):
            if await _held(session, c):
                kept += 1
                continue
            await session.execute(delete(Consorciado).where(Consorciado.id == c.id))
            erased += 1
        return ErasureOutcome(erased=erased, kept=kept, kept_reasons=(RETENTION,) if kept else ())


register_source(ConsorcioSource())
