"""``/api/v1/documents``: upload, list, versions, download, signed links, delete and erase;
``/api/v1/document-policies`` for limits and retention; ``GET /files/{token}`` for signed links
(no login: the token is the permission)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from starlette.responses import Response

from lastro.core.audit.service import record as audit
from lastro.core.documents import service
from lastro.core.documents.api import Documents
from lastro.core.documents.errors import InvalidLink, VersionNotFound
from lastro.core.documents.links import verify_link
from lastro.core.documents.models import Document, DocumentPolicy, DocumentVersion
from lastro.core.documents.schemas import (
    CATEGORY_PATTERN,
    DocumentRead,
    LinkCreate,
    LinkRead,
    PdfCreate,
    PolicyRead,
    PolicyWrite,
    VersionRead,
)
from lastro.core.documents.sniffing import DEFAULT_ALLOWED
from lastro.core.documents.storage import ObjectStore
from lastro.core.runtime import Runtime
from lastro.core.web.deps import SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.errors import LastroError, ValidationFailed
from lastro.kit.pagination import MAX_LIMIT, Page, paginate


class ContentMissing(LastroError):
    status = 500
    code = "DOCUMENT_CONTENT_MISSING"
    title = "Conteúdo do documento indisponível"


def content_disposition(name: str, *, inline: bool = False) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


async def stream_version(
    store: ObjectStore, version: DocumentVersion, *, name: str | None = None
) -> StreamingResponse:
    """Stream a version's bytes; the first chunk is read now so a missing object is an error
    response rather than a broken download."""
    chunks = store.open(version.storage_key)
    try:
        first = await anext(chunks)
    except (FileNotFoundError, StopAsyncIteration) as exc:
        raise ContentMissing("O conteúdo deste documento não está disponível.") from exc

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return StreamingResponse(
        body(),
        media_type=version.content_type,
        headers={
            "Content-Length": str(version.size),
            "Content-Disposition": content_disposition(name or version.name),
            "ETag": f'"{version.sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


async def _document(document_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep) -> Document:
    return await service.get_document(session, document_id)


DocumentDep = Annotated[Document, Depends(_document)]


def build_routers(documents: Documents) -> tuple[APIRouter, APIRouter]:
    """The API router and the public signed-link router, closed over this service's store."""
    router = APIRouter(prefix="/api/v1", route_class=LastroRoute, tags=["documents"])
    public = APIRouter(route_class=LastroRoute, include_in_schema=False)
    store = documents.store

    @router.post(
        "/documents",
        response_model=DocumentRead,
        status_code=201,
        dependencies=[require("documents.write")],
        summary="Enviar documento",
    )
    async def upload(
        principal: TenantPrincipal,
        session: SessionDep,
        file: Annotated[
            UploadFile, File(description="O arquivo; o tipo é detectado pelo conteúdo")
        ],
        category: Annotated[str, Form(pattern=CATEGORY_PATTERN)] = "general",
        resource_type: Annotated[str | None, Form(max_length=80)] = None,
        resource_id: Annotated[str | None, Form(max_length=80)] = None,
    ) -> DocumentRead:
        document = await documents.save(
            session,
            file.file,
            name=file.filename or "arquivo",
            category=category,
            resource_type=resource_type or None,
            resource_id=resource_id or None,
            actor=principal.user_id,
        )
        return DocumentRead.model_validate(document)

    @router.get(
        "/documents",
        response_model=Page[DocumentRead],
        dependencies=[require("documents.read")],
        summary="Documentos",
    )
    async def list_documents(
        _p: TenantPrincipal,
        session: SessionDep,
        resource_type: Annotated[str | None, Query(max_length=80)] = None,
        resource_id: Annotated[str | None, Query(max_length=80)] = None,
        category: Annotated[str | None, Query(max_length=60)] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    ) -> Page[DocumentRead]:
        stmt = select(Document).where(Document.deleted_at.is_(None))
        if resource_type:
            stmt = stmt.where(Document.resource_type == resource_type)
        if resource_id:
            stmt = stmt.where(Document.resource_id == resource_id)
        if category:
            stmt = stmt.where(Document.category == category)
        stmt = stmt.order_by(Document.created_at.desc(), Document.id.desc())
        return await paginate(session, stmt, DocumentRead.model_validate, page=page, limit=limit)

    @router.post(
        "/documents/pdf",
        status_code=201,
        dependencies=[require("documents.write")],
        summary="Gerar PDF (contrato, recibo, extrato) com a marca da empresa",
        responses={201: {"content": {"application/pdf": {}}}},
    )
    async def generate_pdf(
        body: PdfCreate, principal: TenantPrincipal, session: SessionDep
    ) -> Response:
        name = body.name or f"{body.template}.pdf"
        content, document = await documents.pdf(
            session,
            body.template,
            body.data,
            keep_as=name if body.store else None,
            category=body.category,
            resource_type=body.resource_type,
            resource_id=body.resource_id,
            actor=principal.user_id,
        )
        if document is not None:
            data = DocumentRead.model_validate(document).model_dump_json()
            return Response(data, status_code=201, media_type="application/json")
        return Response(
            content,
            status_code=201,
            media_type="application/pdf",
            headers={"Content-Disposition": content_disposition(name)},
        )

    @router.get(
        "/documents/{document_id}",
        response_model=DocumentRead,
        dependencies=[require("documents.read")],
        summary="Um documento",
    )
    async def get_document(document: DocumentDep) -> DocumentRead:
        return DocumentRead.model_validate(document)

    @router.get(
        "/documents/{document_id}/versions",
        response_model=list[VersionRead],
        dependencies=[require("documents.read")],
        summary="Versões de um documento",
    )
    async def list_versions(document: DocumentDep, session: SessionDep) -> list[VersionRead]:
        return [VersionRead.model_validate(v) for v in await service.versions_of(session, document)]

    @router.post(
        "/documents/{document_id}/versions",
        response_model=DocumentRead,
        status_code=201,
        dependencies=[require("documents.write")],
        summary="Enviar nova versão",
    )
    async def upload_version(
        document: DocumentDep,
        principal: TenantPrincipal,
        session: SessionDep,
        file: Annotated[UploadFile, File()],
    ) -> DocumentRead:
        await service.add_version(
            session,
            store,
            document,
            file.file,
            name=file.filename,
            actor=principal.user_id,
            default_max_bytes=documents.max_bytes,
        )
        return DocumentRead.model_validate(document)

    @router.get(
        "/documents/{document_id}/download",
        dependencies=[require("documents.read")],
        summary="Baixar (versão atual ou ?version=N)",
        response_class=StreamingResponse,
    )
    async def download(
        document: DocumentDep,
        session: SessionDep,
        version: Annotated[int | None, Query(ge=1)] = None,
    ) -> StreamingResponse:
        row = await service.version_of(session, document, version)
        return await stream_version(store, row)

    @router.post(
        "/documents/{document_id}/links",
        response_model=LinkRead,
        status_code=201,
        dependencies=[require("documents.read")],
        summary="Link de download assinado e com validade",
    )
    async def create_link(document: DocumentDep, body: LinkCreate, session: SessionDep) -> LinkRead:
        if body.version is not None:
            await service.version_of(session, document, body.version)
        link = documents.link(
            document, version=body.version, ttl=timedelta(seconds=body.ttl_seconds)
        )
        audit(
            session,
            "document.link_created",
            "document",
            document.id,
            after={"version": body.version, "expires_at": link.expires_at.isoformat()},
        )
        return LinkRead(url=link.url, expires_at=link.expires_at)

    @router.delete(
        "/documents/{document_id}",
        status_code=204,
        dependencies=[require("documents.write")],
        summary="Excluir documento (apagado de vez após o prazo da categoria)",
    )
    async def delete_document(document: DocumentDep, session: SessionDep) -> Response:
        await service.delete_document(session, document)
        return Response(status_code=204)

    @router.post(
        "/documents/{document_id}/erase",
        status_code=204,
        dependencies=[require("documents.erase")],
        summary="Apagar de vez o conteúdo de todas as versões (LGPD)",
    )
    async def erase_document(document: DocumentDep, session: SessionDep) -> Response:
        await service.erase_document(session, store, document)
        return Response(status_code=204)

    @router.get(
        "/document-policies",
        response_model=list[PolicyRead],
        dependencies=[require("documents.read")],
        summary="Limites e retenção por categoria",
    )
    async def list_policies(_p: TenantPrincipal, session: SessionDep) -> list[PolicyRead]:
        rows = await session.scalars(select(DocumentPolicy).order_by(DocumentPolicy.category))
        return [PolicyRead.model_validate(p) for p in rows]

    @router.put(
        "/document-policies",
        response_model=PolicyRead,
        dependencies=[require("documents.policies")],
        summary="Definir limites e retenção de uma categoria ('*' é o padrão)",
    )
    async def put_policy(body: PolicyWrite, _p: TenantPrincipal, session: SessionDep) -> PolicyRead:
        if body.allowed_types is not None:
            unknown = sorted(set(body.allowed_types) - DEFAULT_ALLOWED)
            if unknown:
                raise ValidationFailed(
                    f"Tipos não suportados: {', '.join(unknown)}.",
                    code="FILE_TYPE_NOT_SUPPORTED",
                    extra={"supported": sorted(DEFAULT_ALLOWED)},
                )
        policy = await session.scalar(
            select(DocumentPolicy).where(DocumentPolicy.category == body.category)
        )
        before = PolicyRead.model_validate(policy).model_dump(mode="json") if policy else None
        if policy is None:
            policy = DocumentPolicy(category=body.category)
            session.add(policy)
        policy.max_bytes = body.max_bytes
        policy.allowed_types = sorted(set(body.allowed_types)) if body.allowed_types else None
        policy.retention_days = body.retention_days
        policy.erase_after_days = body.erase_after_days
        await session.flush()
        await session.refresh(policy)
        read = PolicyRead.model_validate(policy)
        audit(
            session,
            "document_policy.updated",
            "document_policy",
            body.category,
            before=before,
            after=read.model_dump(mode="json"),
        )
        return read

    @public.get("/files/{token}", summary="Baixar por link assinado")
    async def signed_download(token: str, request: Request) -> StreamingResponse:
        runtime: Runtime = request.app.state.runtime
        claims = verify_link(runtime.settings.secret_key, token)
        async with runtime.db.session(tenant_id=claims.tenant_id, readonly=True) as session:
            document = await session.scalar(
                select(Document).where(Document.id == claims.document_id)
            )
            if document is None or document.deleted_at is not None:
                raise InvalidLink("Link inválido ou expirado.")
            try:
                row = await service.version_of(session, document, claims.version)
            except VersionNotFound as exc:
                raise InvalidLink("Link inválido ou expirado.") from exc
            name = row.name
        return await stream_version(store, row, name=name)

    return router, public
