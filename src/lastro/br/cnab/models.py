"""Value objects exchanged with banks through CNAB files, shared by every layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "Beneficiario",
    "MovementStatus",
    "Ocorrencia",
    "Pagador",
    "Remessa",
    "Retorno",
    "Titulo",
]

_ZERO = Decimal(0)


class MovementStatus(StrEnum):
    """What a retorno movement code means for reconciliation."""

    PAID = "paid"
    REJECTED = "rejected"
    REGISTERED = "registered"
    WRITTEN_OFF = "written_off"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Beneficiario:
    """The company that issues the boletos (cedente), as the bank knows it.

    Numeric fields come back from a file zero-padded to the layout's width.
    """

    bank_code: str
    document: str
    name: str
    agencia: str
    conta: str
    agencia_dv: str = ""
    conta_dv: str = ""
    convenio: str = ""
    bank_name: str = ""
    carteira: str = ""

    @property
    def document_type(self) -> str:
        """``1`` CPF, ``2`` CNPJ, as both CNAB layouts code it."""
        return "1" if len(self.document) == 11 else "2"


@dataclass(frozen=True, slots=True)
class Pagador:
    document: str
    name: str
    address: str = ""
    bairro: str = ""
    cep: str = "00000000"
    city: str = ""
    uf: str = ""

    @property
    def document_type(self) -> str:
        return "1" if len(self.document) == 11 else "2"


@dataclass(frozen=True, slots=True)
class Titulo:
    """One boleto in a remessa (segments P+Q in CNAB 240, a type-1 record in CNAB 400)."""

    nosso_numero: str
    seu_numero: str
    due_date: date
    amount: Decimal
    issue_date: date
    pagador: Pagador
    movement: str = "01"
    carteira: str = "1"
    especie: str = "02"
    aceite: str = "N"
    juros_per_day: Decimal = _ZERO
    discount_date: date | None = None
    discount: Decimal = _ZERO
    iof: Decimal = _ZERO
    abatimento: Decimal = _ZERO
    company_id: str = ""
    nosso_numero_dv: str = ""


@dataclass(frozen=True, slots=True)
class Remessa:
    beneficiario: Beneficiario
    titulos: tuple[Titulo, ...]
    sequence: int
    generated_on: date
    generated_time: time = time(0, 0)


@dataclass(frozen=True, slots=True)
class Ocorrencia:
    """One event reported by the bank in a retorno (segments T+U, or a type-1 record).

    ``status`` is derived from ``movement`` by the reader with the layout's own table.
    """

    movement: str
    nosso_numero: str
    seu_numero: str
    due_date: date | None
    face_value: Decimal
    paid_amount: Decimal = _ZERO
    net_amount: Decimal = _ZERO
    tarifa: Decimal = _ZERO
    juros: Decimal = _ZERO
    discount: Decimal = _ZERO
    abatimento: Decimal = _ZERO
    iof: Decimal = _ZERO
    occurrence_date: date | None = None
    credit_date: date | None = None
    reasons: tuple[str, ...] = ()
    company_id: str = ""
    payer_document: str = ""
    payer_name: str = ""
    status: MovementStatus = field(default=MovementStatus.OTHER, compare=False)


@dataclass(frozen=True, slots=True)
class Retorno:
    beneficiario: Beneficiario
    sequence: int
    generated_on: date
    ocorrencias: tuple[Ocorrencia, ...]
