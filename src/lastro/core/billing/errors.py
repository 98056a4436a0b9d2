from __future__ import annotations

from lastro.kit.errors import Conflict, LastroError, NotFound


class PlanLimitReached(LastroError):
    status = 402
    code = "PLAN_LIMIT_REACHED"
    title = "Limite do plano atingido"


class PlanNotFound(NotFound):
    code = "PLAN_NOT_FOUND"
    title = "Plano não encontrado"


class PlanExists(Conflict):
    code = "PLAN_EXISTS"
    title = "Já existe um plano com este código"


class SubscriptionNotFound(NotFound):
    code = "SUBSCRIPTION_NOT_FOUND"
    title = "Assinatura não encontrada"
