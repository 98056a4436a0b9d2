"""Use cases of the documents service. They take the request's session and the object store,
flush but never commit.

Bytes are checked before anything is stored: read once in a worker thread for the size limit,
SHA-256 and the sniffed type, then streamed to the store. Storage counts against the plan's
``storage_bytes`` limit from upload until erasure (a soft-deleted document still occupies it).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import BinaryIO

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.billing import usage
from lastro.core.documents.errors import (
    DocumentDeleted,
    DocumentNotFound,
    DocumentRetained,
    EmptyFile,
    FileTooLarge,
    VersionNotFound,
)
from lastro.core.documents.models import Document, DocumentPolicy, DocumentVersion
from lastro.core.documents.sniffing import DEFAULT_ALLOWED, SNIFF_BYTES, check_type, sniff
from lastro.core.documents.storage import CHUNK, ObjectStore
from lastro.infra.database import bound_tenant
from lastro.kit.clock import utcnow
from lastro.kit.ids import new_id

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_ERASE_AFTER_DAYS = 30
STORAGE_METRIC = "storage_bytes"
ERASED_NAME = "(documento apagado)"


@dataclass(frozen=True)
class Policy:
    max_bytes: int
    allowed_types: frozenset[str]
    retention_days: int | None
    erase_after_days: int


@dataclass(frozen=True)
class FileFacts:
    size: int
    sha256: str
    content_type: str


async def policy_for(session: AsyncSession, category: str, *, default_max: int) -> Policy:
    """The category's policy, falling back field by field to the ``*`` policy and defaults."""
    rows = {
        p.category: p
        for p in await session.scalars(
            select(DocumentPolicy).where(DocumentPolicy.category.in_([category, "*"]))
        )
    }
    chain = [p for p in (rows.get(category), rows.get("*")) if p is not None]

    def pick(attr: str) -> object:
        return next((getattr(p, attr) for p in chain if getattr(p, attr) is not None), None)

    max_bytes = pick("max_bytes")
    allowed = pick("allowed_types")
    retention = pick("retention_days")
    erase_after = pick("erase_after_days")
    return Policy(
        max_bytes=int(max_bytes) if isinstance(max_bytes, int) else default_max,
        allowed_types=frozenset(allowed) if isinstance(allowed, list) else DEFAULT_ALLOWED,
        retention_days=int(retention) if isinstance(retention, int) else None,
        erase_after_days=(
            int(erase_after) if isinstance(erase_after, int) else DEFAULT_ERASE_AFTER_DAYS
        ),
    )


def _inspect(source: BinaryIO, filename: str, max_bytes: int) -> FileFacts:
    start = source.tell()
    head = source.read(SNIFF_BYTES)
    digest = hashlib.sha256(head)
    size = len(head)
    while size <= max_bytes and (chunk := source.read(CHUNK)):
        digest.update(chunk)
        size += len(chunk)
    source.seek(start)
    if size > max_bytes:
        raise FileTooLarge(
            f"O arquivo excede o limite de {max_bytes} bytes.", extra={"limit": max_bytes}
        )
    if size == 0:
        raise EmptyFile("O arquivo está vazio.")
    return FileFacts(size, digest.hexdigest(), sniff(head, filename))


async def inspect_file(source: BinaryIO, filename: str, policy: Policy) -> FileFacts:
    """Size, SHA-256 and sniffed type, refusing what the policy does not accept."""
    facts = await anyio.to_thread.run_sync(_inspect, source, filename, policy.max_bytes)
    check_type(facts.content_type, filename, policy.allowed_types)
    return facts


def _storage_key(tenant_id: uuid.UUID, document_id: uuid.UUID, version: int) -> str:
    # random suffix: a re-upload after a rolled-back attempt never overwrites live bytes
    return f"{tenant_id}/{document_id}/v{version}-{secrets.token_hex(6)}"


def clean_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    return base[:255] or "arquivo"


async def _put(
    session: AsyncSession,
    store: ObjectStore,
    source: BinaryIO,
    document: Document,
    version: int,
    name: str,
    facts: FileFacts,
    actor: uuid.UUID | None,
) -> DocumentVersion:
    tenant_id = bound_tenant(session)
    if tenant_id is None:
        raise RuntimeError("documents need a tenant-bound session")
    await usage.consume(session, STORAGE_METRIC, facts.size)
    key = _storage_key(tenant_id, document.id, version)
    await store.put(key, source)
    row = DocumentVersion(
        document_id=document.id,
        version=version,
        name=name,
        content_type=facts.content_type,
        size=facts.size,
        sha256=facts.sha256,
        storage_key=key,
        created_at=utcnow(),
        created_by=actor,
    )
    session.add(row)
    try:
        await session.flush()
    except BaseException:
        with contextlib.suppress(Exception):
            await store.delete(key)
        raise
    return row


