"""Credentials of tenant users (tenant-scoped) and platform administrators (no tenant).

Both share :class:`Credentials`, so lockout, TOTP and password handling are written once.
Refresh tokens are stored only as SHA-256 hashes, grouped in families for reuse detection.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, HasId, TenantScoped, Timestamps


class Credentials(Timestamps):
    email: Mapped[str] = mapped_column(String(254))
    cpf: Mapped[str | None] = mapped_column(String(11), default=None)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(default=None)


class User(TenantScoped, Credentials, Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_tenant_email", "tenant_id", "email", unique=True),
        Index("uq_users_tenant_cpf", "tenant_id", "cpf", unique=True),
    )

    role: Mapped[str] = mapped_column(String(40), default="operator")


class PlatformUser(HasId, Credentials, Base):
    __tablename__ = "platform_users"
    __table_args__ = (
        Index("uq_platform_users_email", "email", unique=True),
        Index("uq_platform_users_cpf", "cpf", unique=True),
    )

    role: Mapped[str] = mapped_column(String(40), default="platform_admin")


class RefreshToken(HasId, Base):
    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family", "family_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID]
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    user_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)


class ApiKey(TenantScoped, Base):
    """A tenant's integration credential: shown once, stored as a SHA-256 hash, scoped to
    permissions, revocable. ``prefix`` identifies it publicly (in lists and logs)."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("uq_api_keys_prefix", "prefix", unique=True),)

    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
