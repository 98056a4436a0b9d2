"""Boleto PDFs: payer's receipt + ficha de compensação, boleto híbrido (PIX QR), carnê.

Drawn with reportlab's canvas; the barcode is reportlab's own Interleaved 2 of 5 (no check
digit, 3:1 ratio, 13 mm high) and the QR is drawn module by module from segno, so the PDF
is vector-only. Physical sizes follow the commonly quoted FEBRABAN figures; confirm them
in the bank's manual during homologation. ``invariant`` output makes PDFs reproducible.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.graphics.barcode.common import I2of5
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from lastro.br.boleto import Boleto
from lastro.br.errors import PdfError
from lastro.br.money_text import format_brl
from lastro.br.pix import br_code_qr_matrix

__all__ = ["BANK_NAMES", "BoletoDocument", "boleto_pdf", "carne_pdf", "draw_ficha", "draw_qr"]

BANK_NAMES = {
    "001": ("Banco do Brasil", "001-9"),
    "033": ("Santander", "033-7"),
    "104": ("Caixa", "104-0"),
    "237": ("Bradesco", "237-2"),
    "341": ("Itaú", "341-7"),
    "756": ("Sicoob", "756-0"),
}
_FONT, _BOLD = "Helvetica", "Helvetica-Bold"


@dataclass(frozen=True, slots=True)
class BoletoDocument:
    """Everything printed on a boleto besides what the barcode already says."""

    boleto: Boleto
    beneficiario_name: str
    beneficiario_document: str
    agencia_codigo: str
    nosso_numero: str
    numero_documento: str
    pagador_name: str
    pagador_document: str
    pagador_address: str = ""
    document_date: date | None = None
    processing_date: date | None = None
    especie_documento: str = "DM"
    aceite: str = "N"
    carteira: str = ""
    local_pagamento: str = "Pagável em qualquer banco até o vencimento"
    instructions: tuple[str, ...] = ()
    pix_payload: str | None = None
    bank_name: str | None = None


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _bank(doc: BoletoDocument) -> tuple[str, str]:
    name, code = BANK_NAMES.get(doc.boleto.bank_code, (doc.boleto.bank_code, doc.boleto.bank_code))
    return doc.bank_name or name, code


def _box(
    c: Canvas,
    x: float,
    y: float,
    w: float,
    h: float,
    label: str,
    value: str = "",
    *,
    bold: bool = False,
    right: bool = False,
    size: float = 8.5,
) -> None:
    c.rect(x, y, w, h, stroke=1, fill=0)
    c.setFont(_FONT, 5.5)
    c.drawString(x + 1 * mm, y + h - 2.3 * mm, label)
    c.setFont(_BOLD if bold else _FONT, size)
    text = _fit(c, value, w - 2 * mm, _BOLD if bold else _FONT, size)
    if right:
        c.drawRightString(x + w - 1 * mm, y + 1.3 * mm, text)
    else:
        c.drawString(x + 1 * mm, y + 1.3 * mm, text)


def _fit(c: Canvas, text: str, width: float, font: str, size: float) -> str:
    while text and c.stringWidth(text, font, size) > width:
        text = text[:-1]
    return text


def draw_qr(c: Canvas, payload: str, x: float, y: float, size: float) -> None:
    matrix = br_code_qr_matrix(payload)
    n = len(matrix)
    cell = size / n
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                c.rect(x + col * cell, y + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def _header(c: Canvas, doc: BoletoDocument, x: float, y: float, w: float, right_text: str) -> None:
    name, code = _bank(doc)
    c.setFont(_BOLD, 11)
    c.drawString(x, y + 1.5 * mm, _fit(c, name, 40 * mm, _BOLD, 11))
    c.setLineWidth(1.2)
    c.line(x + 42 * mm, y, x + 42 * mm, y + 7 * mm)
    c.line(x + 60 * mm, y, x + 60 * mm, y + 7 * mm)
    c.setFont(_BOLD, 14)
    c.drawCentredString(x + 51 * mm, y + 1.5 * mm, code)
    size = 10.0
    while size > 6 and c.stringWidth(right_text, _BOLD, size) > w - 62 * mm:
        size -= 0.5
    c.setFont(_BOLD, size)
    c.drawRightString(x + w, y + 1.5 * mm, _fit(c, right_text, w - 62 * mm, _BOLD, size))
    c.setLineWidth(0.5)


def _ficha(
    c: Canvas,
    doc: BoletoDocument,
    x: float,
    top: float,
    w: float,
    inst_rows: int = 5,
    bar_h: float = 13 * mm,
) -> None:
    """The ficha de compensação below ``top``: 64 mm plus 7.5 mm per instruction row."""
    b = doc.boleto
    row, side = 7.5 * mm, 45 * mm
    main = w - side
    _header(c, doc, x, top - 7 * mm, w, b.linha_digitavel_formatada)
    cur = top - 7 * mm - row
    _box(c, x, cur, main, row, "Local de pagamento", doc.local_pagamento)
    _box(
        c,
        x + main,
        cur,
        side,
        row,
        "Vencimento",
        _d(b.due_date) or "Contra apresentação",
        bold=True,
        right=True,
    )
    cur -= row
    _box(
        c,
        x,
        cur,
        main,
        row,
        "Beneficiário",
        f"{doc.beneficiario_name} - {doc.beneficiario_document}",
    )
    _box(
        c,
        x + main,
        cur,
        side,
        row,
        "Agência/Código do beneficiário",
        doc.agencia_codigo,
        right=True,
    )
    cur -= row
    cols = (
        ("Data do documento", _d(doc.document_date), 0.2),
        ("Nº do documento", doc.numero_documento, 0.25),
        ("Espécie doc.", doc.especie_documento, 0.15),
        ("Aceite", doc.aceite, 0.1),
        ("Data processamento", _d(doc.processing_date), 0.3),
    )
    cx = x
    for label, value, frac in cols:
        _box(c, cx, cur, main * frac, row, label, value)
        cx += main * frac
    _box(c, x + main, cur, side, row, "Nosso número", doc.nosso_numero, right=True)
    cur -= row
    cols = (
        ("Uso do banco", "", 0.2),
        ("Carteira", doc.carteira, 0.15),
        ("Espécie", "R$", 0.15),
        ("Quantidade", "", 0.25),
        ("Valor", "", 0.25),
    )
    cx = x
    for label, value, frac in cols:
        _box(c, cx, cur, main * frac, row, label, value)
        cx += main * frac
    amount = format_brl(b.amount, symbol=False) if b.amount else ""
    _box(c, x + main, cur, side, row, "(=) Valor do documento", amount, bold=True, right=True)
    inst_h = inst_rows * row
    cur -= inst_h
    c.rect(x, cur, main, inst_h)
    c.setFont(_FONT, 5.5)
    c.drawString(
        x + 1 * mm,
        cur + inst_h - 2.3 * mm,
        "Instruções (texto de responsabilidade do beneficiário)",
    )
    qr_size = inst_h - 4 * mm if doc.pix_payload else 0
    c.setFont(_FONT, 7.5)
    for i, line in enumerate(doc.instructions[: 2 * inst_rows - 3]):
        c.drawString(
            x + 1 * mm,
            cur + inst_h - (6 + 4 * i) * mm,
            _fit(c, line, main - qr_size - 4 * mm, _FONT, 7.5),
        )
    if doc.pix_payload:
        draw_qr(c, doc.pix_payload, x + main - qr_size - 1.5 * mm, cur + 1.5 * mm, qr_size)
        c.setFont(_BOLD, 6)
        c.drawRightString(x + main - qr_size - 3 * mm, cur + 3 * mm, "Pague também com PIX")
    for i, label in enumerate(
        (
            "(-) Desconto/Abatimento",
            "(-) Outras deduções",
            "(+) Mora/Multa",
            "(+) Outros acréscimos",
            "(=) Valor cobrado",
        )
    ):
        _box(c, x + main, cur + inst_h - (i + 1) * row, side, row, label)
    pag_h = 12 * mm
    cur -= pag_h
    c.rect(x, cur, w, pag_h)
    c.setFont(_FONT, 5.5)
    c.drawString(x + 1 * mm, cur + pag_h - 2.3 * mm, "Pagador")
    c.setFont(_FONT, 8)
    c.drawString(
        x + 1 * mm,
        cur + pag_h - 6 * mm,
        _fit(c, f"{doc.pagador_name} - {doc.pagador_document}", w - 2 * mm, _FONT, 8),
    )
    c.drawString(x + 1 * mm, cur + 1.5 * mm, _fit(c, doc.pagador_address, w - 2 * mm, _FONT, 8))
    bar = I2of5(
        b.barcode, barWidth=0.254 * mm, ratio=3, barHeight=bar_h, checksum=0, bearers=0, quiet=0
    )
    bar.drawOn(c, x + 2 * mm, cur - 4 * mm - bar_h)
    c.setFont(_FONT, 6)
    c.drawRightString(x + w, cur - 2.5 * mm, "Autenticação mecânica - Ficha de Compensação")


def _recibo(c: Canvas, doc: BoletoDocument, x: float, y: float, w: float) -> None:
    """Payer's receipt (recibo do pagador), ~50 mm high, lower-left corner at (x, y)."""
    b = doc.boleto
    row = 7.5 * mm
    top = y + 50 * mm
    _header(c, doc, x, top - 7 * mm, w, "Recibo do Pagador")
    cur = top - 7 * mm - row
    half = w / 2
    _box(
        c,
        x,
        cur,
        w * 0.7,
        row,
        "Beneficiário",
        f"{doc.beneficiario_name} - {doc.beneficiario_document}",
    )
    _box(c, x + w * 0.7, cur, w * 0.3, row, "Vencimento", _d(b.due_date), bold=True, right=True)
    cur -= row
    _box(c, x, cur, half, row, "Agência/Código do beneficiário", doc.agencia_codigo)
    _box(c, x + half, cur, half, row, "Nosso número", doc.nosso_numero, right=True)
    cur -= row
    _box(c, x, cur, half, row, "Nº do documento", doc.numero_documento)
    amount = format_brl(b.amount) if b.amount else ""
    _box(c, x + half, cur, half, row, "(=) Valor do documento", amount, bold=True, right=True)
    cur -= row
    _box(c, x, cur, w, row, "Pagador", f"{doc.pagador_name} - {doc.pagador_document}")
    cur -= row
    _box(c, x, cur, w, row, "Linha digitável", b.linha_digitavel_formatada, bold=True)


