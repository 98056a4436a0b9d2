"""``/api/v1/me/*``: a user's own password and second factor (TOTP).

Enrolment is stateless until confirmed: setup returns the secret inside a short-lived signed
token, and only a valid code sent back with that token stores the secret on the account.
"""

from __future__ import annotations

from datetime import timedelta

import jwt
import pyotp
from fastapi import APIRouter, Response
from pydantic import Field

from lastro.core.audit.service import record as audit
from lastro.core.auth import passwords
from lastro.core.auth.errors import InvalidTotp
from lastro.core.auth.models import PlatformUser, User
from lastro.core.web.deps import Principal, PrincipalDep, RuntimeDep, SessionDep
from lastro.core.web.routing import LastroRoute
from lastro.kit.clock import utcnow
from lastro.kit.errors import Conflict, Unauthorized, ValidationFailed
from lastro.kit.schemas import ReadModel, WriteModel
from lastro.settings import Settings

router = APIRouter(prefix="/api/v1/me", route_class=LastroRoute, tags=["auth"])
_SETUP_TTL = timedelta(minutes=10)


class PasswordChange(WriteModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=128)


class TotpSetup(ReadModel):
    secret: str
    otpauth_uri: str
    setup_token: str


class TotpConfirm(WriteModel):
    setup_token: str = Field(min_length=1, max_length=2000)
    code: str = Field(min_length=6, max_length=8)


class TotpDisable(WriteModel):
    code: str = Field(min_length=6, max_length=8)


async def _account(session: SessionDep, principal: Principal) -> User | PlatformUser:
    account: User | PlatformUser | None
    if principal.tenant_id is not None:
        account = await session.get(User, (principal.tenant_id, principal.user_id))
    else:
        account = await session.get(PlatformUser, principal.user_id)
    if account is None or not account.is_active:
        raise Unauthorized("Usuário inativo ou inexistente.", code="INVALID_TOKEN")
    return account


@router.post("/password", status_code=204, summary="Trocar a própria senha")
async def change_password(
    body: PasswordChange, principal: PrincipalDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    account = await _account(session, principal)
    if not passwords.verify_password(account.password_hash, body.current_password):
        raise ValidationFailed("A senha atual não confere.", code="WRONG_PASSWORD")
    passwords.check_policy(
        body.new_password,
        min_length=runtime.settings.password_min_length,
        personal=(account.name, account.email.split("@")[0], account.cpf or ""),
    )
    account.password_hash = passwords.hash_password(body.new_password)
    account.password_changed_at = utcnow()
    audit(session, "auth.password_changed", "user", account.id)
    return Response(status_code=204)


def _setup_token(settings: Settings, principal: Principal, secret: str) -> str:
    claims = {
        "sub": str(principal.user_id),
        "typ": "totp_setup",
        "sec": secret,
        "exp": utcnow() + _SETUP_TTL,
    }
    return jwt.encode(claims, settings.secret_key, algorithm=settings.jwt_algorithm)


@router.post("/totp/setup", response_model=TotpSetup, summary="Iniciar cadastro do TOTP")
async def totp_setup(
    principal: PrincipalDep, session: SessionDep, runtime: RuntimeDep
) -> TotpSetup:
    account = await _account(session, principal)
    if account.totp_secret:
        raise Conflict("O segundo fator já está ativo.", code="TOTP_ALREADY_ENABLED")
    secret = pyotp.random_base32()
    issuer = f"Lastro ({principal.tenant_slug})" if principal.tenant_slug else "Lastro"
    uri = pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=issuer)
    return TotpSetup(
        secret=secret,
        otpauth_uri=uri,
        setup_token=_setup_token(runtime.settings, principal, secret),
    )


@router.post("/totp/confirm", status_code=204, summary="Ativar o TOTP com um código válido")
async def totp_confirm(
    body: TotpConfirm, principal: PrincipalDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    s = runtime.settings
    try:
        claims = jwt.decode(body.setup_token, s.secret_key, algorithms=[s.jwt_algorithm])
    except jwt.PyJWTError as exc:
        raise ValidationFailed(
            "Cadastro do TOTP expirado ou inválido; recomece.", code="INVALID_TOTP_SETUP"
        ) from exc
    if claims.get("typ") != "totp_setup" or claims.get("sub") != str(principal.user_id):
        raise ValidationFailed("Cadastro do TOTP inválido.", code="INVALID_TOTP_SETUP")
    secret = str(claims.get("sec", ""))
    if not pyotp.TOTP(secret).verify(body.code, valid_window=1):
        raise InvalidTotp("Código do segundo fator inválido.")
    account = await _account(session, principal)
    account.totp_secret = secret
    audit(session, "auth.totp_enabled", "user", account.id)
    return Response(status_code=204)


@router.post("/totp/disable", status_code=204, summary="Desativar o TOTP")
async def totp_disable(
    body: TotpDisable, principal: PrincipalDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    account = await _account(session, principal)
    if not account.totp_secret:
        raise Conflict("O segundo fator não está ativo.", code="TOTP_NOT_ENABLED")
    if principal.is_platform and runtime.settings.is_production:
        raise Conflict(
            "Administradores da plataforma não podem desativar o TOTP em produção.",
            code="TOTP_REQUIRED_IN_PRODUCTION",
        )
    if not pyotp.TOTP(account.totp_secret).verify(body.code, valid_window=1):
        raise InvalidTotp("Código do segundo fator inválido.")
    account.totp_secret = None
    audit(session, "auth.totp_disabled", "user", account.id)
    return Response(status_code=204)
