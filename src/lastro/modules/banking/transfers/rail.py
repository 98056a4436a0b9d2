"""The payment-rail interface (SPI for PIX, STR for TED) and the sandbox rail.

An outbound order is sent after its hold is placed; the rail answers settled, rejected or
timed out. A timed-out order keeps its hold until a later status query or the rail's
webhook resolves it. The sandbox decides on command: ``X-Sandbox-Outcome`` (or the
description markers ``[rejeitar]`` / ``[timeout]``) — ``settle`` (default), ``reject``,
``timeout`` (unknown until a webhook or the sandbox resolve call), ``late-settle`` /
``late-reject`` (times out now; the next status query answers).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

SANDBOX_OUTCOMES = ("settle", "reject", "timeout", "late-settle", "late-reject")


class RailOutcome(StrEnum):
    SETTLED = "settled"
    REJECTED = "rejected"
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class RailOrder:
    transfer_id: uuid.UUID
    type: str  # pix | ted | pix_refund
    amount: Decimal
    end_to_end_id: str | None
    counterparty: dict[str, object]
    sandbox_outcome: str | None = None


@dataclass(frozen=True, slots=True)
class RailResult:
    outcome: RailOutcome
    rail_ref: str | None = None
    reason: str | None = None


class PaymentRail(Protocol):
    name: str

    async def send(self, order: RailOrder) -> RailResult: ...

    async def status(self, order: RailOrder, rail_ref: str | None) -> RailResult: ...


class SandboxRail:
    """Behaves like a PSP's API, deciding outcomes from the command it was given."""

    name = "sandbox"

    async def send(self, order: RailOrder) -> RailResult:
        ref = f"SBX{order.transfer_id.hex[:24].upper()}"
        command = order.sandbox_outcome or "settle"
        if command == "reject":
            return RailResult(RailOutcome.REJECTED, ref, "Recusada pelo banco recebedor (sandbox).")
        if command in ("timeout", "late-settle", "late-reject"):
            return RailResult(RailOutcome.TIMEOUT, ref, "Sem resposta do arranjo (sandbox).")
        return RailResult(RailOutcome.SETTLED, ref)

    async def status(self, order: RailOrder, rail_ref: str | None) -> RailResult:
        command = order.sandbox_outcome or "settle"
        if command in ("settle", "late-settle"):
            return RailResult(RailOutcome.SETTLED, rail_ref)
        if command in ("reject", "late-reject"):
            return RailResult(RailOutcome.REJECTED, rail_ref, "Recusada pelo banco recebedor.")
        return RailResult(RailOutcome.TIMEOUT, rail_ref)


_rail: PaymentRail = SandboxRail()


def get_rail() -> PaymentRail:
    return _rail


def set_rail(rail: PaymentRail) -> None:
    """Install another rail (a real PSP adapter) at start-up."""
    global _rail
    _rail = rail


def sandbox_command(header: str | None, description: str) -> str | None:
    if header:
        value = header.strip().lower()
        return value if value in SANDBOX_OUTCOMES else None
    lowered = description.lower()
    if "[rejeitar]" in lowered:
        return "reject"
    if "[timeout]" in lowered:
        return "timeout"
    return None
