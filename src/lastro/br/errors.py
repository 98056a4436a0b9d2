"""Errors raised by ``lastro.br``: every one is a 422 with a stable code and a pt-BR detail.

Parsers in this package promise to raise nothing but these, whatever the input, so callers
(the inspector, the API) can turn any failure into problem+json without a catch-all.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lastro.kit.errors import ValidationFailed


class BrFormatError(ValidationFailed):
    """Base of every format error in ``lastro.br``; ``code`` is required at raise time."""

    code: ClassVar[str] = "INVALID_BR_FORMAT"
    title: ClassVar[str] = "Formato brasileiro inválido"

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail, code=code, extra=extra)


class DocumentError(BrFormatError):
    """CPF / CNPJ."""


class BoletoError(BrFormatError):
    """Boleto de cobrança: barcode, linha digitável, due-date factor, bank free field."""


class ArrecadacaoError(BrFormatError):
    """Arrecadação / convênio slips (barcode starting with 8)."""


class PixError(BrFormatError):
    """PIX keys, BR Code payloads and end-to-end ids."""


class CnabError(BrFormatError):
    """CNAB 240/400 files; ``extra`` carries ``line`` and ``field`` when known."""


class CalendarError(BrFormatError):
    """Business-day calendar arguments (unknown UF, bad ranges)."""


class MoneyTextError(BrFormatError):
    """Amounts that cannot be formatted or written out in words."""


class PdfError(BrFormatError):
    """Inputs that cannot be laid out on a boleto PDF."""
