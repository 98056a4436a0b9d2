"""The consent register: grants, new versions, revocations — an append-only history."""

from __future__ import annotations

import httpx

from tests.conftest import Factory
from tests.core.lgpd.helpers import BASE, CPF, CPF_DIGITS


async def test_consent_history_is_append_only(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    body = {"cpf": CPF, "email": "Ana@Exemplo.com.br", "purpose": "marketing", "channel": "site"}
    r = await client.post(
        f"{BASE}/consents", headers=tenant.headers, json={**body, "text_version": "v1"}
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["subject_cpf"] == CPF_DIGITS and first["subject_email"] == "ana@exemplo.com.br"
    assert first["active"] is True and first["revoked_at"] is None

    # the same consent again is the same row
    r = await client.post(
        f"{BASE}/consents", headers=tenant.headers, json={**body, "text_version": "v1"}
    )
    assert r.status_code == 200 and r.json()["id"] == first["id"]

    # a new version of the text supersedes the previous grant
    r = await client.post(
        f"{BASE}/consents", headers=tenant.headers, json={**body, "text_version": "v2"}
    )
    assert r.status_code == 201
    second = r.json()
    old = (await client.get(f"{BASE}/consents/{first['id']}", headers=tenant.headers)).json()
    assert (
        old["active"] is False
        and old["revocation_reason"] == "Substituído por nova versão do termo"
    )

    r = await client.post(
        f"{BASE}/consents/{second['id']}/revoke",
        headers=tenant.headers,
        json={"channel": "app", "reason": "Pedido pelo aplicativo"},
    )
    assert r.status_code == 200
    assert r.json()["active"] is False and r.json()["revocation_channel"] == "app"
    r = await client.post(f"{BASE}/consents/{second['id']}/revoke", headers=tenant.headers, json={})
    assert r.status_code == 409 and r.json()["code"] == "CONSENT_ALREADY_REVOKED"

    # granting again after revocation adds a third row; the history keeps all three
    r = await client.post(
        f"{BASE}/consents", headers=tenant.headers, json={**body, "text_version": "v2"}
    )
    assert r.status_code == 201 and r.json()["id"] not in (first["id"], second["id"])
    await client.post(
        f"{BASE}/consents",
        headers=tenant.headers,
        json={"email": "outra@exemplo.com.br", "purpose": "marketing", "text_version": "v1"},
    )
    for query in (f"cpf={CPF_DIGITS}", "email=ANA@exemplo.com.br"):
        page = (await client.get(f"{BASE}/consents?{query}", headers=tenant.headers)).json()
        assert page["total"] == 3, query
        assert [i["active"] for i in page["items"]] == [True, False, False]
        assert [i["text_version"] for i in page["items"]] == ["v2", "v2", "v1"]
    everything = (await client.get(f"{BASE}/consents", headers=tenant.headers)).json()
    assert everything["total"] == 4

    audit = await client.get("/api/v1/audit?resource_type=lgpd_consent", headers=tenant.headers)
    actions = [i["action"] for i in audit.json()["items"]]
    assert actions.count("lgpd.consent.granted") == 4
    assert actions.count("lgpd.consent.revoked") == 2
    assert CPF_DIGITS not in audit.text and "ana@exemplo.com.br" not in audit.text
