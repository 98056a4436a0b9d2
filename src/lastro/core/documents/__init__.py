"""Documents: files per tenant in an object store, versioned, with signed links, PDFs."""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """This service's routes, jobs, schedules and event handlers, for the composition root."""
    del parts
    return ModuleSpec(name="core.documents", title="documents")
