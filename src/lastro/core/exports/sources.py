"""The core's own exportable lists: the tenant's users and its audit log. Same filters as their
list endpoints (``/api/v1/users``, ``/api/v1/audit``) plus a period for the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from lastro.core.audit.models import AuditRecord
from lastro.core.auth.models import User
from lastro.core.exports.registry import AnySelect, Column, Filter, register_export


def _users(filters: Mapping[str, Any]) -> AnySelect:
    stmt: AnySelect = select(
        User.name,
        User.email,
        User.role,
        User.is_active,
        User.last_login_at,
        User.created_at,
    ).order_by(User.email)
    if "role" in filters:
        stmt = stmt.where(User.role == filters["role"])
    if "is_active" in filters:
        stmt = stmt.where(User.is_active.is_(filters["is_active"]))
    return stmt


USERS = register_export(
    "users",
    [
        Column("name", "Nome", width=28),
        Column("email", "E-mail", width=32),
        Column("role", "Papel", width=14),
        Column("is_active", "Ativo", "bool", width=8),
        Column("last_login_at", "Último acesso", "datetime", width=19),
        Column("created_at", "Criado em", "datetime", width=19),
    ],
    _users,
    "users.read",
    title="Usuários",
    filters=[Filter("role", "Papel"), Filter("is_active", "Ativo", "bool")],
)


def _audit(filters: Mapping[str, Any]) -> AnySelect:
    stmt: AnySelect = select(
        AuditRecord.seq,
        AuditRecord.occurred_at,
        AuditRecord.actor_kind,
        AuditRecord.actor_label,
        AuditRecord.action,
        AuditRecord.resource_type,
        AuditRecord.resource_id,
        AuditRecord.ip,
        AuditRecord.request_id,
    ).order_by(AuditRecord.seq.desc())
    if "action" in filters:
        stmt = stmt.where(AuditRecord.action == filters["action"])
    if "resource_type" in filters:
        stmt = stmt.where(AuditRecord.resource_type == filters["resource_type"])
    if "since" in filters:
        stmt = stmt.where(AuditRecord.occurred_at >= filters["since"])
    if "until" in filters:
        stmt = stmt.where(AuditRecord.occurred_at < filters["until"])
    return stmt


AUDIT = register_export(
    "audit",
    [
        Column("seq", "Nº", "int", width=8),
        Column("occurred_at", "Quando", "datetime", width=19),
        Column("actor_kind", "Tipo de autor", width=12),
        Column("actor_label", "Autor", width=24),
        Column("action", "Ação", width=24),
        Column("resource_type", "Recurso", width=16),
        Column("resource_id", "Id do recurso", width=36),
        Column("ip", "IP", width=15),
        Column("request_id", "Requisição", width=32),
    ],
    _audit,
    "audit.read",
    title="Auditoria",
    filters=[
        Filter("action", "Ação", max_length=80),
        Filter("resource_type", "Recurso", max_length=80),
        Filter("since", "A partir de (ISO 8601, UTC)", "datetime"),
        Filter("until", "Até (exclusive, ISO 8601, UTC)", "datetime"),
    ],
)
