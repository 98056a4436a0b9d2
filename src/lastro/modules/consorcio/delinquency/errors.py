"""Errors of the delinquency area (stable codes, pt-BR details)."""

from __future__ import annotations

from typing import ClassVar

from lastro.kit.errors import Conflict, ValidationFailed


class PriceUpdateInvalid(ValidationFailed):
    code: ClassVar[str] = "PRICE_UPDATE_INVALID"
    title: ClassVar[str] = "Reajuste inválido"


class QuotaNotExcludable(Conflict):
    code: ClassVar[str] = "QUOTA_NOT_EXCLUDABLE"
    title: ClassVar[str] = "A cota não pode ser excluída"
