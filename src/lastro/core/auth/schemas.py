from __future__ import annotations

import uuid

from pydantic import Field

from lastro.kit.schemas import ReadModel, WriteModel


class LoginRequest(WriteModel):
    username: str = Field(min_length=1, max_length=254, description="CPF ou e-mail")
    password: str = Field(min_length=1, max_length=256)
    totp: str | None = Field(default=None, max_length=10, description="Código TOTP, se ativado")


class RefreshRequest(WriteModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutRequest(WriteModel):
    refresh_token: str | None = Field(default=None, max_length=200)


class TokenResponse(ReadModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class UserRead(ReadModel):
    id: uuid.UUID
    email: str
    name: str
    cpf: str | None
    role: str


class TenantRef(ReadModel):
    id: uuid.UUID
    slug: str
    name: str
    status: str
    enabled_modules: list[str]
    branding: dict[str, str | None]


class MeResponse(ReadModel):
    user: UserRead
    tenant: TenantRef | None
    permissions: list[str]
