"""Transfer pages: the list (holder's own or the whole bank's), and the PIX / TED / P2P forms
that call the same services as the API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from lastro.kit.errors import LastroError, ValidationFailed
from lastro.kit.money import brl
from lastro.modules.banking.accounts import service as accounts
from lastro.modules.banking.accounts.models import BankAccount
from lastro.modules.banking.accounts.pages import PageState, csrf_ok, finish, page_state, redirect
from lastro.modules.banking.transfers import service
from lastro.modules.banking.transfers.domain import SP

router = APIRouter(include_in_schema=False)

TYPE_LABEL = {"pix": "PIX", "ted": "TED", "p2p": "Entre contas", "pix_refund": "Devolução PIX"}
STATUS_LABEL = {
    "scheduled": "Agendada",
    "pending": "Em processamento",
    "completed": "Concluída",
    "rejected": "Recusada",
    "cancelled": "Cancelada",
    "failed": "Falhou",
    "blocked": "Bloqueio MED",
    "released": "Bloqueio liberado",
}


def _labels(state: PageState) -> None:
    state.ctx["type_label"] = TYPE_LABEL
    state.ctx["transfer_status"] = STATUS_LABEL


@router.get("/banking/transferencias")
async def transfers_list(request: Request) -> Response:
    async with page_state(request) as state:
        if not isinstance(state, PageState):
            return state
        _labels(state)
        who = service.Requester(state.principal.user_id, state.ctx["staff"])
        kind = request.query_params.get("tipo") or None
        status = request.query_params.get("situacao") or None
        stmt = await service.list_statement(
            state.session,
            who,
            type=kind if kind in TYPE_LABEL else None,
            status=status if status in STATUS_LABEL else None,
        )
        state.ctx["rows"] = (await state.session.scalars(stmt.limit(100))).all()
        state.ctx["tipo"] = kind or ""
        state.ctx["situacao"] = status or ""
        return finish(request, state, "banking/transfers/list.html")


async def _own_accounts(state: PageState) -> list[BankAccount]:
    if state.ctx["staff"]:
        stmt = select(BankAccount).where(BankAccount.status != "closed")
        return list(
            (await state.session.scalars(stmt.order_by(BankAccount.holder_name).limit(200))).all()
        )
    return [
        a
        for a in await accounts.accounts_of_user(state.session, state.principal.user_id)
        if a.status != "closed"
    ]


@router.get("/banking/transferencias/nova")
async def new_transfer(request: Request) -> Response:
    async with page_state(request) as state:
        if not isinstance(state, PageState):
            return state
        if not state.principal.can("banking.transfers.write"):
            return RedirectResponse("/banking", status_code=303)
        _labels(state)
        kind = request.query_params.get("tipo") or "pix"
        state.ctx["tipo"] = kind if kind in ("pix", "ted", "p2p") else "pix"
        state.ctx["accounts"] = await _own_accounts(state)
        return finish(request, state, "banking/transfers/new.html")


def _amount(text: object) -> Decimal:
    try:
        value = (
            Decimal(str(text).replace(".", "").replace(",", "."))
            if "," in str(text)
            else Decimal(str(text))
        )
    except InvalidOperation:
        raise ValidationFailed("Valor inválido.") from None
    return value


def _when(form: Any) -> datetime | None:
    raw = str(form.get("scheduled_for") or "").strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=SP)
    except ValueError:
        raise ValidationFailed("Data de agendamento inválida.") from None


@router.post("/banking/transferencias/nova")
async def submit_transfer(request: Request) -> Response:
    form = await request.form()
    kind = str(form.get("tipo") or "pix")
    back = f"/banking/transferencias/nova?tipo={kind}"
    async with page_state(request) as state:
        if not isinstance(state, PageState):
            return state
        if not csrf_ok(request, form.get("csrf")) or not state.principal.can(
            "banking.transfers.write"
        ):
            return redirect(back, error="Sessão do formulário expirou; tente de novo.")
        who = service.Requester(state.principal.user_id, state.ctx["staff"])
        session = state.session
        try:
            account_id = uuid.UUID(str(form.get("account_id") or ""))
            amount = _amount(form.get("amount"))
            description = str(form.get("description") or "")[:140]
            async with session.begin_nested():
                if kind == "pix":
                    transfer = await service.create_pix(
                        session,
                        who,
                        account_id=account_id,
                        amount=amount,
                        key=str(form.get("key") or ""),
                        description=description,
                        scheduled_for=_when(form),
                        receiver_name=str(form.get("receiver_name") or "") or None,
                    )
                elif kind == "ted":
                    document = str(form.get("holder_document") or "")
                    digits = "".join(ch for ch in document if ch.isalnum())
                    transfer = await service.create_ted(
                        session,
                        who,
                        account_id=account_id,
                        amount=amount,
                        counterparty={
                            "bank": str(form.get("bank") or "")[:3],
                            "agency": str(form.get("agency") or "")[:5],
                            "account": str(form.get("account") or "")[:14],
                            "account_type": str(form.get("account_type") or "checking"),
                            "name": str(form.get("holder_name") or "")[:140],
                            "document": accounts.normalise_document(
                                "individual" if len(digits) == 11 else "company", document
                            ),
                        },
                        description=description,
                        scheduled_for=_when(form),
                    )
                else:
                    target = await accounts.find_by_number(
                        session, str(form.get("to_agency") or ""), str(form.get("to_account") or "")
                    )
                    if target is None:
                        raise ValidationFailed("Conta de destino não encontrada.")
                    transfer = await service.create_p2p(
                        session,
                        who,
                        account_id=account_id,
                        target=target,
                        amount=amount,
                        description=description,
                        scheduled_for=_when(form),
                    )
        except ValueError:
            return redirect(back, error="Escolha a conta de origem.")
        except LastroError as exc:
            return redirect(back, error=exc.detail)
        label = STATUS_LABEL.get(transfer.status, transfer.status)
        return redirect(
            "/banking/transferencias", ok=f"{TYPE_LABEL[kind]} de {brl(transfer.amount)}: {label}."
        )


@router.post("/banking/transferencias/{transfer_id}/cancelar")
async def cancel_transfer(request: Request, transfer_id: uuid.UUID) -> Response:
    form = await request.form()
    async with page_state(request) as state:
        if not isinstance(state, PageState):
            return state
        if not csrf_ok(request, form.get("csrf")):
            return redirect("/banking/transferencias", error="Sessão do formulário expirou.")
        who = service.Requester(state.principal.user_id, state.ctx["staff"])
        try:
            async with state.session.begin_nested():
                await service.cancel(state.session, who, transfer_id)
        except LastroError as exc:
            return redirect("/banking/transferencias", error=exc.detail)
        return redirect("/banking/transferencias", ok="Transferência cancelada.")
