"""Notifications: one call (``notify``) delivered by e-mail, SMS, WhatsApp and in-app."""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """This service's routes, jobs, schedules and event handlers, for the composition root."""
    del parts
    return ModuleSpec(name="core.notifications", title="notifications")
