"""The person's user accounts of the tenant: exported, rectified, and anonymised on erasure.

The row itself stays (its id is referenced by audit, ledger and module records) but nothing in
it identifies the person any more, it can no longer log in, and its sessions and API keys go.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.documents import parse_cpf
from lastro.contracts.lgpd import DataSubject, ErasureOutcome, SubjectRecord
from lastro.core.audit.service import record as audit
from lastro.core.auth.api_key_auth import forget
from lastro.core.auth.models import ApiKey, RefreshToken, User
from lastro.core.billing import usage
from lastro.core.lgpd.subjects import matches, parse_email
from lastro.kit.clock import utcnow
from lastro.kit.errors import Conflict

ANONYMOUS_NAME = "Titular anonimizado"
ANONYMOUS_DOMAIN = "anonimizado.invalid"  # RFC 2606: can never be a real mailbox
UNUSABLE_PASSWORD = "!anonimizado"  # noqa: S105 - not a valid hash: verify_password always answers False
CONTRACT = "Execução de contrato (LGPD art. 7º, V)"
KEYS_KEPT = (
    "Chaves de API criadas pelo titular foram revogadas; o registro fica, sem dados pessoais, "
    "para a auditoria da integração da empresa"
)


async def users_of(session: AsyncSession, subject: DataSubject) -> list[User]:
    """The bound tenant's users with the subject's CPF or e-mail (the guard adds the tenant)."""
    stmt = select(User).where(matches(User.cpf, User.email, subject)).order_by(User.id)
    return list(await session.scalars(stmt))


class UserSource:
    name = "users"

    async def collect(self, session: AsyncSession, subject: DataSubject) -> list[SubjectRecord]:
        users = await users_of(session, subject)
        ids = [u.id for u in users]
        records = [
            SubjectRecord(
                category="cadastro",
                description="Conta de usuário na empresa",
                data={
                    "id": str(u.id),
                    "name": u.name,
                    "email": u.email,
                    "cpf": u.cpf,
                    "role": u.role,
                    "is_active": u.is_active,
                    "two_factor_enabled": u.totp_secret is not None,
                    "created_at": _iso(u.created_at),
                    "updated_at": _iso(u.updated_at),
                    "last_login_at": _iso(u.last_login_at),
                    "password_changed_at": _iso(u.password_changed_at),
                },
                legal_basis=CONTRACT,
                erasable=True,
            )
            for u in users
        ]
        if not ids:
            return records
        tokens = await session.scalars(
            select(RefreshToken)
            .where(RefreshToken.user_id.in_(ids))
            .order_by(RefreshToken.created_at)
        )
        records.extend(
            SubjectRecord(
                category="sessões",
                description="Sessão de acesso (token de renovação)",
                data={
                    "user_id": str(t.user_id),
                    "created_at": _iso(t.created_at),
                    "expires_at": _iso(t.expires_at),
                    "revoked_at": _iso(t.revoked_at),
                    "ip": t.ip,
                    "user_agent": t.user_agent,
                },
                legal_basis="Segurança da conta (LGPD art. 7º, IX — legítimo interesse)",
                erasable=True,
            )
            for t in tokens
        )
        keys = await session.scalars(
            select(ApiKey).where(ApiKey.created_by.in_(ids)).order_by(ApiKey.created_at)
        )
        records.extend(
            SubjectRecord(
                category="chaves de API",
                description="Chave de API criada pelo titular",
                data={
                    "name": k.name,
                    "prefix": k.prefix,
                    "created_at": _iso(k.created_at),
                    "last_used_at": _iso(k.last_used_at),
                    "revoked_at": _iso(k.revoked_at),
                },
                legal_basis=CONTRACT,
                erasable=False,
                retention=KEYS_KEPT,
            )
            for k in keys
        )
        return records

    async def rectify(
        self, session: AsyncSession, subject: DataSubject, changes: Mapping[str, str]
    ) -> list[str]:
        users = await users_of(session, subject)
        values: dict[str, str] = {}
        if changes.get("name", "").strip():
            values["name"] = changes["name"].strip()[:200]
        if changes.get("email"):
            values["email"] = parse_email(changes["email"])
        if changes.get("cpf"):
            values["cpf"] = parse_cpf(changes["cpf"])
        if not users or not values:
            return []
        await self._check_unique(session, users, values)
        done: list[str] = []
        for user in users:
            fields = sorted(f for f, v in values.items() if getattr(user, f) != v)
            for f in fields:
                setattr(user, f, values[f])
            if fields:
                audit(session, "user.rectified", "user", user.id, after={"fields": fields})
                labels = ", ".join(_LABELS[f] for f in fields)
                done.append(f"Usuário {user.id}: {labels} corrigido(s)")
        await session.flush()
        return done

    @staticmethod
    async def _check_unique(
        session: AsyncSession, users: list[User], values: Mapping[str, str]
    ) -> None:
        ids = [u.id for u in users]
        for column in ("email", "cpf"):
            if column not in values:
                continue
            if len(users) > 1:
                raise Conflict(
                    "O titular tem mais de uma conta; corrija o e-mail ou o CPF em cada uma.",
                    code="LGPD_AMBIGUOUS_RECTIFICATION",
                )
            clash = await session.scalar(
                select(User.id).where(getattr(User, column) == values[column], User.id.not_in(ids))
            )
            if clash is not None:
                raise Conflict(
                    "Já existe outro usuário com este e-mail ou CPF.", code="USER_EXISTS"
                )

    @staticmethod
    async def _keep_an_admin(session: AsyncSession, users: list[User]) -> None:
        """Anonymising the only active admin would lock the company out of its own account."""
        if not any(u.role == "tenant_admin" and u.is_active for u in users):
            return
        other = await session.scalar(
            select(User.id).where(
                User.role == "tenant_admin",
                User.is_active.is_(True),
                User.id.not_in([u.id for u in users]),
            )
        )
        if other is None:
            raise Conflict(
                "O titular é o único administrador ativo da empresa; nomeie outro administrador "
                "antes de anonimizar esta conta.",
                code="LGPD_LAST_ADMIN",
            )

    async def erase(self, session: AsyncSession, subject: DataSubject) -> ErasureOutcome:
        users = await users_of(session, subject)
        if not users:
            return ErasureOutcome()
        ids = [u.id for u in users]
        await self._keep_an_admin(session, users)
        now = utcnow()
        for user in users:
            if user.is_active:
                await usage.release(session, "users")
            user.name = ANONYMOUS_NAME
            user.email = f"anonimizado-{user.id.hex}@{ANONYMOUS_DOMAIN}"
            user.cpf = None
            user.password_hash = UNUSABLE_PASSWORD
            user.totp_secret = None
            user.is_active = False
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = None
            audit(session, "user.anonymised", "user", user.id)
        # refresh_tokens is a global table (refresh crosses tenants); user ids are
        # time-ordered random UUIDs, unique across tenants, so the ids alone select the rows.
        dropped = await session.execute(delete(RefreshToken).where(RefreshToken.user_id.in_(ids)))
        keys = list(
            await session.scalars(
                select(ApiKey).where(ApiKey.created_by.in_(ids), ApiKey.revoked_at.is_(None))
            )
        )
        for key in keys:
            key.revoked_at = now
            forget(key.prefix)
            audit(session, "api_key.revoked", "api_key", key.id)
        await session.flush()
        return ErasureOutcome(
            erased=int(getattr(dropped, "rowcount", 0) or 0),
            anonymised=len(users),
            kept=len(keys),
            kept_reasons=(KEYS_KEPT,) if keys else (),
        )


_LABELS = {"name": "nome", "email": "e-mail", "cpf": "CPF"}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
