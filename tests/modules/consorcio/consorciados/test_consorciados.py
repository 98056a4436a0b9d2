"""Consorciados: CPF and CNPJ (alphanumeric too) validated and unique per tenant, CEP, PIX key,
bank account; bad input is problem+json with a stable code; LGPD consent and data-subject
requests."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from lastro.br.documents import format_cnpj, format_cpf
from lastro.contracts.lgpd import DataSubject, sources
from lastro.core.lgpd.models import Consent
from lastro.core.runtime import Runtime
from tests.conftest import Factory
from tests.modules.consorcio.groups.support import (
    cnpj,
    cpf,
    create_consorciado,
    create_group,
    sell,
    tenant,
)

API = "/api/v1/consorcio/consorciados"


def _problem(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code, r.json()


async def test_person_and_company_documents(client: httpx.AsyncClient, factory: Factory) -> None:
    t = await tenant(factory)
    doc = cpf()
    person = await create_consorciado(client, t, document=format_cpf(doc), pix_key=doc)
    assert person["kind"] == "pf" and person["document"] == doc
    assert person["document_formatted"] == format_cpf(doc)
    assert person["pix_key"] == doc and person["pix_key_type"] == "cpf"
    assert person["cep"] == "01310100" and person["mobile"] == "11987654321"
    assert person["lgpd_consent"] is True and person["lgpd_consent_at"]

    alnum = cnpj(alphanumeric=True)
    company = await create_consorciado(
        client,
        t,
        document=format_cnpj(alnum).lower(),
        name="Transportes Andrade Ltda",
        trade_name="Andrade Log",
        pix_key="financeiro@andrade.example",
        bank_account={"bank_code": "341", "branch": "1234", "account": "567890", "digit": "1"},
    )
    assert company["kind"] == "pj" and company["document"] == alnum
    assert company["bank_code"] == "341" and company["bank_account_type"] == "corrente"
    numeric = await create_consorciado(client, t, kind="pj", document=cnpj(), name="Alfa SA")
    assert numeric["kind"] == "pj"

    # the same document, formatted differently, is the same person
    r = await client.post(API, headers=t.headers, json={"document": doc, "name": "Outra Pessoa"})
    _problem(r, 409, "CONSORCIADO_DOCUMENT_TAKEN")
    # another tenant may register the same person
    other = await tenant(factory)
    await create_consorciado(client, other, document=doc)


async def test_bad_input_is_a_problem_with_a_code(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    t = await tenant(factory)
    good = cpf()
    bad_cpf = good[:9] + str((int(good[9]) + 1) % 10) + good[10]
    cases = [
        ({"document": bad_cpf, "name": "Fulano"}, 422, "INVALID_CPF"),
        ({"document": "111.111.111-11", "name": "Fulano"}, 422, "INVALID_CPF"),
        ({"document": "12.ABC.345/01DE-00", "name": "Empresa"}, 422, "INVALID_CNPJ"),
        ({"kind": "pj", "document": good, "name": "Empresa"}, 422, "INVALID_CNPJ"),
        ({"document": cpf(), "name": "Fulano", "address": {"cep": "0131-100"}}, 422, "INVALID_CEP"),
        (
            {"document": cpf(), "name": "Fulano", "pix_key": "+1555123"},
            422,
            "PIX_KEY_INVALID_PHONE",
        ),
        ({"document": cpf(), "name": "Fulano", "email": "não-é-email"}, 422, "VALIDATION_ERROR"),
        ({"document": cpf(), "name": "Fulano", "mobile": "123"}, 422, "INVALID_CONSORCIADO"),
        ({"document": cpf(), "name": "Fulano", "unknown": 1}, 422, "VALIDATION_ERROR"),
        ({"document": cpf(), "name": "Fulano", "monthly_income": "-1"}, 422, "VALIDATION_ERROR"),
        (
            {
                "document": cpf(),
                "name": "Fulano",
                "bank_account": {"bank_code": "34", "branch": "1", "account": "1"},
            },
            422,
            "INVALID_BANK_ACCOUNT",
        ),
        (
            {"document": cpf(), "name": "Fulano", "address": {"cep": "01310100", "state": "XX"}},
            422,
            "INVALID_CONSORCIADO",
        ),
        (
            {"document": cnpj(), "name": "Empresa", "spouse_document": cpf()},
            422,
            "INVALID_CONSORCIADO",
        ),
    ]
    for body, status, code in cases:
        _problem(await client.post(API, headers=t.headers, json=body), status, code)
    r = await client.post(
        API, headers={**t.headers, "content-type": "application/json"}, content=b"{oops"
    )
    _problem(r, 400, "MALFORMED_JSON")
    assert (await client.get(API, headers=t.headers)).json()["total"] == 0


async def test_update_list_and_detail(client: httpx.AsyncClient, factory: Factory) -> None:
    t = await tenant(factory)
    a = await create_consorciado(client, t, name="Ana Beatriz Souza")
    b = await create_consorciado(client, t, name="Bruno Lima", pep=True)
    r = await client.patch(
        f"{API}/{a['id']}",
        headers=t.headers,
        json={
            "pix_key": "ana@example.com",
            "address": {"cep": "20040-020", "city": "Rio", "state": "rj"},
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["pix_key_type"] == "email" and r.json()["state"] == "RJ"
    r = await client.patch(f"{API}/{a['id']}", headers=t.headers, json={"document": cpf()})
    _problem(r, 422, "VALIDATION_ERROR")
    r = await client.patch(
        f"{API}/{a['id']}", headers=t.headers, json={"spouse_document": a["document"]}
    )
    _problem(r, 422, "INVALID_CONSORCIADO")

    listed = (await client.get(f"{API}?q=souza", headers=t.headers)).json()
    assert [i["id"] for i in listed["items"]] == [a["id"]]
    by_doc = (await client.get(f"{API}?q={b['document'][:6]}", headers=t.headers)).json()
    assert b["id"] in [i["id"] for i in by_doc["items"]]
    peps = (await client.get(f"{API}?pep=true", headers=t.headers)).json()
    assert [i["id"] for i in peps["items"]] == [b["id"]]
    paged = (await client.get(f"{API}?limit=1&page=2", headers=t.headers)).json()
    assert paged["total"] == 2 and len(paged["items"]) == 1

    g = await create_group(client, t)
    assert (await sell(client, t, g["id"], a["id"])).status_code == 201
    detail = (await client.get(f"{API}/{a['id']}", headers=t.headers)).json()
    assert len(detail["quotas"]) == 1 and detail["quotas"][0]["number"] == 1
    r = await client.get(f"{API}/{uuid.uuid4()}", headers=t.headers)
    _problem(r, 404, "CONSORCIADO_NOT_FOUND")


async def test_lgpd_consent_register_and_data_subject_requests(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    holder = await create_consorciado(client, t, email="holder@example.com")
    lone = await create_consorciado(client, t, email="lone@example.com", lgpd_consent=False)
    g = await create_group(client, t)
    assert (await sell(client, t, g["id"], holder["id"])).status_code == 201
    async with runtime.db.session(tenant_id=t.id, readonly=True) as session:
        consents = list((await session.scalars(select(Consent))).all())
    assert [c.subject_cpf for c in consents] == [holder["document"]]
    assert consents[0].purpose == "consorcio.cadastro"
    r = await client.patch(f"{API}/{holder['id']}", headers=t.headers, json={"lgpd_consent": False})
    assert r.status_code == 200 and r.json()["lgpd_consent"] is False
    async with runtime.db.session(tenant_id=t.id, readonly=True) as session:
        assert (await session.scalar(select(Consent))).revoked_at is not None  # type: ignore[union-attr]

    source = next(s for s in sources() if s.name == "consorcio")
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        records = await source.collect(session, DataSubject(cpf=holder["document"]))
        assert len(records) == 1 and not records[0].erasable
        assert records[0].data["quotas"][0]["number"] == 1  # type: ignore[index]
        by_email = await source.collect(session, DataSubject(email="LONE@example.com"))
        assert by_email[0].data["id"] == lone["id"] and by_email[0].erasable
        kept = await source.erase(session, DataSubject(cpf=holder["document"]))
        erased = await source.erase(session, DataSubject(email="lone@example.com"))
    assert (kept.kept, kept.erased) == (1, 0) and kept.kept_reasons
    assert erased.erased == 1
    assert (await client.get(f"{API}/{lone['id']}", headers=t.headers)).status_code == 404
    assert (await client.get(f"{API}/{holder['id']}", headers=t.headers)).status_code == 200
