"""A runtime with a test-only module that declares typed settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Annotated, Literal

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field

from lastro.core.config import settings_dependency
from lastro.core.modules import ModuleSpec
from lastro.core.platform.service import tenant_cache
from lastro.core.runtime import Runtime
from lastro.core.web.deps import TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.main import build_runtime, create_app, stop_background
from lastro.settings import Settings
from tests.conftest import DatabaseUrls, Factory, truncate_all

NAMESPACE = "cobranca_teste"


class CobrancaSettings(BaseModel):
    dias_vencimento: int = Field(
        default=10, ge=1, le=60, title="Dias até o vencimento", description="Contados da emissão"
    )
    multa_percentual: Decimal = Field(default=Decimal("2.00"), ge=0, le=2, decimal_places=2)
    envia_lembrete: bool = True
    canal: Literal["email", "sms", "whatsapp"] = "email"
    mensagem: str = Field(default="Olá! Sua cobrança chegou.", max_length=200)


router = APIRouter(prefix="/api/v1/cobranca-teste", route_class=LastroRoute)


@router.get("/prazo", dependencies=[require("me.read")])
async def prazo(
    _p: TenantPrincipal,
    cfg: Annotated[CobrancaSettings, settings_dependency(NAMESPACE, CobrancaSettings)],
) -> dict[str, int]:
    """A module route reading its typed settings through the dependency."""
    return {"dias_vencimento": cfg.dias_vencimento}


module = ModuleSpec(
    name=NAMESPACE, title="Cobrança (teste)", settings=CobrancaSettings, router=router
)


@pytest.fixture
async def runtime(settings: Settings, database_urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    tenant_cache.clear()
    rt = build_runtime(settings, modules=[module])
    try:
        yield rt
    finally:
        await stop_background(rt)
        await truncate_all(database_urls.owner)
        tenant_cache.clear()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=runtime, background=False)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def factory(runtime: Runtime, client: httpx.AsyncClient) -> Factory:
    return Factory(runtime, client)
