"""Pure ledger rules: minor units, balancing, limits, fingerprints, settlements, event shape."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lastro.contracts.ledger import LancamentoRegistrado, ReservaLiberada, ReservaRegistrada
from lastro.core.ledger import domain, engine, planning
from lastro.core.ledger.errors import (
    CurrencyNotSupported,
    InvalidAmount,
    InvalidEntry,
    UnbalancedEntry,
)
from lastro.core.ledger.types import AccountType, Balance, EntryKind


def test_to_minor_is_exact_and_refuses_fractions_of_a_cent() -> None:
    assert domain.to_minor(Decimal("10.50"), 2) == 1050
    assert domain.to_minor(Decimal("10.500"), 2) == 1050
    assert domain.to_minor(Decimal("7"), 0) == 7
    for bad in (Decimal("0.001"), Decimal(0), Decimal("-1"), Decimal("NaN"), Decimal("Infinity")):
        with pytest.raises(InvalidAmount):
            domain.to_minor(bad, 2)
    with pytest.raises(InvalidAmount):
        domain.to_minor(10.5, 2)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        domain.to_minor(Decimal(10) ** 20, 2)


@given(st.integers(min_value=1, max_value=10**15), st.sampled_from([0, 2, 3]))
def test_minor_units_round_trip(value: int, exponent: int) -> None:
    amount = domain.from_minor(value, exponent)
    assert domain.to_minor(amount, exponent) == value
    assert Decimal(domain.format_amount(value, exponent)) == amount
    assert domain.format_amount(-value, exponent) == "-" + domain.format_amount(value, exponent)


def test_currency_exponents() -> None:
    assert domain.currency_exponent("BRL") == 2
    assert domain.currency_exponent("JPY") == 0
    with pytest.raises(CurrencyNotSupported):
        domain.currency_exponent("XYZ")


def test_balanced_per_currency() -> None:
    domain.check_balanced([("BRL", 100), ("BRL", -100), ("USD", 5), ("USD", -5)])
    with pytest.raises(UnbalancedEntry) as err:
        domain.check_balanced([("BRL", 100), ("USD", -100)])
    assert err.value.code == "UNBALANCED_ENTRY"
    assert "BRL" in err.value.detail


def test_keys_reserved_prefixes_and_length() -> None:
    assert domain.check_key("boleto:123") == "boleto:123"
    for bad in ("", "   ", "pending:x", "reversal:y", "k" * 201):
        with pytest.raises(InvalidEntry):
            domain.check_key(bad)
    assert domain.check_key("pending:x", derived=True) == "pending:x"


def test_exposure_follows_the_normal_side() -> None:
    # credit-normal (a deposit account): debits and pending debits draw it down
    assert domain.exposure(False, dp=150, cp=100, dpe=20, cpe=999) == 70
    # debit-normal (cash): credits and pending credits draw it down
    assert domain.exposure(True, dp=100, cp=150, dpe=999, cpe=20) == 70


def test_limit_allows_non_worsening_changes() -> None:
    before = (0, 100, 0, 0)  # credit-normal, balance 100
    assert not domain.breaches_limit(0, False, before, (100, 100, 0, 0))  # down to zero
    assert domain.breaches_limit(0, False, before, (101, 100, 0, 0))  # one cent below
    assert not domain.breaches_limit(50, False, before, (150, 100, 0, 0))  # within overdraft
    assert not domain.breaches_limit(None, False, before, (10**9, 0, 0, 0))  # unlimited
    over = (200, 100, 0, 0)  # already 100 over a zero limit (the limit was lowered)
    assert not domain.breaches_limit(0, False, over, (200, 150, 0, 0))  # deposits still land
    assert domain.breaches_limit(0, False, over, (201, 100, 0, 0))


def test_fingerprint_ignores_leg_order_but_not_content() -> None:
    ledger, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    one = domain.fingerprint(ledger, "posted", [(a, "BRL", 5), (b, "BRL", -5)])
    assert one == domain.fingerprint(ledger, "posted", [(b, "BRL", -5), (a, "BRL", 5)])
    assert one != domain.fingerprint(ledger, "posted", [(a, "BRL", 6), (b, "BRL", -6)])
    assert one != domain.fingerprint(ledger, "pending", [(a, "BRL", 5), (b, "BRL", -5)])


def test_settle_legs() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    held = [(a, "BRL", 100), (b, "BRL", -100)]
    assert domain.settle_legs(held, None, None) == held
    assert domain.settle_legs(held, 40, None) == [(a, "BRL", 40), (b, "BRL", -40)]
    with pytest.raises(InvalidEntry):
        domain.settle_legs(held, 101, None)
    three = [(a, "BRL", 100), (b, "BRL", -60), (c, "BRL", -40)]
    with pytest.raises(InvalidEntry):
        domain.settle_legs(three, 10, None)  # by amount only for two legs
    assert domain.settle_legs(three, None, [(a, "BRL", 50), (b, "BRL", -50)])
    with pytest.raises(InvalidEntry):
        domain.settle_legs(three, None, [(a, "BRL", 50), (c, "BRL", -50)])  # c held only 40
    with pytest.raises(UnbalancedEntry):
        domain.settle_legs(three, None, [(a, "BRL", 50), (b, "BRL", -40)])


def test_balance_views_follow_the_normal_side() -> None:
    deposit = Balance(
        uuid.uuid4(), "BRL", False, Decimal(30), Decimal(100), Decimal(20), Decimal(5)
    )
    assert deposit.posted == Decimal(70)
    assert deposit.available == Decimal(50)  # pending debits reserved, pending credits not yet
    cash = Balance(uuid.uuid4(), "BRL", True, Decimal(100), Decimal(30), Decimal(5), Decimal(20))
    assert cash.posted == Decimal(70)
    assert cash.available == Decimal(50)
    assert AccountType.EXPENSE.debit_normal and not AccountType.REVENUE.debit_normal


def test_entry_ids_leave_room_for_their_postings() -> None:
    entry = planning.new_entry_id()
    assert entry.version == 7 and entry.int & 0xFF == 0
    low, high = planning.postings_range(entry)
    ids = [planning.posting_int(entry, i) for i in range(domain.MAX_LEGS)]
    assert low.int == ids[0] and max(ids) <= high.int
    assert len(set(ids)) == domain.MAX_LEGS


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        (EntryKind.POSTED, LancamentoRegistrado),
        (EntryKind.PENDING, ReservaRegistrada),
        (EntryKind.VOID_PENDING, ReservaLiberada),
    ],
)
def test_event_payload_is_the_contract_payload(kind: EntryKind, cls: type) -> None:
    a = planning.AccountMeta.build(uuid.uuid4(), uuid.uuid4(), "2.1", "cliente:9", False, "BRL", 1)
    b = planning.AccountMeta.build(uuid.uuid4(), a.ledger_id, "1.1", None, True, "BRL", 16)
    legs = [(a, -1050), (b, 1050)]
    entry = planning.PlannedEntry(
        planning.new_entry_id(),
        a.ledger_id,
        kind,
        "k-1",
        "f" * 32,
        "Depósito",
        {"boleto": 7},
        '{"boleto":7}',
        date(2026, 11, 28),
        [] if kind == EntryKind.VOID_PENDING else legs,
        releases=legs if kind == EntryKind.VOID_PENDING else [],
        pending_id=uuid.uuid4() if kind == EntryKind.VOID_PENDING else None,
        expires_at=datetime(2026, 12, 1, 12, tzinfo=UTC) if kind == EntryKind.PENDING else None,
    )
    tenant = uuid.uuid4()
    occurred = engine.occurred_at(datetime(2026, 11, 28, 15, 4, 5, 123456, tzinfo=UTC))
    import orjson

    payload = orjson.loads(engine.event_payload(tenant, entry, occurred))
    event = cls.model_validate(payload)
    assert event.payload() == payload
    assert engine.TOPICS[kind] == cls.topic
    assert event.event_id == entry.id and event.tenant_id == tenant
    assert [p.amount for p in event.postings] == [Decimal("10.50"), Decimal("10.50")]
    assert [p.side for p in event.postings] == ["credit", "debit"]
