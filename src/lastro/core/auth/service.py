"""Login, token refresh with rotation and reuse detection, logout, and user management."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.documents import is_valid_cpf
from lastro.core.audit.service import record as audit
from lastro.core.auth import passwords, tokens
from lastro.core.auth.errors import (
    AccountLocked,
    InvalidCredentials,
    InvalidTotp,
    RefreshTokenReused,
    TotpEnrollmentRequired,
    TotpRequired,
)
from lastro.core.auth.models import Credentials, PlatformUser, RefreshToken, User
from lastro.core.auth.permissions import ROLES, TENANT_ROLES
from lastro.core.billing import usage
from lastro.core.platform import service as tenants
from lastro.core.platform.models import Tenant
from lastro.infra.database import bind_platform, bind_tenant
from lastro.kit.clock import ensure_utc, utcnow
from lastro.kit.context import update_context
from lastro.kit.errors import Conflict, ValidationFailed
from lastro.settings import Settings

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidCpf(ValidationFailed):
    code = "INVALID_CPF"
    title = "CPF inválido"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret


@dataclass(frozen=True)
class LoginIdentifier:
    email: str | None = None
    cpf: str | None = None


def parse_username(username: str) -> LoginIdentifier:
    """An e-mail, or a CPF with or without punctuation (check digits validated)."""
    value = username.strip()
    if "@" in value:
        if not EMAIL_RE.match(value) or len(value) > 254:
            raise ValidationFailed("E-mail inválido.", code="INVALID_EMAIL")
        return LoginIdentifier(email=value.lower())
    digits = re.sub(r"[.\-\s]", "", value)
    if not digits.isdigit() or len(digits) != 11:
        raise ValidationFailed(
            "Informe um e-mail ou um CPF com 11 dígitos.", code="INVALID_USERNAME"
        )
    if not is_valid_cpf(digits):
        raise InvalidCpf("CPF inválido: os dígitos verificadores não conferem.")
    return LoginIdentifier(cpf=digits)


def normalise_cpf(cpf: str | None) -> str | None:
    if not cpf:
        return None
    digits = re.sub(r"[.\-\s]", "", cpf)
    if not digits.isdigit() or len(digits) != 11 or not is_valid_cpf(digits):
        raise InvalidCpf("CPF inválido: os dígitos verificadores não conferem.")
    return digits


class AuthService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # -- login ---------------------------------------------------------------------------------

    async def login(
        self,
        session: AsyncSession,
        *,
        tenant_slug: str | None,
        username: str,
        password: str,
        totp_code: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
    ) -> TokenPair:
        ident = parse_username(username)
        tenant: Tenant | None = None
        account: Credentials | None
        if tenant_slug:
            tenant = await tenants.get_active_by_slug(session, tenant_slug)
            bind_tenant(session, tenant.id)
            account = await session.scalar(select(User).where(self._match(User, ident)))
        else:
            bind_platform(session)
            account = await session.scalar(
                select(PlatformUser).where(self._match(PlatformUser, ident))
            )
        now = utcnow()
        if account is None or not account.is_active:
            passwords.verify_password(None, password)  # same cost as a real check
            raise InvalidCredentials("Usuário ou senha inválidos.")
        label = account.email
        update_context(
            actor_kind="user" if tenant else "platform",
            actor_id=str(account.id),
            actor_label=label,
            tenant_id=tenant.id if tenant else None,
            tenant_slug=tenant.slug if tenant else None,
        )
        if account.locked_until is not None and ensure_utc(account.locked_until) > now:
            raise AccountLocked(
                "Conta bloqueada por excesso de tentativas. Tente novamente após "
                f"{ensure_utc(account.locked_until).strftime('%H:%M')} UTC."
            )
        if not passwords.verify_password(account.password_hash, password):
            self._register_failure(session, account, now)
            raise InvalidCredentials("Usuário ou senha inválidos.")
        if account.totp_secret:
            if not totp_code:
                raise TotpRequired("Informe o código do segundo fator (campo 'totp').")
            if not pyotp.TOTP(account.totp_secret).verify(totp_code, valid_window=1):
                self._register_failure(session, account, now)
                raise InvalidTotp("Código do segundo fator inválido.")
        elif tenant is None and self.settings.is_production:
            raise TotpEnrollmentRequired(
                "Administradores da plataforma precisam de segundo fator (TOTP) em produção."
            )
        account.failed_logins = 0
        account.locked_until = None
        account.last_login_at = now
        if passwords.needs_rehash(account.password_hash):
            account.password_hash = passwords.hash_password(password)
        role = account.role if isinstance(account, (User, PlatformUser)) else "customer"
        pair = self._issue(session, account.id, tenant, role, ip=ip, user_agent=user_agent)
        audit(session, "auth.login", "user", account.id, tenant_id=tenant.id if tenant else None)
        return pair

    @staticmethod
    def _match(
        model: type[User] | type[PlatformUser], ident: LoginIdentifier
    ) -> ColumnElement[bool]:
        return model.email == ident.email if ident.email else model.cpf == ident.cpf

    def _register_failure(self, session: AsyncSession, account: Credentials, now: datetime) -> None:
        account.failed_logins = (account.failed_logins or 0) + 1
        if account.failed_logins >= self.settings.login_max_failures:
            account.locked_until = now + timedelta(seconds=self.settings.login_lockout_seconds)
            account.failed_logins = 0
            audit(session, "auth.locked", "user", getattr(account, "id", None))
        else:
            audit(session, "auth.login_failed", "user", getattr(account, "id", None))

    def _issue(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        tenant: Tenant | None,
        role: str,
        *,
        family_id: uuid.UUID | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
    ) -> TokenPair:
        s = self.settings
        access = tokens.issue_access_token(
            secret=s.secret_key,
            algorithm=s.jwt_algorithm,
            ttl_seconds=s.access_token_ttl_seconds,
            subject=user_id,
            tenant_id=tenant.id if tenant else None,
            tenant_slug=tenant.slug if tenant else None,
            role=role,
        )
        refresh, digest = tokens.new_refresh_token()
        now = utcnow()
        session.add(
            RefreshToken(
                token_hash=digest,
                family_id=family_id or uuid.uuid4(),
                tenant_id=tenant.id if tenant else None,
                user_id=user_id,
                created_at=now,
                expires_at=now + timedelta(seconds=s.refresh_token_ttl_seconds),
                ip=ip,
                user_agent=(user_agent or "")[:300] or None,
            )
        )
        return TokenPair(access, refresh, s.access_token_ttl_seconds)

    # -- refresh and logout --------------------------------------------------------------------

    async def refresh(
        self,
        session: AsyncSession,
        refresh_token: str,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
    ) -> TokenPair:
        bind_platform(session)  # refresh tokens and the user lookup cross the tenant boundary
        row = await session.scalar(
            select(RefreshToken).where(
                RefreshToken.token_hash == tokens.hash_refresh_token(refresh_token)
            )
        )
        now = utcnow()
        if row is None or row.revoked_at is not None or ensure_utc(row.expires_at) <= now:
            raise tokens.InvalidToken("Token de renovação inválido ou expirado.")
        claimed = await session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            await self._revoke_family(session, row.family_id, now)
            audit(session, "auth.refresh_reused", "user", row.user_id, tenant_id=row.tenant_id)
            raise RefreshTokenReused(
                "Este token de renovação já foi usado; por segurança, a sessão foi encerrada."
            )
        tenant: Tenant | None = None
        account: User | PlatformUser | None
        if row.tenant_id is not None:
            tenant = await session.get(Tenant, row.tenant_id)
            account = await session.get(User, (row.tenant_id, row.user_id))
            if tenant is None or not tenant.is_active:
                raise tokens.InvalidToken("Cliente suspenso ou inexistente.")
        else:
            account = await session.get(PlatformUser, row.user_id)
        if account is None or not account.is_active:
            raise tokens.InvalidToken("Usuário inativo ou inexistente.")
        return self._issue(
            session,
            account.id,
            tenant,
            account.role,
            family_id=row.family_id,
            ip=ip,
            user_agent=user_agent,
        )

    async def logout(self, session: AsyncSession, refresh_token: str | None) -> None:
        bind_platform(session)
        if not refresh_token:
            return
        row = await session.scalar(
            select(RefreshToken).where(
                RefreshToken.token_hash == tokens.hash_refresh_token(refresh_token)
            )
        )
        if row is not None:
            await self._revoke_family(session, row.family_id, utcnow())
            audit(session, "auth.logout", "user", row.user_id, tenant_id=row.tenant_id)

    @staticmethod
    async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, now: object) -> None:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    # -- users ---------------------------------------------------------------------------------

    async def create_user(
        self,
        session: AsyncSession,
        *,
        email: str,
        name: str,
        password: str,
        role: str,
        cpf: str | None = None,
        platform: bool = False,
        check_policy: bool = True,
        totp_secret: str | None = None,
    ) -> User | PlatformUser:
        email = parse_username(email).email or ""
        cpf_digits = normalise_cpf(cpf)
        allowed = ("platform_admin",) if platform else TENANT_ROLES
        if role not in allowed or role not in ROLES:
            raise ValidationFailed(
                f"Papel inválido: {role}. Use um destes: {', '.join(allowed)}.", code="INVALID_ROLE"
            )
        if check_policy:
            passwords.check_policy(
                password,
                min_length=self.settings.password_min_length,
                personal=(name, email.split("@")[0], cpf_digits or ""),
            )
        model: type[User] | type[PlatformUser] = PlatformUser if platform else User
        clash = await session.scalar(
            select(model.id).where(
                (model.email == email) | ((model.cpf == cpf_digits) if cpf_digits else False)
            )
        )
        if clash is not None:
            raise Conflict("Já existe um usuário com este e-mail ou CPF.", code="USER_EXISTS")
        user = model(
            email=email,
            name=name.strip(),
            cpf=cpf_digits,
            role=role,
            password_hash=passwords.hash_password(password),
            password_changed_at=utcnow(),
            totp_secret=totp_secret,
        )
        session.add(user)
        await session.flush()
        if not platform:
            await usage.consume(session, "users")
        audit(
            session,
            "user.created",
            "user",
            user.id,
            after={"email": email, "name": user.name, "role": role, "cpf": cpf_digits},
        )
        return user
