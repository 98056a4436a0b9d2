"""Tables of the documents service: documents, their versions, and per-category policies.

A document is the stable handle (name, owner resource, retention); each upload is a version
whose bytes live in the object store under ``storage_key``. Erasure deletes the objects and the
version rows and scrubs the name, keeping a tombstone so links and audit records still resolve.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, TenantScoped, Timestamps


class Document(TenantScoped, Timestamps, Base):
    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_tenant_resource", "tenant_id", "resource_type", "resource_id"),
        Index("ix_documents_tenant_deleted", "tenant_id", "deleted_at"),
    )

    name: Mapped[str] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(60), default="general")
    resource_type: Mapped[str | None] = mapped_column(String(80), default=None)
    resource_id: Mapped[str | None] = mapped_column(String(80), default=None)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    retain_until: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    erased_at: Mapped[datetime | None] = mapped_column(default=None)


class DocumentVersion(TenantScoped, Base):
    __tablename__ = "document_versions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "document_id"],
            ["documents.tenant_id", "documents.id"],
            ondelete="CASCADE",
        ),
        Index(
            "uq_document_versions_tenant_document_version",
            "tenant_id",
            "document_id",
            "version",
            unique=True,
        ),
    )

    document_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class DocumentPolicy(TenantScoped, Timestamps, Base):
    """Per-category limits and retention; the ``*`` category is the tenant's default."""

    __tablename__ = "document_policies"
    __table_args__ = (
        Index("uq_document_policies_tenant_category", "tenant_id", "category", unique=True),
    )

    category: Mapped[str] = mapped_column(String(60))
    max_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    allowed_types: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    retention_days: Mapped[int | None] = mapped_column(Integer, default=None)
    erase_after_days: Mapped[int | None] = mapped_column(Integer, default=None)
