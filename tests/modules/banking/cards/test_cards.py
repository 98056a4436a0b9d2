"""Cards through the HTTP API against the real ledger: issuing, the one-time code, PAN never
shown or logged, authorisations (approve, decline reasons, limits, hold / capture / reversal),
lost cards, key rotation, and the tenant-isolation walk."""

from __future__ import annotations

import asyncio
import logging
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from lastro.core.ledger.verify import verify_ledgers
from lastro.core.notifications.models import Notification
from lastro.core.runtime import Runtime
from lastro.infra.database import bind_platform
from lastro.modules.banking.cards import crypto, domain
from lastro.modules.banking.cards.jobs import rotate_keys
from lastro.modules.banking.cards.models import Card
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.modules.banking.accounts.support import API, Bank

C = f"{API}/cards"


async def _setup(
    bank: Bank, funds: str = "1000.00"
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    holder, headers = await bank.holder()
    account = await bank.account(holder=holder, funds=funds)
    r = await bank.client.post(C, json={"account_id": account["id"]}, headers=headers)
    assert r.status_code == 201, r.text
    return headers, account, r.json()


async def _pan(runtime: Runtime, card_id: str) -> str:
    async with runtime.db.session(platform=True, readonly=True) as session:
        card = await session.scalar(select(Card).where(Card.id == uuid.UUID(card_id)))
        assert card is not None
        cipher = crypto.cipher(production=False)
        return cipher.decrypt(
            card.pan_encrypted, tenant_id=card.tenant_id, card_id=card.id, field="pan"
        )


async def _code(runtime: Runtime) -> str:
    async with runtime.db.session(platform=True, readonly=True) as session:
        n = await session.scalar(
            select(Notification)
            .where(Notification.template_key == "banking.cards.verification_code")
            .order_by(Notification.created_at.desc())
            .limit(1)
        )
        assert n is not None
        return str(n.data["code"])


async def _authorize(bank: Bank, **body: Any) -> Any:
    body.setdefault("processor_ref", uuid.uuid4().hex)
    body.setdefault("merchant_name", "Supermercado Pão Dourado")
    body.setdefault("mcc", "5411")
    return await bank.client.post(f"{C}/authorizations", json=body, headers=bank.admin)


async def test_issue_list_and_details_with_one_time_code(bank: Bank, runtime: Runtime) -> None:
    headers, _account, card = await _setup(bank)
    pan = await _pan(runtime, card["id"])
    assert domain.is_luhn_valid(pan) and pan.startswith("52999900") and pan.endswith(card["last4"])
    assert card["masked"] == f"•••• {card['last4']}" and card["kind"] == "physical"
    listed = await bank.client.get(C, headers=headers)
    assert [c["id"] for c in listed.json()["items"]] == [card["id"]]
    assert (
        pan not in listed.text
        and pan not in (await bank.client.get(f"{C}/{card['id']}", headers=headers)).text
    )

    r = await bank.client.get(f"{C}/{card['id']}/details", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "VERIFICATION_CODE_REQUIRED"
    r = await bank.client.post(
        f"{C}/{card['id']}/verification-code", json={"channel": "sms"}, headers=headers
    )
    assert r.status_code == 201, r.text
    code = await _code(runtime)
    wrong = "000000" if code != "000000" else "111111"
    r = await bank.client.get(
        f"{C}/{card['id']}/details", headers={**headers, "X-Verification-Code": wrong}
    )
    assert r.status_code == 403 and r.json()["code"] == "INVALID_VERIFICATION_CODE"
    assert pan not in r.text
    r = await bank.client.get(
        f"{C}/{card['id']}/details", headers={**headers, "X-Verification-Code": code}
    )
    assert r.status_code == 200, r.text
    assert r.json()["pan"] == pan and len(r.json()["cvv"]) == 3
    assert r.headers["cache-control"] == "no-store"
    # single use
    r = await bank.client.get(
        f"{C}/{card['id']}/details", headers={**headers, "X-Verification-Code": code}
    )
    assert r.status_code == 403
    # only its hash is kept
    from lastro.modules.banking.cards.models import CardVerification

    async with runtime.db.session(platform=True, readonly=True) as session:
        hashes = (await session.scalars(select(CardVerification.code_hash))).all()
    assert hashes and all(code not in h for h in hashes)


async def test_five_wrong_codes_burn_the_code(bank: Bank, runtime: Runtime) -> None:
    headers, _, card = await _setup(bank)
    await bank.client.post(
        f"{C}/{card['id']}/verification-code", json={"channel": "email"}, headers=headers
    )
    code = await _code(runtime)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        r = await bank.client.get(
            f"{C}/{card['id']}/details", headers={**headers, "X-Verification-Code": wrong}
        )
        assert r.status_code == 403
    r = await bank.client.get(
        f"{C}/{card['id']}/details", headers={**headers, "X-Verification-Code": code}
    )
    assert r.status_code == 403


async def test_hold_capture_and_reversal_on_the_ledger(bank: Bank, runtime: Runtime) -> None:
    headers, account, card = await _setup(bank, "500.00")
    pan = await _pan(runtime, card["id"])
    r = await _authorize(bank, pan=pan, amount="120.50", mcc="5812", merchant_name="Restaurante")
    assert r.status_code == 201, r.text
    auth = r.json()
    assert auth["status"] == "approved" and auth["category"] == "alimentacao"
    assert await bank.balance(account["id"]) == Decimal("379.50")  # available: held
    # replaying the processor's reference answers the same authorisation
    again = await _authorize(
        bank, pan=pan, amount="120.50", mcc="5812", processor_ref=auth["processor_ref"]
    )
    assert again.json()["id"] == auth["id"]
    assert await bank.balance(account["id"]) == Decimal("379.50")

    r = await bank.client.post(
        f"{C}/authorizations/{auth['id']}/capture", json={"amount": "100.00"}, headers=bank.admin
    )
    assert r.status_code == 200 and r.json()["status"] == "captured"
    assert await bank.balance(account["id"]) == Decimal("400.00")  # the rest released
    r = await bank.client.post(
        f"{C}/authorizations/{auth['id']}/capture", json={"amount": "100.00"}, headers=bank.admin
    )
    assert r.status_code == 200  # idempotent
    r = await bank.client.post(f"{C}/authorizations/{auth['id']}/reversal", headers=bank.admin)
    assert r.status_code == 200 and r.json()["status"] == "reversed"
    assert await bank.balance(account["id"]) == Decimal("500.00")  # refunded

    # a hold released without capture
    r = await _authorize(bank, token=None, pan=pan, amount="80.00")
    held = r.json()
    assert await bank.balance(account["id"]) == Decimal("420.00")
    r = await bank.client.post(f"{C}/authorizations/{held['id']}/reversal", headers=bank.admin)
    assert r.json()["status"] == "reversed"
    assert await bank.balance(account["id"]) == Decimal("500.00")
    r = await bank.client.post(f"{C}/authorizations/{held['id']}/capture", headers=bank.admin)
    assert r.status_code == 409
    # the holder sees its purchases
    mine = (await bank.client.get(f"{C}/authorizations", headers=headers)).json()
    assert {a["id"] for a in mine["items"]} == {auth["id"], held["id"]}
    report = await verify_ledgers(runtime.db, bank.tenant.id)
    assert report.ok, report.problems


async def test_decline_reasons(
    bank: Bank, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers, account, card = await _setup(bank, "300.00")
    pan = await _pan(runtime, card["id"])

    r = await _authorize(bank, pan=pan, amount="300.01")
    assert r.status_code == 402 and r.json()["code"] == "INSUFFICIENT_BALANCE"
    assert r.json()["decline_reason"] == "INSUFFICIENT_BALANCE"

    r = await bank.client.patch(
        f"{C}/{card['id']}/limits", json={"daily_limit": "100.00"}, headers=headers
    )
    assert r.status_code == 200
    assert (await _authorize(bank, pan=pan, amount="60.00")).status_code == 201
    r = await _authorize(bank, pan=pan, amount="40.01")
    assert r.status_code == 402 and r.json()["code"] == "LIMIT_EXCEEDED"
    assert (await _authorize(bank, pan=pan, amount="40.00")).status_code == 201

    r = await bank.client.post(
        f"{C}/{card['id']}/block", json={"reason": "viagem"}, headers=headers
    )
    assert r.json()["status"] == "blocked"
    r = await _authorize(bank, pan=pan, amount="1.00")
    assert r.status_code == 403 and r.json()["code"] == "CARD_BLOCKED"
    r = await bank.client.post(f"{C}/{card['id']}/unblock", headers=headers)
    assert r.json()["status"] == "active"

    r = await _authorize(
        bank, pan=pan, amount="1.00", cvv="000" if True else None, exp_month=1, exp_year=1999
    )
    assert r.status_code == 403 and r.json()["code"] == "INVALID_CARD_DATA"

    async with runtime.db.unit_of_work(platform=True) as session:
        bind_platform(session)
        await session.execute(
            update(Card).where(Card.id == uuid.UUID(card["id"])).values(exp_month=1, exp_year=2020)
        )
    r = await _authorize(bank, pan=pan, amount="1.00")
    assert r.status_code == 403 and r.json()["code"] == "CARD_EXPIRED"

    declined = (
        await bank.client.get(
            f"{C}/authorizations", params={"status": "declined"}, headers=bank.admin
        )
    ).json()
    assert {a["decline_reason"] for a in declined["items"]} == {
        "INSUFFICIENT_BALANCE",
        "LIMIT_EXCEEDED",
        "CARD_BLOCKED",
        "INVALID_CARD_DATA",
        "CARD_EXPIRED",
    }
    unknown = await _authorize(bank, pan="4111111111111111", amount="1.00")
    assert unknown.status_code == 404 and "4111111111111111" not in unknown.text
    assert pan not in caplog.text and pan[:12] not in caplog.text
    assert await bank.balance(account["id"]) == Decimal("200.00")


async def test_concurrent_authorizations_respect_the_limit(
    bank: Bank, runtime: Runtime, db_backend: str
) -> None:
    if db_backend != "postgres":
        pytest.skip("true concurrency needs PostgreSQL")
    headers, account, card = await _setup(bank, "1000.00")
    pan = await _pan(runtime, card["id"])
    r = await bank.client.patch(
        f"{C}/{card['id']}/limits", json={"daily_limit": "100.00"}, headers=headers
    )
    assert r.status_code == 200
    results = await asyncio.gather(*(_authorize(bank, pan=pan, amount="30.00") for _ in range(10)))
    codes = sorted(r.status_code for r in results)
    assert codes == [201] * 3 + [402] * 7
    assert {r.json()["code"] for r in results if r.status_code == 402} == {"LIMIT_EXCEEDED"}
    assert await bank.balance(account["id"]) == Decimal("910.00")
    assert (await verify_ledgers(runtime.db, bank.tenant.id)).ok


async def test_report_lost_replaces_the_card(bank: Bank, runtime: Runtime) -> None:
    headers, _, card = await _setup(bank)
    pan = await _pan(runtime, card["id"])
    r = await bank.client.post(
        f"{C}/{card['id']}/report-lost", json={"reason": "roubado"}, headers=headers
    )
    assert r.status_code == 200, r.text
    old, new = r.json()["card"], r.json()["replacement"]
    assert old["status"] == "lost" and old["replaced_by_id"] == new["id"]
    assert new["status"] == "active" and new["replaces_id"] == card["id"]
    assert await _pan(runtime, new["id"]) != pan
    again = await bank.client.post(f"{C}/{card['id']}/report-lost", json={}, headers=headers)
    assert again.json()["replacement"]["id"] == new["id"]
    r = await _authorize(bank, pan=pan, amount="1.00")
    assert r.status_code == 403 and r.json()["code"] == "CARD_BLOCKED"
    r = await bank.client.post(f"{C}/{card['id']}/unblock", headers=headers)
    assert r.status_code == 409


async def test_virtual_card_own_limit_and_expiry(bank: Bank, runtime: Runtime) -> None:
    holder, headers = await bank.holder()
    account = await bank.account(holder=holder, funds="900.00")
    r = await bank.client.post(
        f"{C}/virtual",
        json={"account_id": account["id"], "limit": "150.00", "nickname": "Assinaturas"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    v = r.json()
    assert v["kind"] == "virtual" and Decimal(v["monthly_limit"]) == Decimal("150.00")
    r = await _authorize(
        bank, token=None, pan=await _pan(runtime, v["id"]), amount="150.01", mcc="5815"
    )
    assert r.status_code == 402 and r.json()["code"] == "LIMIT_EXCEEDED"
    r = await bank.client.post(
        f"{C}/virtual",
        json={"account_id": account["id"], "limit": "10", "valid_until": "2000-01-01"},
        headers=headers,
    )
    assert r.status_code == 422
    # holders cannot raise limits above the tenant's default
    r = await bank.client.post(
        C, json={"account_id": account["id"], "daily_limit": "999999"}, headers=headers
    )
    assert r.status_code == 422
    # another holder cannot issue on this account
    _, other = await bank.holder()
    r = await bank.client.post(C, json={"account_id": account["id"]}, headers=other)
    assert r.status_code == 404


async def test_key_rotation_job(
    bank: Bank, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, card = await _setup(bank)
    pan = await _pan(runtime, card["id"])
    dev_key = crypto._DEV_KEY
    new_key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    monkeypatch.setenv("LASTRO_BANKING_CARD_KEYS", f'{{"dev": "{dev_key}", "k2": "{new_key}"}}')
    try:
        assert await rotate_keys(runtime.db, production=False) == 1
        assert await rotate_keys(runtime.db, production=False) == 0
        async with runtime.db.session(platform=True, readonly=True) as session:
            row = await session.scalar(select(Card).where(Card.id == uuid.UUID(card["id"])))
            assert row is not None and row.key_id == "k2" and row.pan_encrypted.startswith("k2:")
        only_new = crypto.build_cipher(
            crypto.CardKeySettings(keys={"k2": new_key}, lookup_key=None), production=True
        )
        assert (
            only_new.decrypt(
                row.pan_encrypted, tenant_id=row.tenant_id, card_id=row.id, field="pan"
            )
            == pan
        )
        # the processor still finds the card by its number
        r = await _authorize(bank, pan=pan, amount="1.00")
        assert r.status_code == 201, r.text
    finally:
        monkeypatch.delenv("LASTRO_BANKING_CARD_KEYS")
        crypto.reset()


async def test_tenant_isolation(bank: Bank, runtime: Runtime) -> None:
    headers, _, card = await _setup(bank)
    pan = await _pan(runtime, card["id"])
    auth = (await _authorize(bank, pan=pan, amount="5.00")).json()
    other = await bank.factory.tenant(modules=["banking"])
    # the other tenant's processor cannot authorise on this card either
    r = await bank.client.post(
        f"{C}/authorizations",
        json={
            "processor_ref": "x1",
            "pan": pan,
            "amount": "1.00",
            "merchant_name": "X",
            "mcc": "5411",
        },
        headers=other.headers,
    )
    assert r.status_code == 404
    # the owner's walk opens the details once: staff ask for a code like anyone else
    r = await bank.client.post(f"{C}/{card['id']}/verification-code", json={}, headers=bank.admin)
    assert r.status_code == 201
    owner = {**bank.admin, "X-Verification-Code": await _code(runtime)}
    app = bank.client._transport.app  # type: ignore[attr-defined]
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=bank.client,
            owner_headers=owner,
            intruder_headers=other.headers,
            resources={"card_id": card["id"], "authorization_id": auth["id"]},
            bodies={("PATCH", "/api/v1/banking/cards/{card_id}/limits"): {"daily_limit": "1.00"}},
            only_prefixes=("/api/v1/banking/cards",),
        )
    )
    assert "GET /api/v1/banking/cards/{card_id}/details" in report.checked
    assert (await bank.client.get(f"{C}/{card['id']}", headers=headers)).json()[
        "status"
    ] == "active"


async def test_lapsed_holds_stop_counting_against_limits(bank: Bank, runtime: Runtime) -> None:
    from datetime import timedelta

    from lastro.kit.clock import utcnow
    from lastro.modules.banking.cards import service

    headers, _, card = await _setup(bank, "1000.00")
    pan = await _pan(runtime, card["id"])
    await bank.client.patch(
        f"{C}/{card['id']}/limits", json={"daily_limit": "50.00"}, headers=headers
    )
    held = (await _authorize(bank, pan=pan, amount="50.00")).json()
    assert (await _authorize(bank, pan=pan, amount="1.00")).json()["code"] == "LIMIT_EXCEEDED"
    async with runtime.db.unit_of_work(tenant_id=bank.tenant.id) as session:
        assert await service.expire_stale(session) == 0
        assert await service.expire_stale(session, now=utcnow() + timedelta(days=8)) == 1
    r = await bank.client.get(f"{C}/authorizations/{held['id']}", headers=headers)
    assert r.json()["status"] == "expired"
    r = await bank.client.post(f"{C}/authorizations/{held['id']}/capture", headers=bank.admin)
    assert r.status_code == 409
    assert (await _authorize(bank, pan=pan, amount="1.00")).status_code == 201


async def test_bin_is_a_tenant_setting(bank: Bank, runtime: Runtime) -> None:
    r = await bank.client.patch(
        "/api/v1/settings/banking", json={"cards_bin": "65165200"}, headers=bank.admin
    )
    assert r.status_code == 200, r.text
    _, _, card = await _setup(bank)
    pan = await _pan(runtime, card["id"])
    assert pan.startswith("65165200") and domain.is_luhn_valid(pan)
    assert card["brand"] == "elo"
    r = await bank.client.patch(
        "/api/v1/settings/banking", json={"cards_bin": "12ab"}, headers=bank.admin
    )
    assert r.status_code == 422
