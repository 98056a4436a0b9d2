"""Outbound webhooks: tenants subscribe endpoints to event types, signed and retried."""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """This service's routes, jobs, schedules and event handlers, for the composition root."""
    del parts
    return ModuleSpec(name="core.webhooks", title="webhooks")
