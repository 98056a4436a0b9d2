"""The banking module's per-tenant settings: one model per area, combined into one namespace."""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import BaseModel

from lastro.modules.banking import AREAS


def module_settings() -> type[BaseModel] | None:
    """Each area may declare ``<area>.settings.AreaSettings``; the module's settings model
    inherits them all (field names must not collide)."""
    bases: list[type[Any]] = []
    for area in AREAS:
        try:
            found = importlib.import_module(f"lastro.modules.banking.{area}.settings")
        except ModuleNotFoundError as exc:
            if exc.name != f"lastro.modules.banking.{area}.settings":
                raise
            continue
        bases.append(found.AreaSettings)
    if not bases:
        return None
    return type("BankingSettings", tuple(bases), {})