async def create_document(
    session: AsyncSession,
    store: ObjectStore,
    source: BinaryIO,
    *,
    name: str,
    category: str = "general",
    resource_type: str | None = None,
    resource_id: str | None = None,
    actor: uuid.UUID | None = None,
    default_max_bytes: int = DEFAULT_MAX_BYTES,
    retain_until: datetime | None = None,
    size_limit: int | None = None,
) -> Document:
    """Store ``source`` (a seekable binary file) as version 1 of a new document.

    ``size_limit`` replaces the category's upload limit, for files the platform produces
    itself (exports, generated PDFs); the plan's storage limit still applies."""
    name = clean_name(name)
    policy = await policy_for(session, category, default_max=default_max_bytes)
    if size_limit is not None:
        policy = replace(policy, max_bytes=size_limit)
    facts = await inspect_file(source, name, policy)
    now = utcnow()
    if retain_until is None and policy.retention_days:
        retain_until = now + timedelta(days=policy.retention_days)
    document = Document(
        id=new_id(),
        name=name,
        category=category,
        resource_type=resource_type,
        resource_id=resource_id,
        current_version=1,
        content_type=facts.content_type,
        size=facts.size,
        sha256=facts.sha256,
        total_bytes=facts.size,
        retain_until=retain_until,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(document)
    await session.flush()
    await _put(session, store, source, document, 1, name, facts, actor)
    audit(
        session,
        "document.created",
        "document",
        document.id,
        after={
            "name": name,
            "category": category,
            "sha256": facts.sha256,
            "size": facts.size,
            "content_type": facts.content_type,
            "resource_type": resource_type,
            "resource_id": resource_id,
        },
    )
    return document


async def get_document(
    session: AsyncSession, document_id: uuid.UUID, *, include_deleted: bool = False
) -> Document:
    document = await session.scalar(select(Document).where(Document.id == document_id))
    if document is None or (document.deleted_at is not None and not include_deleted):
        raise DocumentNotFound("Documento não encontrado.")
    return document


async def add_version(
    session: AsyncSession,
    store: ObjectStore,
    document: Document,
    source: BinaryIO,
    *,
    name: str | None = None,
    actor: uuid.UUID | None = None,
    default_max_bytes: int = DEFAULT_MAX_BYTES,
) -> DocumentVersion:
    """A new upload to an existing document becomes its current version."""
    if document.deleted_at is not None:
        raise DocumentDeleted("O documento foi excluído.")
    name = clean_name(name or document.name)
    policy = await policy_for(session, document.category, default_max=default_max_bytes)
    facts = await inspect_file(source, name, policy)
    version = document.current_version + 1
    row = await _put(session, store, source, document, version, name, facts, actor)
    document.current_version = version
    document.name = name
    document.content_type = facts.content_type
    document.size = facts.size
    document.sha256 = facts.sha256
    document.total_bytes += facts.size
    await session.flush()
    audit(
        session,
        "document.version_added",
        "document",
        document.id,
        after={"version": version, "sha256": facts.sha256, "size": facts.size},
    )
    return row


async def versions_of(session: AsyncSession, document: Document) -> list[DocumentVersion]:
    rows = await session.scalars(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.version.desc())
    )
    return list(rows.all())


async def version_of(
    session: AsyncSession, document: Document, version: int | None = None
) -> DocumentVersion:
    wanted = version if version is not None else document.current_version
    row = await session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document.id, DocumentVersion.version == wanted
        )
    )
    if row is None:
        raise VersionNotFound("Versão do documento não encontrada.")
    return row


def read(store: ObjectStore, version: DocumentVersion) -> AsyncIterator[bytes]:
    return store.open(version.storage_key)


def _check_retention(document: Document, action: str) -> None:
    if document.retain_until is not None and document.retain_until > utcnow():
        raise DocumentRetained(
            f"O documento deve ser mantido até {document.retain_until:%d/%m/%Y} e não pode ser "
            f"{action} antes disso.",
            extra={"retain_until": document.retain_until.isoformat()},
        )


async def delete_document(session: AsyncSession, document: Document) -> None:
    """Soft delete: the document disappears and its links stop working; the bytes stay until
    the retention sweep (or an explicit erasure) removes them."""
    _check_retention(document, "excluído")
    if document.deleted_at is None:
        document.deleted_at = utcnow()
        await session.flush()
        audit(session, "document.deleted", "document", document.id)


async def erase_document(session: AsyncSession, store: ObjectStore, document: Document) -> None:
    """Remove every version's bytes and scrub the name; the row stays as a tombstone."""
    if document.erased_at is not None:
        return
    _check_retention(document, "apagado")
    versions = await versions_of(session, document)
    for version in versions:
        await store.delete(version.storage_key)
        await session.delete(version)
    if document.total_bytes:
        await usage.release(session, STORAGE_METRIC, document.total_bytes)
    now = utcnow()
    before = {"name": document.name, "versions": len(versions), "bytes": document.total_bytes}
    document.name = ERASED_NAME
    document.total_bytes = 0
    document.deleted_at = document.deleted_at or now
    document.erased_at = now
    await session.flush()
    audit(session, "document.erased", "document", document.id, before=before)


async def erase_due(session: AsyncSession, store: ObjectStore, document: Document) -> bool:
    """Erase a soft-deleted document once its category's grace period is over."""
    if document.deleted_at is None or document.erased_at is not None:
        return False
    policy = await policy_for(session, document.category, default_max=DEFAULT_MAX_BYTES)
    if document.deleted_at + timedelta(days=policy.erase_after_days) > utcnow():
        return False
    if document.retain_until is not None and document.retain_until > utcnow():
        return False
    await erase_document(session, store, document)
    return True