def _cut(c: Canvas, x: float, y: float, w: float) -> None:
    c.setDash(2, 2)
    c.line(x, y, x + w, y)
    c.setDash()
    c.setFont(_FONT, 5.5)
    c.drawRightString(x + w, y + 1 * mm, "Corte na linha pontilhada")


def _check(docs: Sequence[BoletoDocument]) -> None:
    if not docs:
        raise PdfError("PDF_NO_BOLETO", "Nenhum boleto para gerar o PDF.")
    for d in docs:
        if not isinstance(d, BoletoDocument):
            raise PdfError("PDF_INVALID_INPUT", "Informe objetos BoletoDocument.")


def draw_ficha(c: Canvas, doc: BoletoDocument, x: float, y: float, w: float) -> None:
    """Draw the cut line and the ficha de compensação with its top at ``y`` on a page that
    carries something else above it (an invoice)."""
    _check([doc])
    _cut(c, x, y, w)
    _ficha(c, doc, x, y - 15 * mm, w)


def boleto_pdf(doc: BoletoDocument) -> bytes:
    """One A4 page: payer's receipt on top, ficha de compensação below the cut line."""
    _check([doc])
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(f"Boleto {doc.numero_documento}")
    page_w, page_h = A4
    x, w = 10 * mm, page_w - 20 * mm
    _recibo(c, doc, x, page_h - 65 * mm, w)
    _cut(c, x, page_h - 80 * mm, w)
    _ficha(c, doc, x, page_h - 95 * mm, w)
    c.showPage()
    c.save()
    return buf.getvalue()


