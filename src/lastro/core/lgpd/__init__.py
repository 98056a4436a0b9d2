"""LGPD data-subject requests (export, rectify, erase) across modules, and the consent register."""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """This service's routes, jobs, schedules and event handlers, for the composition root."""
    del parts
    return ModuleSpec(name="core.lgpd", title="lgpd")
