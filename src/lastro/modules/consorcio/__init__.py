"""Administration of consórcio groups: groups with versioned contract rules, consorciados,
quotas on a percentage ledger, monthly billing with boleto/PIX/CNAB, payments posted to each
group's own books, delinquency and price updates.

One sub-package per domain noun; ``domain/`` holds the pure rules (percentage ledger, fees,
rounding). Each area exposes ``build_area(parts) -> ModuleSpec``; the module is their
:func:`lastro.core.modules.combine`.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from lastro.core.modules import ModuleSpec, ServiceParts, combine

NAME = "consorcio"
AREAS: tuple[str, ...] = (
    "groups",
    "consorciados",
    "quotas",
    "billing",
    "payments",
    "delinquency",
    "backoffice",
)


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """The module's spec: its areas combined, in order (demo data follows the same order)."""
    from lastro.modules.consorcio.settings import module_settings

    areas = [
        importlib.import_module(f"lastro.modules.consorcio.{area}").build_area(parts)
        for area in AREAS
    ]
    return combine(
        NAME,
        "Consórcio",
        areas,
        templates=Path(__file__).parent / "templates",
        settings=module_settings(),
        home_path="/consorcio",
    )
