"""Digital account on the core ledger: customer accounts, PIX / TED / P2P transfers through a
payment rail, cards with limits and authorisations, boleto payment, budgets and spending
analytics, support tickets, statements and the yearly income report.

One sub-package per domain noun (``accounts``, ``transfers``, ``cards``, ``bills``, ``budgets``,
``support``); each exposes ``build_area(parts) -> ModuleSpec`` and the module is their
:func:`lastro.core.modules.combine`. Money lives only in the core ledger.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from lastro.core.modules import ModuleSpec, ServiceParts, combine

NAME = "banking"
AREAS: tuple[str, ...] = (
    "accounts",
    "transfers",
    "cards",
    "bills",
    "budgets",
    "support",
)


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """The module's spec: its areas combined, in order (demo data follows the same order)."""
    from lastro.modules.banking.settings import module_settings

    areas = [
        importlib.import_module(f"lastro.modules.banking.{area}").build_area(parts)
        for area in AREAS
    ]
    return combine(
        NAME,
        "Conta digital",
        areas,
        templates=Path(__file__).parent / "templates",
        settings=module_settings(),
        home_path="/banking",
    )
