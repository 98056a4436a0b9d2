"""A group's financial terms for a quota: the component totals and the insurance rule.

Totals are percent of the reference price over the whole term (the ABAC example: FC 100,
TA 15, FR 2 over 50 months). These are contract parameters; nothing here is a constant.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from lastro.modules.consorcio.domain.errors import InvalidTerms
from lastro.modules.consorcio.domain.rounding import HUNDRED

_ZERO = Decimal(0)


class InsuranceBase(StrEnum):
    """What the monthly insurance rate applies to (all expressed as percent of the price)."""

    CREDITO = "credito"  # the credit (the reference price): rate % per month
    CREDITO_MAIS_TAXA = "credito_mais_taxa"  # credit + total administration fee (Ademicon style)
    CATEGORIA = "categoria"  # credit + fee + reserve (the plan's "valor da categoria")
    SALDO_DEVEDOR = "saldo_devedor"  # the quota's balance (FC+TA+FR) before the installment


@dataclass(frozen=True, slots=True)
class InsuranceRule:
    """Seguro prestamista: ``rate`` percent per month applied to ``base``."""

    rate: Decimal = _ZERO
    base: InsuranceBase = InsuranceBase.CREDITO

    def __post_init__(self) -> None:
        if self.rate < 0:
            raise InvalidTerms("A taxa do seguro não pode ser negativa.")

    def monthly_percent(self, terms: PlanTerms, balance: Decimal = _ZERO) -> Decimal:
        """The insurance percent for one month (unrounded); ``balance`` for SALDO_DEVEDOR."""
        match self.base:
            case InsuranceBase.CREDITO:
                base = HUNDRED
            case InsuranceBase.CREDITO_MAIS_TAXA:
                base = terms.fundo_comum + terms.taxa_administracao
            case InsuranceBase.CATEGORIA:
                base = terms.fundo_comum + terms.taxa_administracao + terms.fundo_reserva
            case InsuranceBase.SALDO_DEVEDOR:
                base = max(balance, _ZERO)
        return self.rate * base / HUNDRED


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """Totals (percent of the price) a quota owes over ``term_months``.

    ``taxa_administracao`` is the *total* fee; ``taxa_prepaga`` is the part collected at
    sign-up (antecipação de taxa / taxa de adesão) and deducted from what the installments carry.
    """

    term_months: int
    taxa_administracao: Decimal
    fundo_reserva: Decimal = _ZERO
    fundo_comum: Decimal = HUNDRED
    taxa_prepaga: Decimal = _ZERO
    seguro: InsuranceRule = InsuranceRule()

    def __post_init__(self) -> None:
        if self.term_months <= 0:
            raise InvalidTerms("O prazo do grupo deve ser de pelo menos um mês.")
        for name in ("fundo_comum", "taxa_administracao", "fundo_reserva", "taxa_prepaga"):
            if getattr(self, name) < 0:
                raise InvalidTerms(f"O percentual '{name}' não pode ser negativo.")
        if self.fundo_comum <= 0:
            raise InvalidTerms("O fundo comum deve ser positivo.")
        if self.taxa_prepaga > self.taxa_administracao:
            raise InvalidTerms("A taxa de administração antecipada não pode exceder a taxa total.")

    @property
    def category_percent(self) -> Decimal:
        """FC + TA + FR: 117 % in the ABAC example (insurance excluded)."""
        return self.fundo_comum + self.taxa_administracao + self.fundo_reserva
