"""Boleto de cobrança: 44-digit barcode, 47-digit linha digitável and the due-date factor.

Written in-house because the published libraries get the 2025-02-22 factor rollover or the
FEBRABAN decoding window wrong. Layout (barcode positions, 1-based): bank 1-3, currency 4,
general DV 5, factor 6-9, amount 10-19 (centavos), free field 20-44 (bank specific).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from lastro.br._checks import is_digits, mod10, mod11_boleto, strip_separators
from lastro.br._clock import today_sao_paulo
from lastro.br.errors import BoletoError

__all__ = [
    "FACTOR_BASE_DATE",
    "FIRST_FACTOR_DATE",
    "Boleto",
    "barcode_to_linha",
    "build_boleto",
    "decode_fator_vencimento",
    "fator_vencimento",
    "format_linha_digitavel",
    "linha_to_barcode",
    "parse_barcode",
    "parse_boleto",
    "parse_linha_digitavel",
]

FACTOR_BASE_DATE = date(1997, 10, 7)
FIRST_FACTOR_DATE = date(2000, 7, 3)  # factor 1000, the first usable due date
WINDOW_BEFORE_DAYS = 3000  # FEBRABAN: a due date lies at most 3000 days before today …
WINDOW_AFTER_DAYS = 5500  # … and at most 5500 days after it (Comunicado 082/2012)
MAX_CENTS = 99_999_999_99
_CENT = Decimal("0.01")
_ORDINAL_BASE = FACTOR_BASE_DATE.toordinal()
_CURRENCIES = frozenset("90")  # 9 = real, 0 = other currency (still 44/47 digits)


def fator_vencimento(due: date) -> int:
    """Factor of a due date: days since 1997-10-07, restarting at 1000 every 9000 days."""
    if due < FIRST_FACTOR_DATE:
        raise BoletoError(
            "BOLETO_INVALID_DUE_DATE",
            f"Vencimento {due.isoformat()} anterior a 03/07/2000, o primeiro fator (1000).",
        )
    return (due.toordinal() - _ORDINAL_BASE - 1000) % 9000 + 1000


def decode_fator_vencimento(fator: int, today: date | None = None) -> date | None:
    """Due date of a factor, chosen in the FEBRABAN window [today-3000, today+5500].

    ``0`` means "no due date" (returns None); 1-999 never existed and are rejected.
    """
    if fator == 0:
        return None
    if not 1000 <= fator <= 9999:
        raise BoletoError(
            "BOLETO_UNKNOWN_FACTOR",
            f"Fator de vencimento {fator:04d} desconhecido: deve ser 0000 ou de 1000 a 9999.",
            factor=fator,
        )
    ref = (today or today_sao_paulo()).toordinal()
    first = _ORDINAL_BASE + fator
    # smallest k with first + 9000k >= ref - 3000; the window is < 9000 days wide.
    k = -((first - (ref - WINDOW_BEFORE_DAYS)) // 9000)
    candidate = first + 9000 * k
    if candidate - ref > WINDOW_AFTER_DAYS:  # the window is 8501 days wide, the cycle 9000
        raise BoletoError(
            "BOLETO_UNKNOWN_FACTOR",
            f"Fator de vencimento {fator:04d} não corresponde a nenhuma data na janela FEBRABAN "
            f"(3000 dias antes a 5500 dias depois de {date.fromordinal(ref).isoformat()}).",
            factor=fator,
        )
    return date.fromordinal(candidate)


def _amount_to_cents(amount: Decimal | int | str) -> int:
    if isinstance(amount, float):
        raise BoletoError("BOLETO_INVALID_AMOUNT", "Valor não pode ser float; use Decimal.")
    try:
        value = Decimal(amount)
    except (InvalidOperation, ValueError, TypeError):
        raise BoletoError("BOLETO_INVALID_AMOUNT", f"Valor inválido: {amount!r}.") from None
    if not value.is_finite():
        raise BoletoError("BOLETO_INVALID_AMOUNT", f"Valor inválido: {amount!r}.")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise BoletoError("BOLETO_INVALID_AMOUNT", f"Valor {amount} tem mais de 2 casas decimais.")
    icents = int(cents)
    if not 0 <= icents <= MAX_CENTS:
        raise BoletoError(
            "BOLETO_INVALID_AMOUNT",
            f"Valor {amount} fora do intervalo de 0,00 a 99.999.999,99.",
        )
    return icents


@dataclass(frozen=True, slots=True)
class Boleto:
    """A boleto de cobrança; ``barcode`` and the linha are derived, never stored apart."""

    bank_code: str
    due_date: date | None
    amount: Decimal
    free_field: str
    currency: str = "9"
    fator_vencimento: int = field(init=False)
    barcode: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.bank_code) != 3 or not is_digits(self.bank_code):
            raise BoletoError(
                "BOLETO_INVALID_BANK_CODE",
                f"Código do banco deve ter 3 dígitos; recebido {self.bank_code!r}.",
            )
        if self.currency not in _CURRENCIES or len(self.currency) != 1:
            raise BoletoError(
                "BOLETO_INVALID_CURRENCY",
                f"Código de moeda {self.currency!r} inválido: use 9 (real) ou 0 (outra moeda).",
            )
        if len(self.free_field) != 25 or not is_digits(self.free_field):
            raise BoletoError(
                "BOLETO_INVALID_FREE_FIELD",
                f"Campo livre deve ter 25 dígitos; recebido {self.free_field!r}.",
            )
        cents = _amount_to_cents(self.amount)
        object.__setattr__(self, "amount", Decimal(cents).scaleb(-2))
        fator = 0 if self.due_date is None else fator_vencimento(self.due_date)
        object.__setattr__(self, "fator_vencimento", fator)
        body = f"{self.bank_code}{self.currency}{fator:04d}{cents:010d}{self.free_field}"
        dv = mod11_boleto(body)
        object.__setattr__(self, "barcode", f"{body[:4]}{dv}{body[4:]}")

    @property
    def general_dv(self) -> int:
        return ord(self.barcode[4]) - 48

    @property
    def amount_cents(self) -> int:
        return int(self.barcode[9:19])

    @property
    def linha_digitavel(self) -> str:
        """The 47 digits, unpunctuated (what banking apps accept)."""
        return barcode_to_linha(self.barcode)

    @property
    def linha_digitavel_formatada(self) -> str:
        """``AAABC.CCCCX DDDDD.DDDDDY EEEEE.EEEEEZ K UUUUVVVVVVVVVV`` as printed."""
        return format_linha_digitavel(self.linha_digitavel)


def build_boleto(
    bank_code: str,
    due_date: date | None,
    amount: Decimal | int | str,
    free_field: str,
    *,
    currency: str = "9",
    today: date | None = None,
) -> Boleto:
    """Build from parts; with ``today`` the due date must also fall in the FEBRABAN window."""
    if today is not None and due_date is not None:
        delta = (due_date - today).days
        if not -WINDOW_BEFORE_DAYS <= delta <= WINDOW_AFTER_DAYS:
            raise BoletoError(
                "BOLETO_DUE_DATE_OUT_OF_WINDOW",
                f"Vencimento {due_date.isoformat()} fora da janela FEBRABAN "
                f"({(today - timedelta(days=WINDOW_BEFORE_DAYS)).isoformat()} a "
                f"{(today + timedelta(days=WINDOW_AFTER_DAYS)).isoformat()}).",
            )
    if isinstance(amount, Decimal | int | str):
        amount = Decimal(_amount_to_cents(amount)).scaleb(-2)
    return Boleto(bank_code, due_date, amount, free_field, currency)


def barcode_to_linha(barcode: str) -> str:
    """44-digit barcode → 47-digit linha (adds the three field check digits)."""
    f1 = barcode[0:4] + barcode[19:24]
    f2 = barcode[24:34]
    f3 = barcode[34:44]
    return f"{f1}{mod10(f1)}{f2}{mod10(f2)}{f3}{mod10(f3)}{barcode[4]}{barcode[5:19]}"


def linha_to_barcode(linha: str) -> str:
    """47-digit linha → 44-digit barcode (drops the field check digits, no checks)."""
    return linha[0:4] + linha[32] + linha[33:47] + linha[4:9] + linha[10:20] + linha[21:31]


def format_linha_digitavel(linha: str) -> str:
    return (
        f"{linha[0:5]}.{linha[5:10]} {linha[10:15]}.{linha[15:21]} "
        f"{linha[21:26]}.{linha[26:32]} {linha[32]} {linha[33:47]}"
    )


def _clean(text: str) -> str:
    if not isinstance(text, str):
        raise BoletoError("BOLETO_INVALID_CHARACTERS", "Informe o código como texto.")
    digits = strip_separators(text)
    if not digits:
        raise BoletoError("BOLETO_EMPTY", "Código do boleto vazio.")
    if not is_digits(digits):
        bad = next(c for c in digits if not "0" <= c <= "9")
        raise BoletoError(
            "BOLETO_INVALID_CHARACTERS",
            f"O código do boleto aceita apenas dígitos; encontrado {bad!r}.",
        )
    return digits


def _from_barcode(barcode: str, today: date | None) -> Boleto:
    if barcode[0] == "8":
        raise BoletoError(
            "BOLETO_IS_ARRECADACAO",
            "Código iniciado por 8 é de arrecadação (convênio), não boleto de cobrança.",
        )
    if barcode[3] not in _CURRENCIES:
        raise BoletoError(
            "BOLETO_INVALID_CURRENCY",
            f"Código de moeda {barcode[3]!r} inválido (posição 4): use 9 (real) ou 0.",
        )
    expected = mod11_boleto(barcode[:4] + barcode[5:])
    if int(barcode[4]) != expected:
        raise BoletoError(
            "BOLETO_GENERAL_CHECK_DIGIT",
            f"Dígito verificador geral não confere: esperado {expected}, encontrado {barcode[4]}.",
            expected=str(expected),
            found=barcode[4],
        )
    due = decode_fator_vencimento(int(barcode[5:9]), today)
    return Boleto(
        barcode[0:3], due, Decimal(int(barcode[9:19])).scaleb(-2), barcode[19:44], barcode[3]
    )


def parse_barcode(text: str, *, today: date | None = None) -> Boleto:
    """Parse the 44-digit barcode (as read by a scanner)."""
    digits = _clean(text)
    if len(digits) != 44:
        raise BoletoError(
            "BOLETO_INVALID_LENGTH",
            f"Código de barras deve ter 44 dígitos; recebidos {len(digits)}.",
            length=len(digits),
        )
    return _from_barcode(digits, today)


_FIELDS = ((1, 0, 9), (2, 10, 20), (3, 21, 31))


def parse_linha_digitavel(text: str, *, today: date | None = None) -> Boleto:
    """Parse the 47-digit linha, checking each field's DV before the general one."""
    digits = _clean(text)
    if len(digits) != 47:
        raise BoletoError(
            "BOLETO_INVALID_LENGTH",
            f"Linha digitável deve ter 47 dígitos; recebidos {len(digits)}.",
            length=len(digits),
        )
    if digits[0] == "8":
        raise BoletoError(
            "BOLETO_IS_ARRECADACAO",
            "Código iniciado por 8 é de arrecadação (convênio), não boleto de cobrança.",
        )
    for number, start, end in _FIELDS:
        expected = mod10(digits[start:end])
        if int(digits[end]) != expected:
            raise BoletoError(
                "BOLETO_FIELD_CHECK_DIGIT",
                f"Dígito verificador do campo {number} da linha digitável não confere: "
                f"esperado {expected}, encontrado {digits[end]}.",
                field=number,
                expected=str(expected),
                found=digits[end],
            )
    return _from_barcode(linha_to_barcode(digits), today)


def parse_boleto(text: str, *, today: date | None = None) -> Boleto:
    """Barcode (44) or linha digitável (47), with or without punctuation and spaces."""
    digits = _clean(text)
    if len(digits) == 44:
        return _from_barcode(digits, today)
    if len(digits) == 47:
        return parse_linha_digitavel(digits, today=today)
    raise BoletoError(
        "BOLETO_INVALID_LENGTH",
        f"Boleto deve ter 44 dígitos (código de barras) ou 47 (linha digitável); "
        f"recebidos {len(digits)}.",
        length=len(digits),
    )
