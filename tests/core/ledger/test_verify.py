"""``verify`` finds every kind of damage, and ``lastro ledger verify`` reports it in pt-BR."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from lastro.cli import app
from lastro.core.ledger.calls import transfer_draft
from lastro.core.platform.models import Tenant
from lastro.infra.database import create_engine
from lastro.settings import get_settings
from tests.conftest import DatabaseUrls
from tests.core.ledger.conftest import Books

D = Decimal


async def owner_sql(urls: DatabaseUrls, *statements: str) -> None:
    """Tamper as the table owner: no tenancy guard, no RLS (superuser on PostgreSQL)."""
    engine = create_engine(urls.owner)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


def hexid(value: uuid.UUID, backend: str) -> str:
    return f"'{value}'" if backend == "postgres" else f"'{value.hex}'"


async def activity(books: Books) -> None:
    await books.ledger.post(
        transfer_draft(
            debit=books["banco"],
            credit=books["cliente_a"],
            amount=D("100.00"),
            idempotency_key="dep",
        )
    )
    await books.ledger.post(
        transfer_draft(
            debit=books["cliente_a"],
            credit=books["cliente_b"],
            amount=D("40.00"),
            idempotency_key="pix",
        )
    )
    await books.ledger.post(
        transfer_draft(
            debit=books["cliente_b"],
            credit=books["receita"],
            amount=D("10.00"),
            idempotency_key="h",
            pending=True,
        )
    )


@pytest.fixture
def cli_env(database_urls: DatabaseUrls, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LASTRO_DATABASE_URL", database_urls.app)
    monkeypatch.setenv("LASTRO_MIGRATION_DATABASE_URL", database_urls.owner)
    monkeypatch.setenv("LASTRO_SECRET_KEY", "test-secret-key-for-lastro-suite-0123456789")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def slug_of(books: Books) -> str:
    async with books.db.unit_of_work(platform=True) as session:
        tenant = await session.get(Tenant, books.tenant_id)
        assert tenant is not None
        return tenant.slug


async def test_clean_books_verify(books: Books) -> None:
    await activity(books)
    report = await books.assert_verified()
    assert (report.entries, report.postings, report.accounts) == (3, 6, 7)


@pytest.mark.parametrize(
    ("damage", "expect"),
    [
        (
            "UPDATE ledger_balances SET credits_posted = credits_posted + 1 WHERE account_id = {a}",
            "saldo gravado difere",
        ),
        (
            "UPDATE ledger_postings SET amount = amount + 1 WHERE account_id = {a} AND amount > 0",
            "não fecha",
        ),
        (
            "DELETE FROM ledger_postings WHERE account_id = {b} AND amount < 0",
            "aplicado pela metade",
        ),
        (
            "UPDATE ledger_balances SET debits_posted = debits_posted + 100000 "
            "WHERE account_id = {b}",
            "limite violado",
        ),
        ("UPDATE ledger_accounts SET status = 'closed' WHERE id = {a}", "encerrada"),
        ("UPDATE ledger_balances SET overdraft_limit = NULL WHERE account_id = {a}", "limite"),
        ("UPDATE ledger_postings SET currency = 'USD' WHERE account_id = {a}", "em USD"),
        ("DELETE FROM ledger_entries WHERE idempotency_key = 'pix'", "lançamento inexistente"),
    ],
)
async def test_verify_reports_damage(
    books: Books, database_urls: DatabaseUrls, db_backend: str, damage: str, expect: str
) -> None:
    await activity(books)
    await owner_sql(
        database_urls,
        damage.format(
            a=hexid(books["cliente_a"], db_backend), b=hexid(books["cliente_b"], db_backend)
        ),
    )
    report = await books.verify()
    assert not report.ok
    messages = " | ".join(p.message for p in report.problems)
    assert expect in messages, messages
    assert all(p.tenant_id == books.tenant_id for p in report.problems)


async def test_cli_verify(
    books: Books, database_urls: DatabaseUrls, db_backend: str, cli_env: None
) -> None:
    await activity(books)
    slug = await slug_of(books)
    runner = CliRunner()
    ok = await _invoke(runner, ["ledger", "verify", "--tenant", slug])
    assert ok.exit_code == 0, ok.output
    assert "OK: 3 lançamentos" in ok.output
    everyone = await _invoke(runner, ["ledger", "verify"])
    assert everyone.exit_code == 0 and "todos os clientes" in everyone.output
    missing = await _invoke(runner, ["ledger", "verify", "--tenant", "nao-existe"])
    assert missing.exit_code == 2
    await owner_sql(
        database_urls,
        "UPDATE ledger_balances SET debits_posted = debits_posted + 7 "  # noqa: S608 - test
        f"WHERE account_id = {hexid(books['cliente_b'], db_backend)}",
    )
    bad = await _invoke(runner, ["ledger", "verify", "--tenant", slug])
    assert bad.exit_code == 1
    assert f"[{slug}] conta cliente_b" in bad.output and "FALHA: " in bad.output


async def _invoke(runner: CliRunner, args: list[str]) -> object:
    """The command runs its own event loop: run it in a thread off the test's loop."""
    import asyncio

    return await asyncio.to_thread(runner.invoke, app, args)
