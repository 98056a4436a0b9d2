"""banking · cards (placeholder until built)."""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts


def build_area(parts: ServiceParts) -> ModuleSpec:
    del parts
    return ModuleSpec(name="banking.cards", title="cards")
