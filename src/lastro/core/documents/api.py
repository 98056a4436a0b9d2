"""The interface other services and modules use to keep files: ``documents_for(settings)``.

``save`` stores a file as a new document (limits, sniffing, checksums, plan usage as for an
upload); ``link`` signs a time-limited public URL; ``pdf`` renders a branded PDF and can keep it.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.documents import service
from lastro.core.documents.links import sign_link
from lastro.core.documents.models import Document
from lastro.core.documents.pdf import render_pdf
from lastro.core.documents.storage import ObjectStore, build_object_store
from lastro.settings import Settings

FILES_PATH = "/files/"


@dataclass(frozen=True)
class SignedLink:
    url: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class Documents:
    store: ObjectStore
    secret_key: str
    max_bytes: int

    async def save(
        self,
        session: AsyncSession,
        source: BinaryIO,
        *,
        name: str,
        category: str = "general",
        resource_type: str | None = None,
        resource_id: str | None = None,
        actor: uuid.UUID | None = None,
        retain_until: datetime | None = None,
        size_limit: int | None = None,
    ) -> Document:
        """Store a file as a new document; ``size_limit`` replaces the category's upload limit
        for files the platform produces itself."""
        return await service.create_document(
            session,
            self.store,
            source,
            name=name,
            category=category,
            resource_type=resource_type,
            resource_id=resource_id,
            actor=actor,
            default_max_bytes=self.max_bytes,
            retain_until=retain_until,
            size_limit=size_limit,
        )

    def link(
        self,
        document: Document,
        *,
        version: int | None = None,
        ttl: timedelta = timedelta(hours=1),
    ) -> SignedLink:
        token, expires = sign_link(
            self.secret_key, document.tenant_id, document.id, version=version, ttl=ttl
        )
        return SignedLink(FILES_PATH + token, token, expires)

    async def pdf(
        self,
        session: AsyncSession,
        template: str,
        data: Mapping[str, Any],
        *,
        keep_as: str | None = None,
        category: str = "generated",
        resource_type: str | None = None,
        resource_id: str | None = None,
        actor: uuid.UUID | None = None,
    ) -> tuple[bytes, Document | None]:
        """Render ``template``; with ``keep_as`` (a file name) also store it as a document."""
        content = await render_pdf(session, template, data)
        if keep_as is None:
            return content, None
        name = keep_as if keep_as.lower().endswith(".pdf") else keep_as + ".pdf"
        document = await self.save(
            session,
            io.BytesIO(content),
            name=name,
            category=category,
            resource_type=resource_type,
            resource_id=resource_id,
            actor=actor,
            size_limit=max(len(content), self.max_bytes),
        )
        return content, document


_cache: dict[tuple[Any, ...], Documents] = {}


def documents_for(settings: Settings) -> Documents:
    """One ``Documents`` per configuration (the S3 client is reused across requests)."""
    key = (
        str(settings.data_dir),
        settings.secret_key,
        getattr(settings, "s3_bucket", None),
        getattr(settings, "s3_endpoint_url", None),
        getattr(settings, "s3_prefix", None),
        getattr(settings, "documents_max_bytes", None),
    )
    found = _cache.get(key)
    if found is None:
        max_bytes = getattr(settings, "documents_max_bytes", None) or service.DEFAULT_MAX_BYTES
        found = Documents(build_object_store(settings), settings.secret_key, int(max_bytes))
        _cache[key] = found
    return found
