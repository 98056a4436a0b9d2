"""The four components of an installment and a small immutable vector over them.

``Components`` carries one Decimal per component; it is used both for percentages (of the
reference price) and for money, so the same arithmetic serves the ledger and the boleto.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum

from lastro.modules.consorcio.domain.rounding import q_money, q_percent

_ZERO = Decimal(0)


class Component(StrEnum):
    """Installment components, in the default order used for display and tie-breaks."""

    FUNDO_COMUM = "fundo_comum"
    TAXA_ADMINISTRACAO = "taxa_administracao"
    FUNDO_RESERVA = "fundo_reserva"
    SEGURO = "seguro"


COMPONENTS: tuple[Component, ...] = tuple(Component)


@dataclass(frozen=True, slots=True)
class Components:
    """One Decimal per component (percent or money, depending on the caller)."""

    fundo_comum: Decimal = _ZERO
    taxa_administracao: Decimal = _ZERO
    fundo_reserva: Decimal = _ZERO
    seguro: Decimal = _ZERO

    @classmethod
    def zero(cls) -> Components:
        return cls()

    @classmethod
    def of(cls, values: Mapping[Component, Decimal] | Mapping[str, Decimal]) -> Components:
        """Build from a mapping keyed by :class:`Component` or its string value."""
        data = {Component(k).value: v for k, v in values.items()}
        return cls(**data)

    @classmethod
    def only(cls, component: Component, value: Decimal) -> Components:
        return cls(**{component.value: value})

    def __getitem__(self, component: Component | str) -> Decimal:
        value: Decimal = getattr(self, Component(component).value)
        return value

    def __iter__(self) -> Iterator[tuple[Component, Decimal]]:
        for f in fields(self):
            yield Component(f.name), getattr(self, f.name)

    def items(self) -> tuple[tuple[Component, Decimal], ...]:
        return tuple(self)

    def as_dict(self) -> dict[str, Decimal]:
        """Plain dict keyed by the component's string value (for JSON, rows, templates)."""
        return {c.value: v for c, v in self}

    @property
    def total(self) -> Decimal:
        return self.fundo_comum + self.taxa_administracao + self.fundo_reserva + self.seguro

    @property
    def total_without_seguro(self) -> Decimal:
        """FC + TA + FR: the part that makes up the plan's ``valor da categoria``."""
        return self.fundo_comum + self.taxa_administracao + self.fundo_reserva

    def map(self, fn: Callable[[Decimal], Decimal]) -> Components:
        return Components(*(fn(v) for _, v in self))

    def zip_with(self, other: Components, fn: Callable[[Decimal, Decimal], Decimal]) -> Components:
        return Components(*(fn(a, b) for (_, a), (_, b) in zip(self, other, strict=True)))

    def replace(self, component: Component, value: Decimal) -> Components:
        data = self.as_dict()
        data[component.value] = value
        return Components(**data)

    def __add__(self, other: Components) -> Components:
        return self.zip_with(other, lambda a, b: a + b)

    def __sub__(self, other: Components) -> Components:
        return self.zip_with(other, lambda a, b: a - b)

    def __neg__(self) -> Components:
        return self.map(lambda a: -a)

    def clamp(self, low: Components | None = None, high: Components | None = None) -> Components:
        """Component-wise clamp (zero floor when ``low`` is omitted)."""
        out = self.zip_with(low or Components(), max)
        return out if high is None else out.zip_with(high, min)

    def positive(self) -> Components:
        """Component-wise ``max(0, v)``."""
        return self.map(lambda a: max(a, _ZERO))

    def minimum(self, other: Components) -> Components:
        return self.zip_with(other, min)

    def as_percent(self) -> Components:
        """Rounded to the kept percent precision."""
        return self.map(q_percent)

    def as_money(self) -> Components:
        """Rounded to the cent."""
        return self.map(q_money)

    def is_zero(self) -> bool:
        return all(v == 0 for _, v in self)

    def any_negative(self) -> bool:
        return any(v < 0 for _, v in self)

    def dominates(self, other: Components) -> bool:
        """True when every component is ≥ the other's."""
        return all(a >= b for (_, a), (_, b) in zip(self, other, strict=True))


ZERO_COMPONENTS = Components()
"""The all-zero vector (a safe shared default: Components is immutable)."""


def sum_components(items: Iterable[Components]) -> Components:
    total = Components()
    for item in items:
        total = total + item
    return total
