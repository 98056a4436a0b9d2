"""Request dependencies other banking areas reuse: the account named in the path, checked
against the caller (holders reach only their own accounts, staff reach any)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from lastro.core.web.deps import Principal, SessionDep, TenantPrincipal
from lastro.modules.banking.accounts import service
from lastro.modules.banking.accounts.errors import AccountNotFound
from lastro.modules.banking.accounts.models import BankAccount


def is_staff(principal: Principal) -> bool:
    return principal.can(service.STAFF_PERMISSION)


def can_access(principal: Principal, account: BankAccount) -> bool:
    return is_staff(principal) or account.holder_user_id == principal.user_id


async def account_for_caller(
    account_id: uuid.UUID, principal: TenantPrincipal, session: SessionDep
) -> BankAccount:
    """The ``{account_id}`` path account if the caller may see it; 404 otherwise (never 403:
    another holder's account must not be revealed)."""
    account = await service.get_account(session, account_id)
    if not can_access(principal, account):
        raise AccountNotFound("Conta não encontrada.")
    return account


async def check_access(
    session: SessionDep, principal: Principal, account_id: uuid.UUID, *, lock: bool = False
) -> BankAccount:
    """The same check for an account id that comes in a body (optionally row-locked)."""
    account = (
        await service.lock_account(session, account_id)
        if lock
        else await service.get_account(session, account_id)
    )
    if not can_access(principal, account):
        raise AccountNotFound("Conta não encontrada.")
    return account


AccountForCaller = Annotated[BankAccount, Depends(account_for_caller)]
