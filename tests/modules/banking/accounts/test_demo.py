"""The demo loader fills tenant ``demo`` with holders and months of history, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lastro.core.ledger.verify import verify_ledgers
from lastro.modules.banking.accounts.demo import HOLDERS, demo
from lastro.modules.banking.accounts.models import BankAccount
from lastro.modules.banking.transfers.models import Transfer
from tests.conftest import login
from tests.modules.banking.accounts.support import API, Bank


async def test_demo_history_is_idempotent(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lastro.modules.banking.accounts.demo.MONTHS", 2)  # keep it quick
    runtime = bank.factory.runtime
    demo_tenant = await bank.factory.tenant("demo", modules=["banking"])
    await demo(runtime)
    await demo(runtime)
    async with runtime.db.session(tenant_id=demo_tenant.id, readonly=True) as session:
        assert await session.scalar(select(func.count()).select_from(BankAccount)) == len(HOLDERS)
        kinds = dict(
            (
                await session.execute(select(Transfer.type, func.count()).group_by(Transfer.type))
            ).all()
        )
    assert kinds.get("pix", 0) > 8 and kinds.get("ted", 0) >= 1
    report = await verify_ledgers(runtime.db, demo_tenant.id)
    assert report.ok, [p.message for p in report.problems]
    tokens = await login(bank.client, "cliente1@demo.example", "Demo@12345", tenant="demo")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    mine = (await bank.client.get(f"{API}/accounts", headers=headers)).json()["items"]
    assert len(mine) == 1
    st = await bank.client.get(
        f"{API}/accounts/{mine[0]['id']}/statement?limit=200", headers=headers
    )
    lines = st.json()["lines"]
    assert {line["kind"] for line in lines} >= {"deposit", "fee", "pix_out"}
    assert lines[0]["date"] < lines[-1]["date"]
