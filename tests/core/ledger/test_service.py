"""Books, accounts and entries through both ways in: the session-joined service and the
engine-owned :class:`Ledger` — on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal

import orjson
import pytest
from sqlalchemy import func, select

from lastro.contracts.ledger import LancamentoRegistrado
from lastro.core.ledger.calls import transfer_draft
from lastro.core.ledger.errors import (
    AccountClosed,
    AccountNotEmpty,
    AccountNotFound,
    CodeTaken,
    CurrencyMismatch,
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidAmount,
    InvalidEntry,
    LedgerError,
    LedgerMismatch,
    LimitNotAllowed,
    UnbalancedEntry,
)
from lastro.core.ledger.models import LedgerBalance, LedgerEntry, LedgerPosting
from lastro.core.ledger.runner import Ledger
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.templates import AccountTemplate, ChartTemplate, register_chart
from lastro.core.ledger.types import AccountType, EntryDraft, EntryResult, Posting
from lastro.core.runtime import Runtime
from lastro.infra.outbox import OutboxEvent
from lastro.kit.events import event_class
from tests.core.ledger.conftest import Books, new_tenant, open_books

D = Decimal
Post = Callable[[EntryDraft], Awaitable[EntryResult]]
PostMany = Callable[[Sequence[EntryDraft]], Awaitable[list[EntryResult]]]


@pytest.fixture(params=["engine", "session"])
def post(request: pytest.FixtureRequest, books: Books) -> Post:
    """Post through Ledger (own transaction) or ledger_service (caller's transaction)."""
    if request.param == "engine":
        return books.ledger.post

    async def via_session(draft: EntryDraft) -> EntryResult:
        async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
            return await ledger_service.post(session, draft)

    return via_session


@pytest.fixture(params=["engine", "session"])
def post_linked(request: pytest.FixtureRequest, books: Books) -> PostMany:
    if request.param == "engine":
        return books.ledger.post_linked

    async def via_session(drafts: Sequence[EntryDraft]) -> list[EntryResult]:
        async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
            return await ledger_service.post_linked(session, drafts)

    return via_session


def move(books: Books, debit: str, credit: str, amount: str, key: str) -> EntryDraft:
    return transfer_draft(
        debit=books[debit], credit=books[credit], amount=D(amount), idempotency_key=key
    )


async def deposit(books: Books, who: str, amount: str, key: str | None = None) -> EntryResult:
    """Money in: the bank account (asset) up, the customer's deposit (liability) up."""
    return await books.ledger.post(move(books, "banco", who, amount, key or f"dep-{uuid.uuid4()}"))


async def count(books: Books, model: type) -> int:
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# --- books and accounts ------------------------------------------------------------------------


async def test_open_ledger_from_chart_and_codes_are_unique(
    runtime: Runtime, tenant_id: uuid.UUID
) -> None:
    register_chart(
        ChartTemplate(
            "tests.grupo",
            "Grupo de teste",
            (
                AccountTemplate("1", "Fundo comum", AccountType.ASSET, hot=True),
                AccountTemplate("2", "Cotistas", AccountType.LIABILITY, overdraft_limit=D(0)),
            ),
        )
    )
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        book = await ledger_service.open_ledger(
            session,
            code="grupo-1",
            name="Grupo 1",
            module="consorcio",
            owner_ref="grupo:1",
            chart="tests.grupo",
        )
        accounts = await ledger_service.list_accounts(session, book.id)
        assert [(a.code, a.hot, a.overdraft_limit) for a in accounts] == [
            ("1", True, None),
            ("2", False, D("0.00")),
        ]
        assert (await ledger_service.find_ledger(session, "grupo-1")) == book
        with pytest.raises(CodeTaken):
            await ledger_service.open_ledger(session, code="grupo-1", name="x", module="x")
        with pytest.raises(CodeTaken):
            await ledger_service.open_account(
                session, ledger_id=book.id, code="1", name="x", type="asset"
            )
        assert await ledger_service.apply_chart(session, book.id, "tests.grupo") == []
        with pytest.raises(LimitNotAllowed):
            await ledger_service.open_account(
                session,
                ledger_id=book.id,
                code="3",
                name="x",
                type="asset",
                hot=True,
                overdraft_limit=D(0),
            )
        with pytest.raises(InvalidEntry):
            await ledger_service.open_account(
                session, ledger_id=book.id, code="4", name="x", type="assets"
            )
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        rows = await session.scalar(select(func.count()).select_from(LedgerBalance))
        assert rows == 16 + 1  # the hot account has 16 balance shards


# --- posting ---------------------------------------------------------------------------------


async def test_post_moves_balances_and_publishes_the_event(books: Books, post: Post) -> None:
    result = await post(
        EntryDraft(
            idempotency_key="boleto:1",
            description="Boleto pago",
            metadata={"boleto": 1},
            postings=(
                Posting.debit(books["banco"], D("250.00")),
                Posting.credit(books["cliente_a"], D("200.00")),
                Posting.credit(books["receita"], D("50.00")),
            ),
        )
    )
    assert result.created
    assert await books.posted("banco") == D("250.00")  # asset: debit-normal
    assert await books.posted("cliente_a") == D("200.00")  # liability: credit-normal
    assert await books.posted("receita") == D("50.00")
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        view = await ledger_service.get_entry(session, result.id)
        event = await session.scalar(select(OutboxEvent).where(OutboxEvent.id == result.id))
    assert view.description == "Boleto pago" and view.metadata == {"boleto": 1}
    assert [(p.side, p.amount) for p in view.postings] == [
        ("debit", D("250.00")),
        ("credit", D("200.00")),
        ("credit", D("50.00")),
    ]
    assert event is not None and event.topic == LancamentoRegistrado.topic
    typed = event_class(event.topic)
    assert typed is LancamentoRegistrado
    parsed = LancamentoRegistrado.model_validate(event.payload)
    assert parsed.entry_id == result.id and parsed.tenant_id == books.tenant_id
    assert parsed.metadata == {"boleto": 1}
    assert {p.account_code for p in parsed.postings} == {"banco", "cliente_a", "receita"}
    await books.assert_verified()


async def test_same_key_same_entry_returns_the_first(books: Books, post: Post) -> None:
    await deposit(books, "cliente_a", "100.00")
    first = await post(move(books, "cliente_a", "cliente_b", "60.00", "pix:1"))
    again = await post(move(books, "cliente_a", "cliente_b", "60.00", "pix:1"))
    assert first.created and not again.created and again.id == first.id
    # a retry after the money moved on still returns the first entry, not INSUFFICIENT_FUNDS
    third = await post(move(books, "cliente_a", "cliente_b", "60.00", "pix:1"))
    assert third.id == first.id
    with pytest.raises(IdempotencyKeyReused) as err:
        await post(move(books, "cliente_a", "cliente_b", "10.00", "pix:1"))
    assert err.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert await books.posted("cliente_b") == D("60.00")
    assert await count(books, LedgerEntry) == 2
    await books.assert_verified()


@pytest.mark.parametrize(
    ("postings", "error"),
    [
        (
            lambda b: [Posting.debit(b["banco"], D(10)), Posting.credit(b["cliente_a"], D(9))],
            UnbalancedEntry,
        ),
        (lambda b: [Posting.debit(b["banco"], D(10))], InvalidEntry),
        (
            lambda b: [
                Posting.debit(b["banco"], D("0.001")),
                Posting.credit(b["cliente_a"], D("0.001")),
            ],
            InvalidAmount,
        ),
        (
            lambda b: [Posting.debit(b["banco"], D(-5)), Posting.credit(b["cliente_a"], D(-5))],
            InvalidAmount,
        ),
        (
            lambda b: [Posting.debit(b["banco"], 5.0), Posting.credit(b["cliente_a"], 5.0)],
            InvalidAmount,
        ),
        (
            lambda b: [
                Posting.debit(b["banco"], D(5), "USD"),
                Posting.credit(b["cliente_a"], D(5), "USD"),
            ],
            CurrencyMismatch,
        ),
        (
            lambda b: [Posting.debit(uuid.uuid4(), D(5)), Posting.credit(b["cliente_a"], D(5))],
            AccountNotFound,
        ),
        (
            lambda b: [Posting(b["banco"], D(5), "sideways"), Posting.credit(b["cliente_a"], D(5))],
            InvalidEntry,
        ),  # type: ignore[arg-type]
    ],
)
async def test_invalid_entries_are_refused_with_their_code(
    books: Books, post: Post, postings: Callable[[Books], list[Posting]], error: type
) -> None:
    with pytest.raises(error) as err:
        await post(EntryDraft(idempotency_key="bad", postings=postings(books)))
    assert isinstance(err.value, LedgerError) and err.value.code.isupper()
    assert await count(books, LedgerEntry) == 0


async def test_reserved_keys_and_other_books(runtime: Runtime, books: Books, post: Post) -> None:
    with pytest.raises(InvalidEntry):
        await post(move(books, "banco", "cliente_a", "1", "pending:mine"))
    other = await open_books(runtime.db, books.tenant_id, code="outro")
    with pytest.raises(LedgerMismatch):
        await post(
            EntryDraft(
                idempotency_key="x",
                postings=(
                    Posting.debit(books["banco"], D(1)),
                    Posting.credit(other["cliente_a"], D(1)),
                ),
            )
        )
    with pytest.raises(LedgerMismatch):
        await post(
            EntryDraft(
                idempotency_key="x",
                ledger_id=other.ledger_id,
                postings=(
                    Posting.debit(books["banco"], D(1)),
                    Posting.credit(books["cliente_a"], D(1)),
                ),
            )
        )
    # keys are per book: the same key in another book is another entry
    await post(move(books, "banco", "cliente_a", "1", "same"))
    await other.ledger.post(move(other, "banco", "cliente_a", "1", "same"))


async def test_no_overdraft_and_overdraft_limit(books: Books, post: Post) -> None:
    await deposit(books, "cliente_a", "100.00")
    with pytest.raises(InsufficientFunds) as err:
        await post(move(books, "cliente_a", "cliente_b", "100.01", "t1"))
    assert err.value.code == "INSUFFICIENT_FUNDS" and "cliente_a" in err.value.detail
    await post(move(books, "cliente_a", "cliente_b", "100.00", "t2"))
    assert await books.posted("cliente_a") == D(0)
    # cliente_c may go 100.00 below zero, not a cent more
    await post(move(books, "cliente_c", "cliente_b", "100.00", "t3"))
    assert await books.posted("cliente_c") == D("-100.00")
    with pytest.raises(InsufficientFunds):
        await post(move(books, "cliente_c", "cliente_b", "0.01", "t4"))
    # caixa is an asset with no overdraft: credits (cash out) may not exceed debits (cash in)
    with pytest.raises(InsufficientFunds):
        await post(move(books, "capital", "caixa", "1", "t5"))
    await post(move(books, "caixa", "capital", "1", "t6"))  # cash in, then out again
    await post(move(books, "capital", "caixa", "1", "t7"))
    await books.assert_verified()


async def test_linked_entries_succeed_or_fail_together(books: Books, post_linked: PostMany) -> None:
    await deposit(books, "cliente_a", "50.00")
    with pytest.raises(InsufficientFunds):
        await post_linked(
            [
                move(books, "cliente_a", "cliente_b", "50.00", "l1"),  # fine alone
                move(books, "cliente_a", "receita", "0.01", "l2"),  # then nothing is left
            ]
        )
    assert await books.posted("cliente_b") == D(0)
    results = await post_linked(
        [
            move(books, "cliente_a", "cliente_b", "40.00", "l1"),
            move(books, "cliente_b", "receita", "40.00", "l2"),  # uses what l1 brought
        ]
    )
    assert [r.created for r in results] == [True, True]
    assert await books.posted("receita") == D("40.00")
    replay = await post_linked(
        [
            move(books, "cliente_a", "cliente_b", "40.00", "l1"),
            move(books, "cliente_b", "receita", "40.00", "l2"),
        ]
    )
    assert [r.id for r in replay] == [r.id for r in results] and not replay[0].created
    with pytest.raises(IdempotencyKeyReused):  # half of the chain was applied elsewhere
        await post_linked(
            [
                move(books, "cliente_a", "cliente_b", "40.00", "l1"),
                move(books, "cliente_b", "receita", "1.00", "l3"),
            ]
        )
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        links = {(await ledger_service.get_entry(session, r.id)).link_id for r in results}
    assert len(links) == 1 and None not in links
    await books.assert_verified()


async def test_closed_accounts_refuse_postings(books: Books, post: Post) -> None:
    await deposit(books, "cliente_a", "10.00")
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        with pytest.raises(AccountNotEmpty):
            await ledger_service.close_account(session, books["cliente_a"])
    await post(move(books, "cliente_a", "receita", "10.00", "fee"))
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        closed = await ledger_service.close_account(session, books["cliente_a"])
    assert closed.closed
    with pytest.raises(AccountClosed) as err:
        await post(move(books, "banco", "cliente_a", "1.00", "late"))
    assert err.value.code == "ACCOUNT_CLOSED"
    # the retry of an entry applied before the close still answers with that entry
    again = await post(move(books, "cliente_a", "receita", "10.00", "fee"))
    assert not again.created
    await books.assert_verified()


async def test_overdraft_limit_changes(books: Books) -> None:
    await deposit(books, "cliente_c", "10.00")
    await books.ledger.post(move(books, "cliente_c", "receita", "60.00", "spend"))  # -50
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        with pytest.raises(LimitNotAllowed):
            await ledger_service.set_overdraft_limit(session, books["cliente_c"], D("49.99"))
        with pytest.raises(LimitNotAllowed):
            await ledger_service.set_overdraft_limit(session, books["banco"], D(0))
        info = await ledger_service.set_overdraft_limit(session, books["cliente_c"], D(50))
        assert info.overdraft_limit == D("50.00")
    with pytest.raises(InsufficientFunds):
        await books.ledger.post(move(books, "cliente_c", "receita", "0.01", "more"))
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        await ledger_service.set_overdraft_limit(session, books["cliente_c"], None)
    await books.ledger.post(move(books, "cliente_c", "receita", "1000.00", "more"))
    await books.assert_verified()


async def test_session_entry_rolls_back_with_the_caller(books: Books) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
            await ledger_service.post(session, move(books, "banco", "cliente_a", "5", "k"))
            raise Boom
    assert await count(books, LedgerEntry) == 0
    assert await count(books, LedgerPosting) == 0
    assert await books.posted("cliente_a") == D(0)
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


async def test_hot_account_spreads_over_shards_and_sums_on_read(books: Books) -> None:
    for i in range(40):
        await deposit(books, "cliente_a", "1.00", key=f"d{i}")
    assert await books.posted("banco") == D("40.00")
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        used = await session.scalar(
            select(func.count())
            .select_from(LedgerBalance)
            .where(LedgerBalance.account_id == books["banco"], LedgerBalance.debits_posted > 0)
        )
    assert used is not None and used > 1
    await books.assert_verified()


async def test_tenants_cannot_reach_each_other(runtime: Runtime, books: Books) -> None:
    await deposit(books, "cliente_a", "10.00")
    intruder = await new_tenant(runtime.db)
    theirs = await open_books(runtime.db, intruder)
    with pytest.raises(AccountNotFound):
        await Ledger(runtime.db, intruder).post(move(books, "cliente_a", "cliente_b", "1", "x"))
    with pytest.raises(AccountNotFound):  # mixing one of theirs with one of ours
        await theirs.ledger.post(
            EntryDraft(
                idempotency_key="y",
                postings=(
                    Posting.debit(theirs["banco"], D(1)),
                    Posting.credit(books["cliente_a"], D(1)),
                ),
            )
        )
    async with runtime.db.unit_of_work(tenant_id=intruder) as session:
        with pytest.raises(AccountNotFound):
            await ledger_service.balance(session, books["cliente_a"])
        with pytest.raises(AccountNotFound):
            await ledger_service.get_account(session, books["cliente_a"])
        with pytest.raises(LedgerError):
            await ledger_service.open_account(
                session, ledger_id=books.ledger_id, code="z", name="z", type="asset"
            )
    report = await theirs.verify()
    assert report.ok and report.entries == 0
    assert (await books.verify()).entries == 1


async def test_outbox_event_per_entry(books: Books) -> None:
    await deposit(books, "cliente_a", "3.00", key="a")
    await deposit(books, "cliente_b", "4.00", key="b")
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        rows = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()
    assert [orjson.loads(orjson.dumps(r.payload))["idempotency_key"] for r in rows] == ["a", "b"]
