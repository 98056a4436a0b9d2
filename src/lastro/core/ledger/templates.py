"""Charts of accounts: templates a module registers once and applies to each new book.

A consórcio module registers its group chart (fundo comum, taxa de administração, ...) and
opens every group's ledger with it, so all groups share one structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lastro.core.ledger.errors import ChartNotFound, CodeTaken
from lastro.core.ledger.types import AccountType


@dataclass(frozen=True, slots=True)
class AccountTemplate:
    code: str
    name: str
    type: AccountType
    currency: str | None = None  # default: the ledger's currency
    overdraft_limit: Decimal | None = None  # Decimal(0): no overdraft
    hot: bool = False  # touched by nearly every entry: sharded balance, no limit allowed


@dataclass(frozen=True, slots=True)
class ChartTemplate:
    name: str  # "<module>.<chart>", e.g. "consorcio.grupo"
    description: str
    accounts: tuple[AccountTemplate, ...]


_CHARTS: dict[str, ChartTemplate] = {}


def register_chart(chart: ChartTemplate, *, replace: bool = False) -> ChartTemplate:
    """Register at import time (module ``register()``); names are global across modules."""
    if chart.name in _CHARTS and not replace and _CHARTS[chart.name] != chart:
        raise CodeTaken(f"Plano de contas '{chart.name}' já registrado.")
    codes = [a.code for a in chart.accounts]
    if len(codes) != len(set(codes)):
        raise CodeTaken(f"Plano de contas '{chart.name}' repete códigos de conta.")
    _CHARTS[chart.name] = chart
    return chart


def get_chart(name: str) -> ChartTemplate:
    try:
        return _CHARTS[name]
    except KeyError:
        raise ChartNotFound(f"Plano de contas '{name}' não registrado.") from None


def charts() -> list[ChartTemplate]:
    return sorted(_CHARTS.values(), key=lambda c: c.name)


BASIC = register_chart(
    ChartTemplate(
        name="core.basico",
        description="Plano mínimo: caixa, bancos, clientes, fornecedores, capital, receitas, "
        "despesas.",
        accounts=(
            AccountTemplate("1.1.01", "Caixa", AccountType.ASSET, overdraft_limit=Decimal(0)),
            AccountTemplate("1.1.02", "Bancos", AccountType.ASSET, hot=True),
            AccountTemplate("1.2.01", "Clientes a receber", AccountType.ASSET),
            AccountTemplate("2.1.01", "Fornecedores a pagar", AccountType.LIABILITY),
            AccountTemplate("3.1.01", "Capital social", AccountType.EQUITY),
            AccountTemplate("4.1.01", "Receita de serviços", AccountType.REVENUE),
            AccountTemplate("5.1.01", "Despesas gerais", AccountType.EXPENSE),
        ),
    )
)
