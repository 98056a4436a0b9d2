"""What the banking module holds about a person, for LGPD data-subject requests: accounts whose
holder document (CPF/CNPJ) or e-mail matches, their PIX keys, and the support tickets the person
opened (as the holder user of a matched account or the tenant user with that CPF/e-mail).

Erasure keeps accounts and the PIX keys of open accounts: account records, statements and
transfers must be kept for at least 5 years after the account closes (Lei 9.613/98 art. 10 and
BCB rules; LGPD art. 16, I). The PIX keys of closed accounts are deleted (no longer registered
anywhere; the movements that used them stay in the ledger) and the texts the person wrote in
closed tickets are replaced by a marker; tickets still being handled are kept until closed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.contracts.lgpd import DataSubject, ErasureOutcome, SubjectRecord, register_source
from lastro.core.auth.models import User
from lastro.modules.banking.accounts.models import BankAccount, PixKey

BASIS = "Execução do contrato de conta e obrigação legal (LGPD art. 7º, II e V)"
SUPPORT_BASIS = "Execução do contrato e atendimento ao titular (LGPD art. 7º, V)"
RETENTION = (
    "Conta, extratos e transferências são mantidos por obrigação legal por no mínimo 5 anos "
    "após o encerramento da conta (Lei 9.613/98, art. 10; normas do BCB; LGPD art. 16, I)"
)
PIX_RETENTION = (
    "Chave PIX de conta ativa: vinculada à conta, mantida enquanto a conta estiver aberta "
    "(Lei 9.613/98, art. 10; regulamento do PIX do BCB; LGPD art. 16, I)"
)
TICKET_RETENTION = (
    "Chamado em andamento: mantido até o encerramento do atendimento (LGPD art. 7º, V)"
)
REDACTED = "[removido a pedido do titular — LGPD]"
TICKET_DONE = ("CLOSED",)


def _matches(subject: DataSubject) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if subject.cpf:
        conditions.append(BankAccount.document == subject.cpf)
    if subject.email:
        conditions.append(func.lower(BankAccount.email) == subject.email)
    return or_(*conditions)


async def _accounts(session: AsyncSession, subject: DataSubject) -> list[BankAccount]:
    rows = await session.scalars(
        select(BankAccount)
        .where(_matches(subject))
        .order_by(BankAccount.agency, BankAccount.number)
    )
    return list(rows.all())


async def _keys(session: AsyncSession, account_ids: list[uuid.UUID]) -> list[PixKey]:
    if not account_ids:
        return []
    rows = await session.scalars(
        select(PixKey)
        .where(PixKey.account_id.in_(account_ids))
        .order_by(PixKey.created_at, PixKey.id)
    )
    return list(rows.all())


async def _user_ids(
    session: AsyncSession, subject: DataSubject, accounts: list[BankAccount]
) -> set[uuid.UUID]:
    """The tenant users who are this person: holders of matched accounts and the user with
    the subject's CPF or e-mail (a customer may open tickets before having an account)."""
    ids = {a.holder_user_id for a in accounts if a.holder_user_id is not None}
    conditions: list[ColumnElement[bool]] = []
    if subject.cpf:
        conditions.append(User.cpf == subject.cpf)
    if subject.email:
        conditions.append(func.lower(User.email) == subject.email)
    ids.update((await session.scalars(select(User.id).where(or_(*conditions)))).all())
    return ids


