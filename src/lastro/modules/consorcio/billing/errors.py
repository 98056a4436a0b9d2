"""Billing errors, each with a stable code and a pt-BR detail (problem+json)."""

from __future__ import annotations

from typing import ClassVar

from lastro.kit.errors import Conflict, NotFound, ValidationFailed


class CollectingAccountNotFound(NotFound):
    code: ClassVar[str] = "CONSORCIO_COLLECTING_ACCOUNT_NOT_FOUND"


class NoCollectingAccount(Conflict):
    code: ClassVar[str] = "CONSORCIO_NO_COLLECTING_ACCOUNT"
    title: ClassVar[str] = "Nenhuma conta de cobrança para o grupo"


class InvalidCollectingAccount(ValidationFailed):
    code: ClassVar[str] = "CONSORCIO_INVALID_COLLECTING_ACCOUNT"


class CollectingAccountConflict(Conflict):
    code: ClassVar[str] = "CONSORCIO_COLLECTING_ACCOUNT_CONFLICT"


class NossoNumeroExhausted(Conflict):
    code: ClassVar[str] = "CONSORCIO_NOSSO_NUMERO_EXHAUSTED"
    title: ClassVar[str] = "Faixa de nosso número esgotada"


class BillingRunNotFound(NotFound):
    code: ClassVar[str] = "CONSORCIO_BILLING_RUN_NOT_FOUND"


class BillingRunBusy(Conflict):
    code: ClassVar[str] = "CONSORCIO_BILLING_RUN_BUSY"
    title: ClassVar[str] = "Faturamento do mês em andamento"


class InvalidMonth(ValidationFailed):
    code: ClassVar[str] = "CONSORCIO_INVALID_MONTH"


class RemessaNotFound(NotFound):
    code: ClassVar[str] = "CONSORCIO_REMESSA_NOT_FOUND"


class QuotaNotFound(NotFound):
    code: ClassVar[str] = "CONSORCIO_QUOTA_NOT_FOUND"


class ChargeNotFound(NotFound):
    code: ClassVar[str] = "CONSORCIO_CHARGE_NOT_FOUND"


class InstallmentNotFound(NotFound):
    code: ClassVar[str] = "CONSORCIO_INSTALLMENT_NOT_FOUND"


class QuotaNotBillable(Conflict):
    code: ClassVar[str] = "CONSORCIO_QUOTA_NOT_BILLABLE"
    title: ClassVar[str] = "A cota não pode receber cobranças"


class InvalidCharge(ValidationFailed):
    code: ClassVar[str] = "CONSORCIO_INVALID_CHARGE"


class ChargeConflict(Conflict):
    code: ClassVar[str] = "CONSORCIO_CHARGE_CONFLICT"


class NothingToCharge(Conflict):
    code: ClassVar[str] = "CONSORCIO_NOTHING_TO_CHARGE"
    title: ClassVar[str] = "Nada a cobrar"
