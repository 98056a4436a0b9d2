"""The core's own answers to data-subject requests; modules register theirs the same way."""

from __future__ import annotations

from lastro.contracts.lgpd import register_source
from lastro.core.lgpd.sources.audit import AuditSource
from lastro.core.lgpd.sources.consents import ConsentSource
from lastro.core.lgpd.sources.ledger import LedgerSource
from lastro.core.lgpd.sources.requests import RequestLogSource
from lastro.core.lgpd.sources.users import UserSource

USERS = "users"


def register_core_sources() -> None:
    """Idempotent: registering a name again replaces the previous instance."""
    for source in (
        UserSource(),
        AuditSource(),
        ConsentSource(),
        LedgerSource(),
        RequestLogSource(),
    ):
        register_source(source)
