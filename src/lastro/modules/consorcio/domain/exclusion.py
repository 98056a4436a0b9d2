"""Missed due dates, collection stages and the exclusion rule (primer §6.2).

A non-contemplated member is excluded after the group's threshold of consecutive missed due
dates (at most 3 under Res. BCB 285; older contracts often 2). A contemplated member is never
excluded — they are collected from instead — so they move through their own stages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lastro.modules.consorcio.domain.errors import InvalidTerms

MAX_EXCLUSION_THRESHOLD_285 = 3


class Regime(StrEnum):
    """The regulation a group runs under (per group, kept until it closes)."""

    CIRCULAR_3432 = "circular_3432"
    RESOLUCAO_285 = "resolucao_285"


def validate_exclusion_threshold(threshold: int, regime: Regime) -> int:
    """Refuse thresholds the regime does not allow (1..3 under Res. 285; ≥ 1 before)."""
    if threshold < 1:
        raise InvalidTerms("O limite de exclusão deve ser de pelo menos uma parcela.")
    if regime is Regime.RESOLUCAO_285 and threshold > MAX_EXCLUSION_THRESHOLD_285:
        raise InvalidTerms(
            "Sob a Resolução BCB 285 a exclusão ocorre com no máximo "
            f"{MAX_EXCLUSION_THRESHOLD_285} vencimentos em atraso."
        )
    return threshold


def missed_due_dates(
    installments: Iterable[tuple[date, date | None]], as_of: date, *, consecutive: bool = True
) -> int:
    """Count missed due dates as of ``as_of`` from (due date, paid on or None) pairs.

    A due date is missed when it is before ``as_of`` and the installment was not paid by
    ``as_of``. With ``consecutive`` the longest run of consecutive missed due dates is
    returned (the Res. 285 wording); otherwise every missed one counts.
    """
    ordered = sorted(installments, key=lambda item: item[0])
    run = longest = total = 0
    for due, paid_on in ordered:
        if due >= as_of:
            break
        if paid_on is None or paid_on > as_of:
            run += 1
            total += 1
            longest = max(longest, run)
        else:
            run = 0
    return longest if consecutive else total


def exclusion_due(
    missed: int,
    threshold: int,
    *,
    contemplated: bool,
    last_assembly_threshold: int | None = None,
    at_last_assembly: bool = False,
) -> bool:
    """Whether the quota must be excluded: never when contemplated; else at the threshold
    (or at a smaller threshold for the group's last assembly, when the contract has one)."""
    if contemplated:
        return False
    limit = threshold
    if at_last_assembly and last_assembly_threshold is not None:
        limit = min(limit, last_assembly_threshold)
    return missed >= limit


class CollectionStage(StrEnum):
    """Collection stages (separate from the quota's lifecycle status)."""

    EM_DIA = "em_dia"
    COBRANCA = "cobranca"  # one due date missed: reminders
    MEDIACAO = "mediacao"  # two or more, below the exclusion threshold
    EXCLUSAO = "exclusao"  # threshold reached, not contemplated: exclude
    BLOQUEIO_CONTEMPLADO = "bloqueio_contemplado"  # contemplated and late: credit blocked
    JURIDICO = "juridico"  # contemplated, long default: enforce the contract (título executivo)


@dataclass(frozen=True, slots=True)
class CollectionTiers:
    """Missed-due-date counts that open each stage (contract/administradora parameters)."""

    mediacao_from: int = 2
    contemplated_block_from: int = 1
    contemplated_legal_from: int = 3

    def __post_init__(self) -> None:
        if min(self.mediacao_from, self.contemplated_block_from, self.contemplated_legal_from) < 1:
            raise InvalidTerms("Os estágios de cobrança começam em pelo menos uma parcela.")
        if self.contemplated_legal_from < self.contemplated_block_from:
            raise InvalidTerms("O estágio jurídico deve vir depois do bloqueio.")


def collection_stage(
    missed: int,
    threshold: int,
    *,
    contemplated: bool,
    tiers: CollectionTiers = CollectionTiers(),
) -> CollectionStage:
    """The stage for ``missed`` missed due dates."""
    if missed <= 0:
        return CollectionStage.EM_DIA
    if contemplated:
        if missed >= tiers.contemplated_legal_from:
            return CollectionStage.JURIDICO
        if missed >= tiers.contemplated_block_from:
            return CollectionStage.BLOQUEIO_CONTEMPLADO
        return CollectionStage.COBRANCA
    if missed >= threshold:
        return CollectionStage.EXCLUSAO
    if missed >= tiers.mediacao_from:
        return CollectionStage.MEDIACAO
    return CollectionStage.COBRANCA


def stage_counts(stages: Sequence[CollectionStage]) -> dict[CollectionStage, int]:
    """Count quotas per stage (every stage present, zero included) for dashboards."""
    counts = dict.fromkeys(CollectionStage, 0)
    for stage in stages:
        counts[stage] += 1
    return counts
