"""Request and response models of the config API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from lastro.kit.schemas import ReadModel, WriteModel

FLAG_KEY = r"^[a-z0-9][a-z0-9_.-]{1,99}$"


class SettingsRead(ReadModel):
    namespace: str
    title: str
    values: dict[str, Any] = Field(description="Valores em vigor (padrões + alterações)")
    overrides: dict[str, Any] = Field(description="Somente o que a empresa alterou")
    defaults: dict[str, Any]
    json_schema: dict[str, Any] = Field(alias="schema", serialization_alias="schema")


class FlagCreate(WriteModel):
    key: str = Field(pattern=FLAG_KEY)
    description: str = Field(default="", max_length=300)
    default_enabled: bool = False
    enabled_plans: list[str] = Field(default_factory=list, max_length=100)
    enabled_tenants: list[uuid.UUID] = Field(default_factory=list, max_length=10_000)
    disabled_tenants: list[uuid.UUID] = Field(default_factory=list, max_length=10_000)
    rollout_percentage: int = Field(default=0, ge=0, le=100)


class FlagUpdate(WriteModel):
    description: str | None = Field(default=None, max_length=300)
    default_enabled: bool | None = None
    enabled_plans: list[str] | None = Field(default=None, max_length=100)
    enabled_tenants: list[uuid.UUID] | None = Field(default=None, max_length=10_000)
    disabled_tenants: list[uuid.UUID] | None = Field(default=None, max_length=10_000)
    rollout_percentage: int | None = Field(default=None, ge=0, le=100)


class FlagRead(ReadModel):
    id: uuid.UUID
    key: str
    description: str
    default_enabled: bool
    enabled_plans: list[str]
    enabled_tenants: list[str]
    disabled_tenants: list[str]
    rollout_percentage: int
    created_at: datetime
    updated_at: datetime
