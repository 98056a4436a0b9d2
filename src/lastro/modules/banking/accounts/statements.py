"""Statements (JSON, CSV, PDF) and the yearly income report (informe de rendimentos), read
from the ledger; each line's kind/category/counterparty come from its entry's metadata."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.documents import format_cnpj, format_cpf
from lastro.br.money_text import format_brl
from lastro.core.documents.pdf import branded_pdf
from lastro.core.ledger.service import ledger_service
from lastro.core.web.branding import Brand
from lastro.modules.banking.accounts.models import BankAccount


@dataclass(frozen=True, slots=True)
class Line:
    entry_id: uuid.UUID
    date: date
    description: str
    kind: str
    category: str
    counterparty: str
    transfer_id: str | None
    amount: Decimal  # signed: + credit to the customer, - debit
    balance: Decimal


@dataclass(frozen=True, slots=True)
class Statement:
    account_id: uuid.UUID
    since: date | None
    until: date | None
    opening_balance: Decimal
    lines: list[Line]
    next_cursor: str | None

    @property
    def closing_balance(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening_balance


async def _metadata(session: AsyncSession, entry_id: uuid.UUID) -> tuple[str, dict[str, Any]]:
    """An entry's description and metadata; a settlement inherits its hold's."""
    entry = await ledger_service.get_entry(session, entry_id)
    meta = dict(entry.metadata or {})
    description = entry.description
    if entry.pending_id is not None and (not meta or not description):
        hold = await ledger_service.get_entry(session, entry.pending_id)
        meta = meta or dict(hold.metadata or {})
        description = description or hold.description
    return description, meta


async def statement(
    session: AsyncSession,
    account: BankAccount,
    *,
    since: date | None = None,
    until: date | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Statement:
    page = await ledger_service.statement(
        session, account.ledger_account_id, limit=limit, cursor=cursor, since=since, until=until
    )
    lines: list[Line] = []
    for raw in page.lines:
        description, meta = await _metadata(session, raw.entry_id)
        signed = raw.amount if raw.side == "credit" else -raw.amount
        lines.append(
            Line(
                entry_id=raw.entry_id,
                date=raw.effective_date,
                description=description or raw.description,
                kind=str(meta.get("kind", "")),
                category=str(meta.get("category", "")),
                counterparty=str(meta.get("counterparty", "")),
                transfer_id=meta.get("transfer_id"),
                amount=signed,
                balance=raw.balance,
            )
        )
    return Statement(account.id, since, until, page.opening_balance, lines, page.next_cursor)


async def full_statement(
    session: AsyncSession, account: BankAccount, *, since: date | None, until: date | None
) -> Statement:
    """Every line of a period (CSV/PDF exports), paging through the ledger."""
    first = await statement(session, account, since=since, until=until, limit=1000)
    lines = list(first.lines)
    cursor = first.next_cursor
    while cursor is not None and len(lines) < 20_000:
        nxt = await statement(session, account, since=since, until=until, limit=1000, cursor=cursor)
        lines += nxt.lines
        cursor = nxt.next_cursor
    return Statement(account.id, since, until, first.opening_balance, lines, None)


def _money(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def statement_csv(account: BankAccount, data: Statement) -> bytes:
    """UTF-8 with BOM, ``;`` separated, decimal comma (what Brazilian spreadsheets open)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Data", "Descrição", "Tipo", "Categoria", "Contraparte", "Valor", "Saldo"])
    writer.writerow(["", "Saldo anterior", "", "", "", "", _money(data.opening_balance)])
    for line in data.lines:
        writer.writerow(
            [
                line.date.strftime("%d/%m/%Y"),
                _safe(line.description),
                line.kind,
                line.category,
                _safe(line.counterparty),
                _money(line.amount),
                _money(line.balance),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()


def _safe(text: str) -> str:
    """No spreadsheet formulas from free text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def holder_document(account: BankAccount) -> str:
    if account.kind == "individual":
        return format_cpf(account.document)
    return format_cnpj(account.document)


def _holder(account: BankAccount) -> str:
    return (
        f"<b>{account.holder_name}</b> — {holder_document(account)}<br/>"
        f"Agência {account.agency} · Conta {account.number}-{account.check_digit}"
    )


def _table(rows: list[list[str]], widths: list[float], brand: Brand) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(brand.primary_color)),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("ALIGN", (-2, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    return table


def statement_pdf(account: BankAccount, data: Statement, brand: Brand) -> bytes:
    styles = getSampleStyleSheet()
    period = "todo o histórico"
    if data.since or data.until:
        a = data.since.strftime("%d/%m/%Y") if data.since else "início"
        b = data.until.strftime("%d/%m/%Y") if data.until else "hoje"
        period = f"{a} a {b}"
    rows = [["Data", "Descrição", "Contraparte", "Valor", "Saldo"]]
    rows.append(["", "Saldo anterior", "", "", format_brl(data.opening_balance)])
    for line in data.lines:
        rows.append(
            [
                line.date.strftime("%d/%m/%Y"),
                line.description[:48],
                line.counterparty[:28],
                format_brl(line.amount),
                format_brl(line.balance),
            ]
        )
    story: list[Any] = [
        Paragraph("Extrato de conta", styles["Title"]),
        Paragraph(_holder(account), styles["Normal"]),
        Paragraph(f"Período: {period}", styles["Normal"]),
        Spacer(1, 4 * mm),
        _table(rows, [20 * mm, 62 * mm, 42 * mm, 27 * mm, 27 * mm], brand),
        Spacer(1, 4 * mm),
        Paragraph(f"Saldo final: <b>{format_brl(data.closing_balance)}</b>", styles["Heading3"]),
    ]
    return branded_pdf(story, brand, title="Extrato")


@dataclass(frozen=True, slots=True)
class IncomeReport:
    year: int
    balance_previous: Decimal  # 31/12 of the year before
    balance_year_end: Decimal  # 31/12 of the year
    yields: Decimal  # rendimentos credited during the year
    credits: Decimal
    debits: Decimal


async def income_report(session: AsyncSession, account: BankAccount, year: int) -> IncomeReport:
    """Balances on 31/12 of the year and the one before, and what the account yielded."""
    previous = await ledger_service.balance_as_of(
        session, account.ledger_account_id, on=date(year - 1, 12, 31)
    )
    end = await ledger_service.balance_as_of(
        session, account.ledger_account_id, on=date(year, 12, 31)
    )
    data = await full_statement(session, account, since=date(year, 1, 1), until=date(year, 12, 31))
    yields = sum((ln.amount for ln in data.lines if ln.kind == "yield"), Decimal("0.00"))
    credits = sum((ln.amount for ln in data.lines if ln.amount > 0), Decimal("0.00"))
    debits = sum((-ln.amount for ln in data.lines if ln.amount < 0), Decimal("0.00"))
    return IncomeReport(year, previous.posted, end.posted, yields, credits, debits)


def income_report_pdf(
    account: BankAccount, report: IncomeReport, brand: Brand, payer_document: str
) -> bytes:
    styles = getSampleStyleSheet()
    y = report.year
    rows = [
        ["Descrição", f"31/12/{y - 1}", f"31/12/{y}"],
        [
            f"Conta de pagamento — ag. {account.agency} conta {account.number}-"
            f"{account.check_digit}",
            format_brl(report.balance_previous),
            format_brl(report.balance_year_end),
        ],
    ]
    story: list[Any] = [
        Paragraph(f"Informe de rendimentos — ano-calendário {y}", styles["Title"]),
        Paragraph(f"Fonte pagadora: <b>{brand.name}</b> {payer_document}", styles["Normal"]),
        Paragraph(f"Beneficiário: {_holder(account)}", styles["Normal"]),
        Spacer(1, 5 * mm),
        Paragraph("1. Saldos em conta (Bens e Direitos — código 06.01)", styles["Heading3"]),
        _table(rows, [100 * mm, 38 * mm, 38 * mm], brand),
        Spacer(1, 5 * mm),
        Paragraph("2. Rendimentos", styles["Heading3"]),
        _table(
            [
                ["Natureza", "Valor"],
                ["Rendimentos creditados na conta no ano", format_brl(report.yields)],
            ],
            [138 * mm, 38 * mm],
            brand,
        ),
        Spacer(1, 5 * mm),
        Paragraph(
            f"Movimentação no ano: créditos {format_brl(report.credits)}, débitos "
            f"{format_brl(report.debits)}.",
            styles["Normal"],
        ),
        Paragraph(
            "Conta de pagamento sem remuneração: os saldos são informados para a declaração "
            "de bens e direitos; não há imposto retido na fonte.",
            styles["Normal"],
        ),
    ]
    return branded_pdf(story, brand, title=f"Informe de rendimentos {y}")
