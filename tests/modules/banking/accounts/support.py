"""Fixtures and helpers shared by the banking accounts/transfers tests (imported by their
conftest files): a runtime with the banking module, tenants with it enabled, holders."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from lastro.core.platform.service import tenant_cache
from lastro.core.runtime import Runtime
from lastro.main import build_runtime, stop_background
from lastro.settings import Settings
from tests.conftest import Factory, TenantHandle, login, truncate_all

API = "/api/v1/banking"


@pytest.fixture
async def runtime(settings: Settings, database_urls: Any) -> AsyncIterator[Runtime]:
    tenant_cache.clear()
    rt = build_runtime(settings, modules=_banking(settings))
    try:
        yield rt
    finally:
        await stop_background(rt)
        await truncate_all(database_urls.owner)
        tenant_cache.clear()


def _banking(settings: Settings) -> Any:
    from lastro.core.modules import ServiceParts
    from lastro.infra.bus import build_bus
    from lastro.infra.cache import build_cache
    from lastro.infra.database import Database
    from lastro.infra.locks import build_lock_manager

    parts = ServiceParts(
        settings,
        Database(settings.database_url, pool_size=1),
        build_cache(None),
        build_bus(None),
        build_lock_manager(None),
    )
    return [banking_spec(parts)]


def banking_spec(parts: Any) -> Any:
    """The banking module with only the accounts and transfers areas: these tests do not
    depend on the other areas being importable (they are built in parallel)."""
    from pathlib import Path

    import lastro.modules.banking as banking
    from lastro.core.modules import combine
    from lastro.modules.banking import accounts, transfers
    from lastro.modules.banking.accounts.settings import AreaSettings as A
    from lastro.modules.banking.transfers.settings import AreaSettings as T

    settings_model = type("BankingSettings", (A, T), {})
    return combine(
        "banking",
        "Conta digital",
        [accounts.build_area(parts), transfers.build_area(parts)],
        templates=Path(banking.__file__).parent / "templates",
        settings=settings_model,
        home_path="/banking",
    )


@dataclass
class Bank:
    """A tenant with the banking module, its admin, and helpers to open funded accounts."""

    client: httpx.AsyncClient
    factory: Factory
    tenant: TenantHandle

    @property
    def admin(self) -> dict[str, str]:
        return self.tenant.headers

    async def holder(self, email: str | None = None) -> tuple[uuid.UUID, dict[str, str]]:
        email = email or f"cli{uuid.uuid4().hex[:8]}@{self.tenant.slug}.example"
        user_id = await self.factory.user(self.tenant.id, email=email, role="customer")
        tokens = await login(self.client, email, tenant=self.tenant.slug)
        return user_id, {"Authorization": f"Bearer {tokens['access_token']}"}

    async def account(
        self,
        *,
        holder: uuid.UUID | None = None,
        document: str | None = None,
        kind: str = "individual",
        name: str = "Maria Souza",
        funds: Decimal | str | None = None,
    ) -> dict[str, Any]:
        from lastro.br.documents import generate_cnpj, generate_cpf

        doc = document or (generate_cpf() if kind == "individual" else generate_cnpj())
        body: dict[str, Any] = {"kind": kind, "holderName": name, "document": doc}
        if holder:
            body["holderUserId"] = str(holder)
        r = await self.client.post(f"{API}/accounts", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        account: dict[str, Any] = r.json()
        if funds is not None:
            await self.fund(account["id"], Decimal(str(funds)))
        return account

    async def fund(self, account_id: str, amount: Decimal) -> None:
        r = await self.client.post(
            f"{API}/accounts/{account_id}/deposits",
            json={"amount": str(amount)},
            headers=self.admin,
        )
        assert r.status_code == 201, r.text
        r = await self.client.post(
            f"{API}/accounts/{account_id}/deposits/{r.json()['id']}/pay", headers=self.admin
        )
        assert r.status_code == 200, r.text

    async def balance(self, account_id: str, headers: dict[str, str] | None = None) -> Decimal:
        r = await self.client.get(
            f"{API}/accounts/{account_id}/balance", headers=headers or self.admin
        )
        assert r.status_code == 200, r.text
        return Decimal(r.json()["available"])


@pytest.fixture
async def bank(client: httpx.AsyncClient, factory: Factory) -> Bank:
    tenant = await factory.tenant(modules=["banking"])
    return Bank(client, factory, tenant)
