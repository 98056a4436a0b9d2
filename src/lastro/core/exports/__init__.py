"""Exports and reports: any list as CSV, XLSX or PDF, large ones in the background."""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """This service's routes, jobs, schedules and event handlers, for the composition root."""
    del parts
    return ModuleSpec(name="core.exports", title="exports")
