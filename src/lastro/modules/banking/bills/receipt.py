"""The payment receipt (comprovante) of a paid bill, as a branded PDF."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

import anyio
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from lastro.br.money_text import format_brl
from lastro.core.documents.pdf import branded_pdf
from lastro.core.web.branding import Brand
from lastro.kit.clock import SAO_PAULO
from lastro.modules.banking.accounts.domain import mask_document
from lastro.modules.banking.accounts.models import BankAccount
from lastro.modules.banking.bills.models import BillPayment


def _story(payment: BillPayment, account: BankAccount, brand: Brand) -> list[Any]:
    base = getSampleStyleSheet()
    primary = colors.HexColor(brand.primary_color)
    title = ParagraphStyle("t", parent=base["Title"], textColor=primary, fontSize=16)
    small = ParagraphStyle("s", parent=base["BodyText"], fontSize=8, textColor=colors.grey)
    assert payment.paid_at is not None
    paid_local = payment.paid_at.astimezone(SAO_PAULO)
    rows = [
        ["Tipo", "Boleto bancário" if payment.kind == "boleto" else "Conta de consumo / tributo"],
        ["Beneficiário", payment.beneficiary],
        ["Linha digitável", payment.digitable_line],
        ["Vencimento", payment.due_date.strftime("%d/%m/%Y") if payment.due_date else "—"],
        [
            "Valor do documento",
            format_brl(payment.nominal_amount) if payment.nominal_amount else "—",
        ],
        ["Valor pago", format_brl(payment.amount)],
        ["Data do pagamento", paid_local.strftime("%d/%m/%Y %H:%M")],
        ["Pagador", f"{account.holder_name} ({mask_document(account.document)})"],
        ["Conta", f"Agência {account.agency} · conta {account.number}-{account.check_digit}"],
        ["Descrição", payment.description or "—"],
        ["Autenticação", payment.authentication or "—"],
    ]
    table = Table(
        [[escape(k), Paragraph(escape(v), base["BodyText"])] for k, v in rows],
        colWidths=[45 * mm, 125 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    return [
        Paragraph("Comprovante de pagamento", title),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 8 * mm),
        Paragraph(
            f"Pagamento {escape(str(payment.id))}. Confira a autenticação com o banco em caso "
            "de dúvida.",
            small,
        ),
    ]


async def receipt_pdf(payment: BillPayment, account: BankAccount, brand: Brand) -> bytes:
    story = _story(payment, account, brand)
    return await anyio.to_thread.run_sync(
        lambda: branded_pdf(story, brand, title=f"Comprovante {payment.id}")
    )
