"""The invoice as a PDF: the platform's header, the lines, totals, PIX QR and the boleto's ficha
de compensação on the same page, ready to pay."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from lastro.br.boleto import parse_barcode
from lastro.br.documents import format_cnpj
from lastro.br.money_text import format_brl
from lastro.br.pdf import BoletoDocument, draw_ficha, draw_qr
from lastro.core.billing.models import Invoice, InvoiceLine
from lastro.core.platform.models import Tenant
from lastro.settings import Settings

_STATUS = {"open": "Em aberto", "overdue": "Vencida", "paid": "Paga", "void": "Cancelada"}


def _doc(value: str | None) -> str:
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    return format_cnpj(digits) if len(digits) == 14 else (value or "")


def invoice_pdf(
    invoice: Invoice, lines: Sequence[InvoiceLine], tenant: Tenant, settings: Settings
) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(f"Fatura {invoice.number}")
    page_w, page_h = A4
    x, w = 12 * mm, page_w - 24 * mm
    top = page_h - 15 * mm
    c.setFont("Helvetica-Bold", 14)
    c.drawString(x, top, settings.billing_beneficiary_name)
    c.setFont("Helvetica", 8)
    c.drawString(x, top - 5 * mm, f"CNPJ {_doc(settings.billing_beneficiary_document)}")
    c.setFont("Helvetica-Bold", 12)
    c.drawRightString(x + w, top, f"Fatura {invoice.number}")
    c.setFont("Helvetica", 8)
    c.drawRightString(
        x + w, top - 5 * mm, f"Situação: {_STATUS.get(invoice.status, invoice.status)}"
    )
    y = top - 14 * mm
    c.setFont("Helvetica", 9)
    rows = (
        (
            "Cliente",
            f"{tenant.name}" + (f" — CNPJ {_doc(tenant.document)}" if tenant.document else ""),
        ),
        ("Período", f"{invoice.period_start:%d/%m/%Y} a {invoice.period_end:%d/%m/%Y}"),
        ("Emissão", f"{invoice.issue_date:%d/%m/%Y}"),
        ("Vencimento", f"{invoice.due_date:%d/%m/%Y}"),
    )
    for label, value in rows:
        c.setFont("Helvetica-Bold", 9)
        c.drawString(x, y, label)
        c.setFont("Helvetica", 9)
        c.drawString(x + 28 * mm, y, value[:95])
        y -= 5 * mm
    y -= 3 * mm
    c.setFont("Helvetica-Bold", 9)
    c.drawString(x, y, "Descrição")
    c.drawRightString(x + w - 60 * mm, y, "Qtd.")
    c.drawRightString(x + w - 30 * mm, y, "Unitário")
    c.drawRightString(x + w, y, "Valor")
    c.line(x, y - 1.5 * mm, x + w, y - 1.5 * mm)
    y -= 6 * mm
    c.setFont("Helvetica", 8.5)
    for line in lines[:14]:
        c.drawString(x, y, line.description[:85])
        c.drawRightString(x + w - 60 * mm, y, f"{line.quantity.normalize():f}")
        c.drawRightString(x + w - 30 * mm, y, format_brl(line.unit_price))
        c.drawRightString(x + w, y, format_brl(line.amount))
        y -= 5 * mm
    c.line(x, y + 2 * mm, x + w, y + 2 * mm)
    c.setFont("Helvetica-Bold", 10)
    y -= 2 * mm
    c.drawRightString(x + w - 30 * mm, y, "Total")
    c.drawRightString(x + w, y, format_brl(invoice.total))
    if invoice.status != "paid" and invoice.total > 0:
        qr_size = 32 * mm
        qr_y = 132 * mm
        draw_qr(c, invoice.pix_payload, x, qr_y, qr_size)
        c.setFont("Helvetica-Bold", 9)
        c.drawString(x + qr_size + 5 * mm, qr_y + qr_size - 4 * mm, "Pague com PIX")
        c.setFont("Helvetica", 6.5)
        payload = invoice.pix_payload
        for i in range(0, min(len(payload), 4 * 90), 90):
            c.drawString(
                x + qr_size + 5 * mm,
                qr_y + qr_size - 9 * mm - i / 90 * 3.2 * mm,
                payload[i : i + 90],
            )
        doc = BoletoDocument(
            boleto=parse_barcode(invoice.boleto_barcode),
            beneficiario_name=settings.billing_beneficiary_name,
            beneficiario_document=_doc(settings.billing_beneficiary_document),
            agencia_codigo=f"{settings.billing_bank_agency}/{settings.billing_bank_account}",
            nosso_numero=invoice.nosso_numero,
            numero_documento=invoice.number,
            pagador_name=tenant.name,
            pagador_document=_doc(tenant.document),
            document_date=invoice.issue_date,
            processing_date=invoice.issue_date,
            carteira=settings.billing_bank_carteira,
            instructions=(
                f"Fatura {invoice.number} — período {invoice.period_start:%d/%m/%Y} a "
                f"{invoice.period_end:%d/%m/%Y}",
                "Não receber após 60 dias do vencimento.",
            ),
        )
        draw_ficha(c, doc, x, 125 * mm, w)
    else:
        c.setFont("Helvetica-Bold", 16)
        c.drawCentredString(page_w / 2, 120 * mm, "PAGA" if invoice.status == "paid" else "")
    c.showPage()
    c.save()
    return buf.getvalue()
