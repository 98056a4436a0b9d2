"""Per-tenant settings of groups."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AreaSettings(BaseModel):
    groups_formation_days: int = Field(
        default=90,
        ge=1,
        le=365,
        description="Prazo (dias) para constituir um grupo em formação antes de devolver os "
        "valores pagos",
    )
