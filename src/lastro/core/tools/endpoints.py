"""``POST /api/v1/br/inspect``: what is this pasted string, and why is it invalid?"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from lastro.br.inspect import inspect_text
from lastro.core.web.deps import PrincipalDep, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.schemas import WriteModel

router = APIRouter(prefix="/api/v1/br", route_class=LastroRoute, tags=["br"])


class InspectRequest(WriteModel):
    text: str = Field(max_length=2000, description="Boleto, PIX copia e cola, CPF, CNPJ…")
    today: date | None = Field(default=None, description="Data de referência do vencimento")


@router.post(
    "/inspect",
    dependencies=[require("br.inspect")],
    summary="Reconhece boleto, arrecadação, PIX, CPF/CNPJ e explica erros",
)
async def inspect(body: InspectRequest, _p: PrincipalDep) -> dict[str, Any]:
    return inspect_text(body.text, body.today)
