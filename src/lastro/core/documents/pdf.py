"""PDFs from templates (contract, receipt, statement) on the tenant's branding.

``render_pdf(session, key, data)`` validates ``data`` against the template's schema and draws
with reportlab's platypus: the tenant's name in its primary colour on every page, its footer and
page numbers. Logos are URLs that may not be reachable offline, so they are not embedded.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

import anyio
from pydantic import BaseModel, Field, ValidationError
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.money_text import format_brl
from lastro.core.documents.errors import UnknownPdfTemplate
from lastro.core.platform.models import Tenant
from lastro.core.web.branding import Brand, brand_for
from lastro.infra.database import bound_tenant
from lastro.kit.errors import ValidationFailed


class Party(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    document: str | None = Field(default=None, max_length=18)
    address: str | None = Field(default=None, max_length=300)


class ContractData(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    number: str | None = Field(default=None, max_length=60)
    parties: list[Party] = Field(min_length=1, max_length=10)
    clauses: list[str] = Field(min_length=1, max_length=200)
    place: str = Field(default="", max_length=120)
    date: dt.date


class ReceiptData(BaseModel):
    number: str = Field(min_length=1, max_length=60)
    payer: Party
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    description: str = Field(min_length=1, max_length=500)
    date: dt.date
    place: str = Field(default="", max_length=120)


class StatementLine(BaseModel):
    date: dt.date
    description: str = Field(max_length=200)
    amount: Decimal = Field(max_digits=18, decimal_places=2)


class StatementData(BaseModel):
    holder: Party
    period_start: dt.date
    period_end: dt.date
    opening_balance: Decimal = Field(default=Decimal("0.00"), max_digits=18, decimal_places=2)
    lines: list[StatementLine] = Field(default_factory=list, max_length=20_000)


@dataclass(frozen=True)
class PdfTemplate:
    key: str
    title: str
    schema: type[BaseModel]
    build: Callable[[Any, Brand], list[Any]]


_TEMPLATES: dict[str, PdfTemplate] = {}


def register_pdf_template(template: PdfTemplate) -> PdfTemplate:
    """Modules add their own document kinds the same way the core's are declared below."""
    _TEMPLATES[template.key] = template
    return template


def pdf_templates() -> Mapping[str, PdfTemplate]:
    return _TEMPLATES


def _styles(brand: Brand) -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    primary = colors.HexColor(brand.primary_color)
    return {
        "title": ParagraphStyle("t", parent=base["Title"], textColor=primary, fontSize=16),
        "h": ParagraphStyle("h", parent=base["Heading3"], textColor=primary),
        "p": ParagraphStyle("p", parent=base["BodyText"], fontSize=10, leading=14),
        "small": ParagraphStyle("s", parent=base["BodyText"], fontSize=8, textColor=colors.grey),
    }


