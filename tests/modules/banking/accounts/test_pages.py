"""The holder's and the back office's pages render real data; the transfer form moves money."""

from __future__ import annotations

import re
from decimal import Decimal

from tests.modules.banking.accounts.support import Bank


def _as(bank: Bank, headers: dict[str, str]) -> None:
    bank.client.cookies.clear()
    bank.client.cookies.set("lastro_access", headers["Authorization"].split(" ", 1)[1])


async def test_holder_pages_and_transfer_form(bank: Bank) -> None:
    holder, headers = await bank.holder()
    a = await bank.account(holder=holder, funds="120.00", name="Carla Dias")
    b = await bank.account(name="Pedro Alves")
    _as(bank, headers)
    home = await bank.client.get("/banking")
    assert home.status_code == 200 and "Olá" in home.text
    assert "R$ 120,00" in home.text and 'data-testid="balance-chart"' in home.text
    detail = await bank.client.get(f"/banking/contas/{a['id']}")
    assert detail.status_code == 200 and "Depósito por boleto" in detail.text
    # someone else's account is not shown
    other = await bank.client.get(f"/banking/contas/{b['id']}", follow_redirects=False)
    assert other.status_code == 303
    form = await bank.client.get("/banking/transferencias/nova?tipo=p2p")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    sent = await bank.client.post(
        "/banking/transferencias/nova",
        data={
            "csrf": csrf.group(1),
            "tipo": "p2p",
            "account_id": a["id"],
            "amount": "20,50",
            "to_agency": b["agency"],
            "to_account": f"{b['number']}-{b['check_digit']}",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303 and "ok=" in sent.headers["location"], sent.headers
    assert await bank.balance(b["id"]) == Decimal("20.50")
    listed = await bank.client.get("/banking/transferencias")
    assert "Pedro Alves" in listed.text
    bank.client.cookies.clear()


async def test_backoffice_pages(bank: Bank) -> None:
    a = await bank.account(funds="10.00", name="Empresa Teste")
    _as(bank, bank.admin)
    home = await bank.client.get("/banking")
    assert home.status_code == 200 and 'data-testid="backoffice-summary"' in home.text
    found = await bank.client.get("/banking/contas?q=Empresa")
    assert "Empresa Teste" in found.text
    detail = await bank.client.get(f"/banking/contas/{a['id']}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', detail.text)
    assert csrf is not None
    r = await bank.client.post(
        f"/banking/contas/{a['id']}/acao",
        data={"csrf": csrf.group(1), "action": "freeze", "reason": "análise"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "ok=" in r.headers["location"]
    assert "Bloqueada" in (await bank.client.get(f"/banking/contas/{a['id']}")).text
    bank.client.cookies.clear()


async def test_statement_files(bank: Bank) -> None:
    a = await bank.account(funds="33.33")
    url = f"/api/v1/banking/accounts/{a['id']}"
    csv = await bank.client.get(f"{url}/statement?format=csv", headers=bank.admin)
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert "33,33" in csv.text and "Depósito por boleto" in csv.text
    pdf = await bank.client.get(f"{url}/statement?format=pdf", headers=bank.admin)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from lastro.kit.clock import today_sp

    year = today_sp().year
    report = await bank.client.get(f"{url}/income-report?year={year}", headers=bank.admin)
    assert report.status_code == 200 and report.content.startswith(b"%PDF")
