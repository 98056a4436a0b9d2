"""banking · support: customer tickets numbered ``TKT-YYYY-NNNNN`` per tenant, messages from the
customer and from staff, status flow OPEN → IN_PROGRESS → WAITING → RESOLVED → CLOSED, staff
assignment; a closed ticket refuses messages (409 ``TICKET_CLOSED``). Attachments are documents
kept by the core documents service. Notifies the customer of staff replies and status changes.
"""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts

READ = "banking.support.read"
WRITE = "banking.support.write"
MANAGE = "banking.support.manage"


def build_area(parts: ServiceParts) -> ModuleSpec:
    del parts
    from lastro.modules.banking.support.demo import load_support_demo
    from lastro.modules.banking.support.endpoints import router
    from lastro.modules.banking.support.pages import router as pages

    staff = [READ, WRITE, MANAGE]
    return ModuleSpec(
        name="banking.support",
        title="Suporte",
        router=router,
        pages=pages,
        permissions={
            "tenant_admin": staff,
            "manager": staff,
            "operator": staff,
            "agent": staff,
            "customer": [READ, WRITE],
        },
        demo=load_support_demo,
    )
