"""The ORM hook that filters, stamps and checks ``tenant_id`` on every statement."""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables

from lastro.infra.database import BYPASS_KEY, TENANT_KEY, sync_pg_context
from lastro.kit.errors import LastroError
from lastro.kit.orm import Base, TenantScoped

SKIP_OPTION = "skip_tenancy_guard"


class TenancyNotBound(LastroError):
    """Raised instead of running an unscoped query: a bug, never a user error."""

    status = 500
    code = "TENANCY_NOT_BOUND"
    title = "Consulta sem cliente definido"


class CrossTenantWrite(LastroError):
    status = 403
    code = "TENANT_MISMATCH"
    title = "Registro pertence a outro cliente"


def _is_scoped(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, TenantScoped)


def _tenant_tables() -> frozenset[str]:
    return _tenant_tables_of(len(Base.registry.mappers))


@lru_cache(maxsize=4)
def _tenant_tables_of(_mapper_count: int) -> frozenset[str]:
    """Recomputed when models are added (keyed by how many mappers exist)."""
    return frozenset(
        str(getattr(m.local_table, "name", ""))
        for m in Base.registry.mappers
        if _is_scoped(m.class_)
    )


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    if any(_is_scoped(mapper.class_) for mapper in state.all_mappers):
        return True
    # ``select(func.count()).select_from(Model)`` names no mapper: look at the tables too.
    tables = _tenant_tables()
    return any(
        getattr(t, "name", None) in tables
        for t in find_tables(
            cast(ClauseElement, state.statement), include_joins=True, include_aliases=True
        )
    )


def _on_execute(state: ORMExecuteState) -> None:
    session = state.session
    sync_pg_context(session)
    if session.info.get(BYPASS_KEY) or state.execution_options.get(SKIP_OPTION):
        return
    if not (state.is_select or state.is_update or state.is_delete or state.is_insert):
        return
    tenant_id = session.info.get(TENANT_KEY)
    if not isinstance(tenant_id, uuid.UUID):
        if _touches_tenant_data(state):
            raise TenancyNotBound(
                "Nenhum cliente vinculado à sessão para acessar dados de cliente."
            )
        return
    if state.is_insert:
        if any(_is_scoped(mapper.class_) for mapper in state.all_mappers):
            _stamp_parameters(state.parameters, tenant_id)
        return
    # Applied to every statement: a no-op where no tenant table appears, and it reaches
    # subqueries, aliases and select_from() targets that name no mapper.
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
            propagate_to_loaders=True,
        )
    )


def _stamp_parameters(parameters: Any, tenant_id: uuid.UUID) -> None:
    rows = parameters if isinstance(parameters, list) else [parameters] if parameters else []
    for row in rows:
        if not isinstance(row, dict):
            continue
        current = row.get("tenant_id")
        if current is None:
            row["tenant_id"] = tenant_id
        elif current != tenant_id:
            raise CrossTenantWrite("Tentativa de gravar dados de outro cliente.")


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(BYPASS_KEY):
        return
    tenant_id = session.info.get(TENANT_KEY)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if not isinstance(tenant_id, uuid.UUID):
            raise TenancyNotBound("Nenhum cliente vinculado à sessão para gravar dados de cliente.")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise CrossTenantWrite("Tentativa de gravar dados de outro cliente.")


_installed = False


def install_tenancy_guard() -> None:
    """Register the hooks once per process (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "do_orm_execute", _on_execute)
    event.listen(Session, "before_flush", _before_flush)
    _installed = True