def carne_pdf(docs: Sequence[BoletoDocument], *, per_page: int = 3) -> bytes:
    """A carnê: ``per_page`` (1-3) slips per A4 page, each a stub plus a ficha."""
    _check(docs)
    if not 1 <= per_page <= 3:
        raise PdfError("PDF_INVALID_LAYOUT", "Um carnê comporta de 1 a 3 boletos por página.")
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle("Carnê")
    page_w, page_h = A4
    slot = page_h / 3
    stub_w = 48 * mm
    for i, doc in enumerate(docs):
        pos = i % per_page
        if i and pos == 0:
            c.showPage()
        base = page_h - (pos + 1) * slot
        _stub(c, doc, 5 * mm, base + slot - 85 * mm, stub_w)
        c.setDash(1, 2)
        c.line(
            5 * mm + stub_w + 2 * mm, base + 5 * mm, 5 * mm + stub_w + 2 * mm, base + slot - 5 * mm
        )
        c.setDash()
        _ficha(
            c,
            doc,
            5 * mm + stub_w + 4 * mm,
            base + slot - 3 * mm,
            page_w - stub_w - 14 * mm,
            4,
            12 * mm,
        )
        if pos < per_page - 1:
            _cut(c, 5 * mm, base, page_w - 10 * mm)
    c.showPage()
    c.save()
    return buf.getvalue()


def _stub(c: Canvas, doc: BoletoDocument, x: float, y: float, w: float) -> None:
    """The carnê stub kept by the payer (canhoto)."""
    b = doc.boleto
    row = 7.5 * mm
    name, code = _bank(doc)
    c.setFont(_BOLD, 9)
    c.drawString(x, y + 80 * mm, _fit(c, f"{code} {name}", w, _BOLD, 9))
    fields = (
        ("Vencimento", _d(b.due_date)),
        ("Agência/Código", doc.agencia_codigo),
        ("Nosso número", doc.nosso_numero),
        ("Nº do documento", doc.numero_documento),
        ("(=) Valor do documento", format_brl(b.amount) if b.amount else ""),
        ("Pagador", doc.pagador_name),
        ("Beneficiário", doc.beneficiario_name),
    )
    cur = y + 78 * mm
    for label, value in fields:
        cur -= row
        _box(c, x, cur, w, row, label, value, size=7.5)