def _d(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _party(p: Party) -> str:
    parts = [f"<b>{escape(p.name)}</b>"]
    if p.document:
        parts.append(f"CPF/CNPJ {escape(p.document)}")
    if p.address:
        parts.append(escape(p.address))
    return ", ".join(parts)


def _contract(data: ContractData, brand: Brand) -> list[Any]:
    s = _styles(brand)
    title = data.title + (f" nº {data.number}" if data.number else "")
    story: list[Any] = [Paragraph(escape(title), s["title"]), Spacer(1, 4 * mm)]
    story.append(Paragraph("Partes", s["h"]))
    story += [Paragraph(_party(p), s["p"]) for p in data.parties]
    story.append(Paragraph("Cláusulas", s["h"]))
    for n, clause in enumerate(data.clauses, 1):
        story.append(Paragraph(f"<b>Cláusula {n}.</b> {escape(clause)}", s["p"]))
        story.append(Spacer(1, 2 * mm))
    place = f"{escape(data.place)}, " if data.place else ""
    story += [Spacer(1, 8 * mm), Paragraph(f"{place}{_d(data.date)}.", s["p"])]
    for p in data.parties:
        story += [Spacer(1, 14 * mm), Paragraph("_" * 50, s["p"]), Paragraph(_party(p), s["p"])]
    return story


def _receipt(data: ReceiptData, brand: Brand) -> list[Any]:
    s = _styles(brand)
    amount = format_brl(data.amount)
    place = f"{escape(data.place)}, " if data.place else ""
    return [
        Paragraph(f"Recibo nº {escape(data.number)}", s["title"]),
        Paragraph(f"Valor: <b>{amount}</b>", s["h"]),
        Spacer(1, 4 * mm),
        Paragraph(
            f"Recebemos de {_party(data.payer)} a importância de <b>{amount}</b>, "
            f"referente a {escape(data.description)}.",
            s["p"],
        ),
        Spacer(1, 10 * mm),
        Paragraph(f"{place}{_d(data.date)}.", s["p"]),
        Spacer(1, 14 * mm),
        Paragraph("_" * 50, s["p"]),
        Paragraph(escape(brand.name), s["p"]),
    ]


def _statement(data: StatementData, brand: Brand) -> list[Any]:
    s = _styles(brand)
    if data.period_end < data.period_start:
        raise ValidationFailed("O período do extrato termina antes de começar.")
    rows: list[list[str]] = [["Data", "Descrição", "Valor", "Saldo"]]
    balance = data.opening_balance
    rows.append(["", "Saldo anterior", "", format_brl(balance)])
    for line in sorted(data.lines, key=lambda item: item.date):
        balance += line.amount
        rows.append([_d(line.date), line.description, format_brl(line.amount), format_brl(balance)])
    table = Table(rows, colWidths=[25 * mm, 85 * mm, 32 * mm, 32 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(brand.primary_color)),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    return [
        Paragraph("Extrato", s["title"]),
        Paragraph(_party(data.holder), s["p"]),
        Paragraph(f"Período: {_d(data.period_start)} a {_d(data.period_end)}", s["p"]),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 4 * mm),
        Paragraph(f"Saldo final: <b>{format_brl(balance)}</b>", s["h"]),
    ]


register_pdf_template(PdfTemplate("contract", "Contrato", ContractData, _contract))
register_pdf_template(PdfTemplate("receipt", "Recibo", ReceiptData, _receipt))
register_pdf_template(PdfTemplate("statement", "Extrato", StatementData, _statement))


def branded_pdf(story: list[Any], brand: Brand, *, title: str, landscape: bool = False) -> bytes:
    """Lay ``story`` out on A4 with the brand's header and footer on every page."""
    from reportlab.lib.pagesizes import landscape as to_landscape

    size = to_landscape(A4) if landscape else A4
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=size,
        title=title,
        author=brand.name,
        topMargin=24 * mm,
        bottomMargin=18 * mm,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        invariant=True,
    )

    def decorate(canvas: Canvas, document: SimpleDocTemplate) -> None:
        width, height = size
        canvas.saveState()
        canvas.setFillColor(colors.HexColor(brand.primary_color))
        canvas.rect(0, height - 14 * mm, width, 14 * mm, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont("Helvetica-Bold", 12)
        canvas.drawString(16 * mm, height - 9 * mm, brand.name[:80])
        canvas.setFillColor(colors.grey)
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(16 * mm, 9 * mm, brand.footer[:150])
        canvas.drawRightString(width - 16 * mm, 9 * mm, f"Página {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()


async def tenant_brand(session: AsyncSession) -> Brand:
    tenant_id = bound_tenant(session)
    tenant = await session.get(Tenant, tenant_id) if tenant_id else None
    return brand_for(tenant.name if tenant else None, tenant.branding if tenant else None)


async def render_pdf(session: AsyncSession, template_key: str, data: Mapping[str, Any]) -> bytes:
    """The PDF of ``template_key`` filled with ``data``, on the bound tenant's branding."""
    template = _TEMPLATES.get(template_key)
    if template is None:
        raise UnknownPdfTemplate(
            f"Modelo de PDF desconhecido: {template_key}.",
            extra={"available": sorted(_TEMPLATES)},
        )
    try:
        parsed = template.schema.model_validate(dict(data))
    except ValidationError as exc:
        raise ValidationFailed(
            f"Dados inválidos para o modelo '{template_key}'.",
            code="INVALID_PDF_DATA",
            extra={
                "errors": exc.errors(include_url=False, include_context=False, include_input=False)
            },
        ) from exc
    brand = await tenant_brand(session)
    story = template.build(parsed, brand)
    return await anyio.to_thread.run_sync(lambda: branded_pdf(story, brand, title=template.title))
