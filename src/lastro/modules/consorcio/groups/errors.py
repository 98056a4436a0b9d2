"""Errors of the groups area: stable codes, pt-BR details."""

from __future__ import annotations

from typing import ClassVar

from lastro.kit.errors import Conflict, NotFound, ValidationFailed


class GroupNotFound(NotFound):
    code: ClassVar[str] = "GROUP_NOT_FOUND"
    title: ClassVar[str] = "Grupo não encontrado"


class GroupCodeTaken(Conflict):
    code: ClassVar[str] = "GROUP_CODE_TAKEN"
    title: ClassVar[str] = "Código de grupo já usado"


class InvalidGroup(ValidationFailed):
    code: ClassVar[str] = "INVALID_GROUP"
    title: ClassVar[str] = "Dados do grupo inválidos"


class InvalidCreditValues(ValidationFailed):
    code: ClassVar[str] = "INVALID_CREDIT_VALUES"
    title: ClassVar[str] = "Valores de crédito inválidos"


class InvalidGroupRules(ValidationFailed):
    code: ClassVar[str] = "INVALID_GROUP_RULES"
    title: ClassVar[str] = "Regras do grupo inválidas"


class RulesNotInForce(NotFound):
    code: ClassVar[str] = "RULES_NOT_IN_FORCE"
    title: ClassVar[str] = "Não há regras em vigor nesta data"


class RuleVersionConflict(Conflict):
    code: ClassVar[str] = "RULE_VERSION_CONFLICT"
    title: ClassVar[str] = "Versão de regras em conflito"


class InvalidPrice(ValidationFailed):
    code: ClassVar[str] = "INVALID_PRICE"
    title: ClassVar[str] = "Preço inválido"


class PriceConflict(Conflict):
    code: ClassVar[str] = "PRICE_CONFLICT"
    title: ClassVar[str] = "Preço em conflito com o histórico"


class InvalidTransition(Conflict):
    code: ClassVar[str] = "INVALID_GROUP_TRANSITION"
    title: ClassVar[str] = "Mudança de situação do grupo não permitida"


class GroupNotConstitutable(Conflict):
    code: ClassVar[str] = "GROUP_NOT_CONSTITUTABLE"
    title: ClassVar[str] = "Grupo ainda não pode ser constituído"


class InvalidPaymentSplit(ValidationFailed):
    code: ClassVar[str] = "INVALID_PAYMENT_SPLIT"
    title: ClassVar[str] = "Rateio do pagamento inválido"


class PaymentSplitConflict(Conflict):
    code: ClassVar[str] = "PAYMENT_SPLIT_CONFLICT"
    title: ClassVar[str] = "Pagamento já lançado com outro rateio"


class BooksNotOpen(Conflict):
    code: ClassVar[str] = "GROUP_BOOKS_NOT_OPEN"
    title: ClassVar[str] = "Grupo sem livro contábil"
