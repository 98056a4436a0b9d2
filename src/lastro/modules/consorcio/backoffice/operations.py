"""Operations pages: billing runs (progress, start a month), payment imports (upload a CNAB
retorno, import reports with their exceptions) and delinquency by collection stage.

Forms post here, check the owning area's permission, call its service, then redirect back
(post/redirect/get); a refused input comes back as a pt-BR message on the page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from lastro.kit.clock import today_sp
from lastro.kit.errors import LastroError
from lastro.modules.consorcio.backoffice import labels
from lastro.modules.consorcio.backoffice import services as area_services
from lastro.modules.consorcio.backoffice.home import month_of
from lastro.modules.consorcio.backoffice.queries import page_of
from lastro.modules.consorcio.backoffice.web import (
    PAGE_SIZE,
    Staff,
    page_number,
    parse_uuid,
    query_without,
    staff_page,
)
from lastro.modules.consorcio.billing.models import BillingRun
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.groups.models import Group
from lastro.modules.consorcio.quotas.models import Quota

router = APIRouter(include_in_schema=False)
T = "consorcio/backoffice/"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
RUNNING = ("pending", "running")


def _back(staff: Staff, path: str, **params: str) -> Response:
    query = "&".join(f"{k}={quote(v)}" for k, v in params.items())
    return staff.redirect(f"{path}?{query}" if query else path)


# --- billing runs -------------------------------------------------------------------------


@router.get("/consorcio/cobranca")
async def runs_page(request: Request) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        page = page_number(request)
        rows, total = await page_of(
            staff.session,
            select(BillingRun).order_by(BillingRun.reference_month.desc()),
            page=page,
            size=PAGE_SIZE,
        )
        runs = [r[0] for r in rows]
        return staff.render(
            T + "runs.html",
            {
                "runs": [
                    {
                        "run": r,
                        "status": labels.badge(labels.RUN_STATUS, r.status),
                        "progress": area_services.run_progress(r),
                    }
                    for r in runs
                ],
                "running": any(r.status in RUNNING for r in runs),
                "total": total,
                "page": page,
                "size": PAGE_SIZE,
                "base_query": "",
                "next_month": month_of(today_sp()),
                "can_start": staff.can(area_services.BILLING_MANAGE),
                "started": request.query_params.get("iniciada"),
                "queued": request.query_params.get("fila"),
                "error": request.query_params.get("erro"),
            },
        )


@router.post("/consorcio/cobranca")
async def start_run(request: Request) -> Response:
    form = await request.form()
    async with staff_page(request, area_services.BILLING_MANAGE) as staff:
        if staff.denied:
            return staff.denied
        path = "/consorcio/cobranca"
        if not staff.csrf_ok(form.get("csrf")):
            return _back(staff, path, erro="Sessão do formulário expirou; tente de novo.")
        month = str(form.get("month") or "").strip()
        if not _MONTH.match(month):
            return _back(staff, path, erro="Informe o mês de referência no formato AAAA-MM.")
        try:
            started = await area_services.start_billing_run(staff, month)
        except LastroError as exc:
            return _back(staff, path, erro=exc.detail)
        if started.inline:
            return _back(staff, path, iniciada=month)
        return _back(staff, path, iniciada=month, fila="1")


# --- payments -----------------------------------------------------------------------------


@router.get("/consorcio/pagamentos")
async def imports_page(request: Request) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        page = page_number(request)
        imports, total = await area_services.list_imports(staff.session, page=page, size=PAGE_SIZE)
        recent = await area_services.recent_payments(staff.session, limit=30)
        return staff.render(
            T + "imports.html",
            {
                "imports": imports,
                "recent": recent,
                "total": total,
                "page": page,
                "size": PAGE_SIZE,
                "base_query": "",
                "can_import": staff.can(area_services.PAYMENTS_WRITE),
                "error": request.query_params.get("erro"),
            },
        )


@router.post("/consorcio/pagamentos")
async def upload_retorno(request: Request) -> Response:
    form = await request.form()
    async with staff_page(request, area_services.PAYMENTS_WRITE) as staff:
        if staff.denied:
            return staff.denied
        path = "/consorcio/pagamentos"
        if not staff.csrf_ok(form.get("csrf")):
            return _back(staff, path, erro="Sessão do formulário expirou; tente de novo.")
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return _back(staff, path, erro="Escolha o arquivo de retorno CNAB.")
        content = await upload.read()
        try:
            import_id = await area_services.import_retorno(
                staff, content, filename=upload.filename or "retorno.ret"
            )
        except LastroError as exc:
            await staff.session.rollback()
            return _back(staff, path, erro=exc.detail)
        await staff.session.commit()
        return staff.redirect(f"/consorcio/pagamentos/importacoes/{import_id}")


@router.get("/consorcio/pagamentos/importacoes/{import_id}")
async def import_page(request: Request, import_id: str) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        iid = parse_uuid(import_id)
        report = await area_services.get_import(staff.session, iid) if iid else None
        if report is None:
            return staff.not_found("A importação")
        return staff.render(T + "import.html", report)


# --- delinquency --------------------------------------------------------------------------


@router.get("/consorcio/inadimplencia")
async def delinquency_page(request: Request) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        today = today_sp()
        stage = (request.query_params.get("stage") or "").strip()[:30]
        if stage not in labels.STAGES:
            stage = ""
        gid = parse_uuid(request.query_params.get("group_id"))
        page = page_number(request)
        listing = await area_services.delinquency_list(
            staff.session, today, stage=stage, group_id=gid, page=page, size=PAGE_SIZE
        )
        summary = await area_services.delinquency_summary(staff.session, today)
        excluded = (
            await staff.session.execute(
                select(Quota, Group.code, Consorciado.name)
                .join(Group, Group.id == Quota.group_id)
                .join(Consorciado, Consorciado.id == Quota.consorciado_id)
                .where(Quota.status == "excluida")
                .order_by(Quota.excluded_on.desc(), Group.code, Quota.number)
                .limit(20)
            )
        ).all()
        groups = (
            await staff.session.execute(select(Group.id, Group.code).order_by(Group.code))
        ).all()
        ctx: dict[str, Any] = {
            "rows": [
                {
                    "row": r,
                    "stage": labels.badge(labels.STAGES, r.stage),
                    "flag": labels.badge(labels.COLLECTION, r.flag),
                }
                for r in listing.items
            ],
            "total": listing.total,
            "page": page,
            "size": PAGE_SIZE,
            "stage": stage,
            "group_id": str(gid) if gid else "",
            "groups": groups,
            "summary": summary,
            "stage_cards": [
                (s, labels.badge(labels.STAGES, s.stage)) for s in summary.stages if s.quotas
            ],
            "stage_options": {k: v[0] for k, v in labels.STAGES.items() if k != "em_dia"},
            "excluded": excluded,
            "base_query": query_without(request, "page"),
            "export_query": query_without(request, "page"),
        }
        return staff.render(T + "delinquency.html", ctx)
