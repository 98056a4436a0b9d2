"""Errors raised by the pure rules; each maps to problem+json through ``LastroError``."""

from __future__ import annotations

from lastro.kit.errors import Conflict, ValidationFailed


class InvalidTerms(ValidationFailed):
    """A plan or rule parameter outside what the contract or the regulation allows."""

    code = "CONSORCIO_INVALID_TERMS"
    title = "Parâmetros do plano de consórcio inválidos"


class PercentExceedsTotal(Conflict):
    """Crediting this percent would make the quota pay more than its total obligation."""

    code = "CONSORCIO_PERCENT_EXCEEDS_TOTAL"
    title = "O percentual pago excederia o total devido pela cota"
