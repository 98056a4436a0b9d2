"""Reading a bill's line: a bank boleto (44-digit barcode or 47-digit linha) or an arrecadação
slip (44 or 48, starting with 8), through ``lastro.br``. Any wrong check digit, length or field
is ``INVALID_BARCODE`` (400), with the precise reason from ``lastro.br`` kept in ``reason``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from lastro.br.arrecadacao import SEGMENTS, parse_arrecadacao
from lastro.br.boleto import parse_boleto
from lastro.br.errors import BrFormatError
from lastro.br.pdf import BANK_NAMES
from lastro.kit.errors import LastroError
from lastro.kit.money import brl

_MORE_BANKS = {
    "003": "Banco da Amazônia",
    "004": "Banco do Nordeste",
    "021": "Banestes",
    "041": "Banrisul",
    "070": "BRB",
    "077": "Banco Inter",
    "085": "Ailos",
    "136": "Unicred",
    "208": "BTG Pactual",
    "212": "Banco Original",
    "260": "Nu Pagamentos",
    "290": "PagSeguro",
    "323": "Mercado Pago",
    "336": "C6 Bank",
    "422": "Banco Safra",
    "748": "Sicredi",
}


class InvalidBarcode(LastroError):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "INVALID_BARCODE"
    title: ClassVar[str] = "Código de barras ou linha digitável inválido"


@dataclass(frozen=True)
class BillInfo:
    kind: str  # boleto | arrecadacao
    barcode: str
    digitable_line: str
    formatted_line: str
    amount: Decimal | None  # None or zero: the payer says the amount
    due_date: date | None
    bank_code: str | None
    bank_name: str | None
    segment: str | None
    segment_name: str | None
    company_id: str | None

    @property
    def beneficiary(self) -> str:
        if self.kind == "boleto":
            return self.bank_name or f"Banco {self.bank_code}"
        return f"{self.segment_name} (convênio {self.company_id})"


def bank_name(code: str) -> str | None:
    known = BANK_NAMES.get(code)
    return known[0] if known else _MORE_BANKS.get(code)


def read_line(text: str, *, today: date) -> BillInfo:
    digits = "".join(ch for ch in text if not ch.isspace() and ch not in ".-")
    try:
        if digits.startswith("8"):
            a = parse_arrecadacao(digits)
            return BillInfo(
                kind="arrecadacao",
                barcode=a.barcode,
                digitable_line=a.linha_digitavel,
                formatted_line=a.linha_digitavel_formatada,
                amount=a.amount,
                due_date=None,
                bank_code=None,
                bank_name=None,
                segment=a.segment,
                segment_name=SEGMENTS.get(a.segment),
                company_id=a.company_id,
            )
        b = parse_boleto(digits, today=today)
    except BrFormatError as exc:
        raise InvalidBarcode(exc.detail, extra={"reason": exc.code}) from None
    return BillInfo(
        kind="boleto",
        barcode=b.barcode,
        digitable_line=b.linha_digitavel,
        formatted_line=b.linha_digitavel_formatada,
        amount=b.amount,
        due_date=b.due_date,
        bank_code=b.bank_code,
        bank_name=bank_name(b.bank_code),
        segment=None,
        segment_name=None,
        company_id=None,
    )


def amount_to_pay(info: BillInfo, asked: Decimal | None, *, today: date) -> Decimal:
    """The amount the bill says; the payer's when the bill leaves it open (zero or a reference
    value); more than the face value only for an overdue boleto (interest and fines)."""
    face = info.amount if info.amount and info.amount > 0 else None
    if face is None:
        if asked is None or asked <= 0:
            raise LastroError(
                "Este documento não traz o valor: informe o valor a pagar.",
                code="AMOUNT_REQUIRED",
                status=422,
            )
        return asked
    if asked is None or asked == face:
        return face
    overdue = info.due_date is not None and info.due_date < today
    if overdue and asked > face:
        return asked
    raise LastroError(
        f"O valor do documento é {brl(face)}"
        + "; outro valor só é aceito para boleto vencido (juros e multa).",
        code="AMOUNT_MISMATCH",
        status=422,
    )
