"""Random sequences of transfers, holds, settlements, voids, expiries, reversals and batches
against a model of the books: every outcome, every balance and ``verify`` must agree."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lastro.core.ledger import domain
from lastro.core.ledger.calls import transfer_draft
from lastro.core.ledger.errors import LedgerError
from lastro.core.ledger.expiry import expire_pending
from lastro.core.ledger.types import AccountType
from lastro.core.runtime import Runtime
from lastro.kit.clock import utcnow
from tests.core.ledger.conftest import Books, open_books

NAMES = ("banco", "a", "b", "c")
ACCOUNTS = {
    "banco": (AccountType.ASSET, None, True),  # unlimited, sharded
    "a": (AccountType.LIABILITY, Decimal(0), False),  # no overdraft
    "b": (AccountType.LIABILITY, Decimal(0), False),
    "c": (AccountType.LIABILITY, Decimal("0.50"), False),  # 50 cents of overdraft
}
DEBIT_NORMAL = {"banco": True, "a": False, "b": False, "c": False}
LIMIT = {"banco": None, "a": 0, "b": 0, "c": 50}

account = st.sampled_from(NAMES)
cents = st.integers(min_value=1, max_value=300)
ops = st.one_of(
    st.tuples(st.just("transfer"), account, account, cents),
    st.tuples(st.just("hold"), account, account, cents, st.booleans()),
    st.tuples(st.just("post"), st.integers(0, 20), st.one_of(st.none(), st.integers(1, 300))),
    st.tuples(st.just("void"), st.integers(0, 20)),
    st.tuples(st.just("expire")),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    st.tuples(
        st.just("batch"), st.lists(st.tuples(account, account, cents), min_size=1, max_size=6)
    ),
    st.tuples(st.just("retry"), st.integers(0, 30)),
)


@dataclass
class Model:
    """The books as the rules say they must be, in cents: [dp, cp, dpe, cpe] per account."""

    rows: dict[str, list[int]] = field(default_factory=lambda: {n: [0, 0, 0, 0] for n in NAMES})
    holds: list[dict[str, Any]] = field(default_factory=list)
    posted: list[dict[str, Any]] = field(default_factory=list)  # reversible entries

    def apply(self, deltas: dict[str, list[int]]) -> bool:
        for name, delta in deltas.items():
            before = self.rows[name]
            after = [v + d for v, d in zip(before, delta, strict=True)]
            if domain.breaches_limit(LIMIT[name], DEBIT_NORMAL[name], before, after):
                return False
        for name, delta in deltas.items():
            self.rows[name] = [v + d for v, d in zip(self.rows[name], delta, strict=True)]
        return True


def legs(
    debit: str, credit: str, amount: int, *, pending: bool = False, sign: int = 1
) -> dict[str, list[int]]:
    out = {debit: [0, 0, 0, 0], credit: [0, 0, 0, 0]}
    base = 2 if pending else 0
    out[debit][base] += sign * amount
    out[credit][base + 1] += sign * amount
    return out


def merge(*parts: dict[str, list[int]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for part in parts:
        for name, delta in part.items():
            row = out.setdefault(name, [0, 0, 0, 0])
            for i in range(4):
                row[i] += delta[i]
    return out


def cents_of(amount: Decimal) -> int:
    return int(amount * 100)


class Runner:
    def __init__(self, books: Books) -> None:
        self.books = books
        self.model = Model()
        self.done: list[tuple[Any, Any]] = []  # (draft, expected entry id) for retries

    def draft(self, debit: str, credit: str, amount: int, **kw: Any) -> Any:
        return transfer_draft(
            debit=self.books[debit],
            credit=self.books[credit],
            amount=Decimal(amount) / 100,
            idempotency_key=f"k{uuid.uuid4().hex[:12]}",
            **kw,
        )

    async def expect(self, ok: bool, call: Any) -> Any:
        try:
            result = await call
        except LedgerError as exc:
            assert not ok, f"refused ({exc.code}: {exc.detail}) but the model accepts"
            return None
        assert ok, "accepted but the model refuses"
        return result

    async def step(self, op: tuple[Any, ...]) -> None:
        kind, m, ledger = op[0], self.model, self.books.ledger
        if kind == "transfer":
            _, debit, credit, amount = op
            if debit == credit:
                return
            draft = self.draft(debit, credit, amount)
            result = await self.expect(m.apply(legs(debit, credit, amount)), ledger.post(draft))
            if result:
                m.posted.append(
                    {
                        "id": result.id,
                        "debit": debit,
                        "credit": credit,
                        "amount": amount,
                        "reversed": False,
                    }
                )
                self.done.append((draft, result.id))
        elif kind == "hold":
            _, debit, credit, amount, timed = op
            if debit == credit:
                return
            draft = self.draft(
                debit,
                credit,
                amount,
                pending=True,
                expires_in=timedelta(hours=1) if timed else None,
            )
            ok = m.apply(legs(debit, credit, amount, pending=True))
            result = await self.expect(ok, ledger.post(draft))
            if result:
                m.holds.append(
                    {
                        "id": result.id,
                        "debit": debit,
                        "credit": credit,
                        "amount": amount,
                        "timed": timed,
                        "resolution": None,
                    }
                )
        elif kind in ("post", "void"):
            if not m.holds:
                return
            held = m.holds[op[1] % len(m.holds)]
            amount = held["amount"] if kind == "void" or op[2] is None else op[2]
            wanted = (kind, amount if kind == "post" else None)
            release = legs(held["debit"], held["credit"], held["amount"], pending=True, sign=-1)
            if held["resolution"] is not None:
                ok = held["resolution"] == wanted  # the same resolution again replays
            elif kind == "void":
                ok = m.apply(release)
            else:
                ok = amount <= held["amount"] and m.apply(
                    merge(release, legs(held["debit"], held["credit"], amount))
                )
            call = (
                ledger.void_pending(held["id"])
                if kind == "void"
                else ledger.post_pending(
                    held["id"], amount=None if op[2] is None else Decimal(amount) / 100
                )
            )
            result = await self.expect(ok, call)
            if result and held["resolution"] is None:
                held["resolution"] = wanted
                if kind == "post":
                    m.posted.append(
                        {
                            "id": result.id,
                            "debit": held["debit"],
                            "credit": held["credit"],
                            "amount": amount,
                            "reversed": False,
                        }
                    )
        elif kind == "expire":
            due = [h for h in m.holds if h["resolution"] is None and h["timed"]]
            for held in due:
                assert m.apply(
                    legs(held["debit"], held["credit"], held["amount"], pending=True, sign=-1)
                )
                held["resolution"] = ("expire", None)
            released = await expire_pending(self.books.db, utcnow() + timedelta(hours=2))
            assert released >= len(due)
        elif kind == "reverse":
            if not m.posted:
                return
            entry = m.posted[op[1] % len(m.posted)]
            # the mirror entry: the original credit account is debited and vice versa
            ok = entry["reversed"] or m.apply(
                legs(entry["credit"], entry["debit"], entry["amount"])
            )
            if not entry["reversed"] and ok:
                entry["reversed"] = True
            await self.expect(ok, ledger.reverse(entry["id"]))
        elif kind == "batch":
            drafts, wanted = [], []
            for debit, credit, amount in op[1]:
                if debit == credit:
                    continue
                drafts.append(self.draft(debit, credit, amount))
                wanted.append(m.apply(legs(debit, credit, amount)))
            if drafts:
                result = await ledger.post_batch(drafts)
                assert [i.ok for i in result.items] == wanted
        elif kind == "retry":
            if not self.done:
                return
            draft, entry_id = self.done[op[1] % len(self.done)]
            again = await ledger.post(draft)
            assert again.id == entry_id and not again.created

    async def check(self) -> None:
        for name in NAMES:
            balance = await self.books.balance(name)
            actual = [
                cents_of(balance.debits_posted),
                cents_of(balance.credits_posted),
                cents_of(balance.debits_pending),
                cents_of(balance.credits_pending),
            ]
            assert actual == self.model.rows[name], name
        await self.books.assert_verified()


@settings(
    max_examples=int(os.environ.get("LEDGER_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(ops, min_size=1, max_size=18))
async def test_random_sequences_keep_every_invariant(
    runtime: Runtime, tenant_id: uuid.UUID, sequence: list[tuple[Any, ...]]
) -> None:
    books = await open_books(runtime.db, tenant_id, ACCOUNTS)
    runner = Runner(books)
    # fund the customers so that transfers between them have something to move
    for name in ("a", "b", "c"):
        await runner.step(("transfer", "banco", name, 200))
    for op in sequence:
        await runner.step(op)
    await runner.check()
