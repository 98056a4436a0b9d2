"""Authentication and authorisation errors with their stable codes."""

from __future__ import annotations

from lastro.kit.errors import Forbidden, LastroError, Unauthorized


class InvalidCredentials(Unauthorized):
    code = "INVALID_CREDENTIALS"
    title = "Usuário ou senha inválidos"
    commit_session = True  # the failed-attempt counter must be kept


class AccountLocked(LastroError):
    status = 423
    code = "ACCOUNT_LOCKED"
    title = "Conta bloqueada temporariamente"
    commit_session = True


class TotpRequired(Unauthorized):
    code = "TOTP_REQUIRED"
    title = "Informe o código do segundo fator (TOTP)"


class InvalidTotp(Unauthorized):
    code = "INVALID_TOTP"
    title = "Código do segundo fator inválido"
    commit_session = True


class TotpEnrollmentRequired(Forbidden):
    code = "TOTP_ENROLLMENT_REQUIRED"
    title = "Administradores da plataforma precisam de segundo fator em produção"


class RefreshTokenReused(Unauthorized):
    code = "REFRESH_TOKEN_REUSED"
    title = "Token de renovação reutilizado; sessão revogada"
    commit_session = True


class TenantMismatch(Forbidden):
    code = "TENANT_MISMATCH"
    title = "O token não pertence a este cliente"


class TenantRequired(Forbidden):
    code = "TENANT_REQUIRED"
    title = "Esta operação exige um usuário de cliente"


class PermissionDenied(Forbidden):
    code = "PERMISSION_DENIED"
    title = "Permissão insuficiente"


class PlatformAdminRequired(Forbidden):
    code = "PLATFORM_ADMIN_REQUIRED"
    title = "Somente administradores da plataforma"