class BankingSource:
    name = "banking"

    async def collect(self, session: AsyncSession, subject: DataSubject) -> list[SubjectRecord]:
        from lastro.modules.banking.support.models import Ticket, TicketAttachment, TicketMessage

        accounts = await _accounts(session, subject)
        by_account: dict[uuid.UUID, list[PixKey]] = {}
        for key in await _keys(session, [a.id for a in accounts]):
            by_account.setdefault(key.account_id, []).append(key)
        out: list[SubjectRecord] = []
        for a in accounts:
            out.append(
                SubjectRecord(
                    category="conta",
                    description=f"Conta {a.agency} {a.display_number} ({a.holder_name})",
                    data={
                        "id": str(a.id),
                        "kind": a.kind,
                        "holder_name": a.holder_name,
                        "document": a.document,
                        "email": a.email,
                        "phone": a.phone,
                        "agency": a.agency,
                        "number": a.display_number,
                        "kyc_status": a.kyc_status,
                        "status": a.status,
                        "opened_at": a.opened_at.isoformat(),
                        "closed_at": a.closed_at.isoformat() if a.closed_at else None,
                    },
                    legal_basis=BASIS,
                    erasable=False,
                    retention=RETENTION,
                )
            )
            for key in by_account.get(a.id, []):
                closed = a.status == "closed"
                out.append(
                    SubjectRecord(
                        category="chave_pix",
                        description=f"Chave PIX ({key.key_type}) da conta {a.display_number}",
                        data={
                            "id": str(key.id),
                            "account_id": str(a.id),
                            "key_type": key.key_type,
                            "value": key.value,
                            "created_at": key.created_at.isoformat(),
                        },
                        legal_basis=BASIS,
                        erasable=closed,
                        retention=None if closed else PIX_RETENTION,
                    )
                )
        users = await _user_ids(session, subject, accounts)
        if not users:
            return out
        tickets = (
            await session.scalars(
                select(Ticket)
                .where(Ticket.customer_id.in_(users))
                .order_by(Ticket.created_at, Ticket.id)
            )
        ).all()
        for t in tickets:
            messages = (
                await session.execute(
                    select(TicketMessage.author_kind, TicketMessage.body, TicketMessage.created_at)
                    .where(TicketMessage.ticket_id == t.id)
                    .order_by(TicketMessage.created_at, TicketMessage.id)
                )
            ).all()
            attachments = (
                await session.scalars(
                    select(TicketAttachment.name)
                    .where(TicketAttachment.ticket_id == t.id)
                    .order_by(TicketAttachment.created_at)
                )
            ).all()
            done = t.status in TICKET_DONE
            out.append(
                SubjectRecord(
                    category="chamado",
                    description=f"Chamado de atendimento {t.number}",
                    data={
                        "id": str(t.id),
                        "number": t.number,
                        "category": t.category,
                        "status": t.status,
                        "subject": t.subject,
                        "description": t.description,
                        "created_at": t.created_at.isoformat(),
                        "closed_at": t.closed_at.isoformat() if t.closed_at else None,
                        "messages": [
                            {"author": m[0], "body": m[1], "at": m[2].isoformat()} for m in messages
                        ],
                        "attachments": list(attachments),
                    },
                    legal_basis=SUPPORT_BASIS,
                    erasable=done,
                    retention=None if done else TICKET_RETENTION,
                )
            )
        return out

    async def rectify(
        self, session: AsyncSession, subject: DataSubject, changes: Mapping[str, str]
    ) -> list[str]:
        """Holder name (individual accounts only: a company's name is its registered name)
        and e-mail; the document identifies the account and is never changed here."""
        done: list[str] = []
        name = (changes.get("name") or "").strip()[:200]
        email = (changes.get("email") or "").strip().lower()[:200]
        for a in await _accounts(session, subject):
            if name and a.kind == "individual" and name != a.holder_name:
                a.holder_name = name
                done.append(f"Nome do titular da conta {a.display_number} corrigido para {name}.")
            if email and email != (a.email or "").lower():
                a.email = email
                done.append(f"E-mail da conta {a.display_number} corrigido.")
        if done:
            await session.flush()
        return done

    async def erase(self, session: AsyncSession, subject: DataSubject) -> ErasureOutcome:
        from lastro.modules.banking.support.models import Ticket, TicketMessage

        accounts = await _accounts(session, subject)
        closed = [a.id for a in accounts if a.status == "closed"]
        kept = len(accounts)
        reasons: list[str] = [RETENTION] if accounts else []
        keys = await _keys(session, [a.id for a in accounts])
        gone = [k.id for k in keys if k.account_id in closed]
        if gone:
            await session.execute(delete(PixKey).where(PixKey.id.in_(gone)))
        if len(keys) > len(gone):
            kept += len(keys) - len(gone)
            reasons.append(PIX_RETENTION)

        anonymised = 0
        users = await _user_ids(session, subject, accounts)
        tickets = (
            list((await session.scalars(select(Ticket).where(Ticket.customer_id.in_(users)))).all())
            if users
            else []
        )
        open_tickets = 0
        for t in tickets:
            if t.status not in TICKET_DONE:
                open_tickets += 1
                continue
            if t.subject == REDACTED and t.description == REDACTED:
                continue  # already anonymised by an earlier request
            t.subject = REDACTED
            t.description = REDACTED
            await session.execute(
                update(TicketMessage)
                .where(
                    TicketMessage.ticket_id == t.id,
                    TicketMessage.author_id.in_(users),
                )
                .values(body=REDACTED)
            )
            anonymised += 1
        if open_tickets:
            kept += open_tickets
            reasons.append(TICKET_RETENTION)
        await session.flush()
        return ErasureOutcome(
            erased=len(gone), anonymised=anonymised, kept=kept, kept_reasons=tuple(reasons)
        )


register_source(BankingSource())
