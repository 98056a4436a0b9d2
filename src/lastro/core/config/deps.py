"""A route dependency giving the bound tenant's typed settings of one namespace."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel

from lastro.core.config.service import get_settings_for
from lastro.core.web.deps import SessionDep, runtime_of

M = TypeVar("M", bound=BaseModel)


def settings_dependency(namespace: str, model: type[M]) -> Any:
    """``Depends(...)``: ``cfg: Annotated[MySettings, settings_dependency("ns", MySettings)]``."""

    async def dependency(request: Request, session: SessionDep) -> M:
        return await get_settings_for(session, namespace, model, cache=runtime_of(request).cache)

    return Depends(dependency)
