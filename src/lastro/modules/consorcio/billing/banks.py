"""From a collecting account and a nosso-número sequence to the boleto's free field, barcode,
linha digitável and the dynamic PIX BR Code (pure, no I/O).

Each bank has its own free-field layout (``lastro.br.boleto_banks``) and its own room for the
nosso número; :data:`CAPACITY` says how many digits the sequence may use per bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lastro.br.boleto import build_boleto
from lastro.br.boleto_banks import (
    BancoBrasilConvenio6,
    BancoBrasilConvenio7,
    BankFreeField,
    Bradesco,
    Caixa,
    Itau,
    Santander,
    Sicoob,
)
from lastro.br.cnab import Beneficiario
from lastro.br.pix import BrCode, dynamic_br_code
from lastro.modules.consorcio.billing.errors import (
    InvalidCollectingAccount,
    NossoNumeroExhausted,
)

SUPPORTED_BANKS: dict[str, str] = {
    "001": "Banco do Brasil",
    "033": "Santander",
    "104": "Caixa Econômica Federal",
    "237": "Bradesco",
    "341": "Itaú Unibanco",
    "756": "Sicoob",
}


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What issuing needs from a collecting account (a plain snapshot of the row)."""

    bank_code: str
    agencia: str
    conta: str
    convenio: str
    carteira: str
    beneficiary_name: str
    beneficiary_document: str
    beneficiary_city: str
    pix_location_base: str
    agencia_dv: str = ""
    conta_dv: str = ""
    bank_name: str = ""


@dataclass(frozen=True, slots=True)
class IssuedDocs:
    nosso_numero: str
    nosso_numero_dv: str
    nosso_numero_formatado: str
    barcode: str
    linha_digitavel: str
    pix_payload: str


def capacity(account: AccountInfo) -> int:
    """The largest sequence the bank's nosso número can hold for this account."""
    digits: int = {
        "001": 10 if len(account.convenio) >= 7 else 5,
        "033": 12,
        "104": 15,
        "237": 11,
        "341": 8,
        "756": 7,
    }[account.bank_code]
    return int(10**digits - 1)


def layout(account: AccountInfo, sequence: int) -> BankFreeField:
    """The bank's free field for nosso número ``sequence``."""
    if sequence < 1 or sequence > capacity(account):
        raise NossoNumeroExhausted(
            f"O nosso número {sequence} não cabe no layout do banco {account.bank_code} "
            f"(máximo {capacity(account)}); cadastre outra carteira ou convênio."
        )
    n = str(sequence)
    match account.bank_code:
        case "001":
            if len(account.convenio) >= 7:
                return BancoBrasilConvenio7(account.convenio, n, account.carteira or "17")
            return BancoBrasilConvenio6(
                account.convenio, n, account.agencia[-4:], account.conta, account.carteira or "18"
            )
        case "033":
            return Santander(account.convenio, n, account.carteira or "101")
        case "104":
            return Caixa(account.convenio, n)
        case "237":
            return Bradesco(account.agencia[-4:], account.carteira or "09", n, account.conta)
        case "341":
            return Itau(account.carteira or "109", n, account.agencia[-4:], account.conta)
        case "756":
            return Sicoob(account.agencia[-4:], account.convenio, n, account.carteira or "1")
    raise InvalidCollectingAccount(f"Banco {account.bank_code} não suportado para boletos.")


def validate_account(account: AccountInfo) -> None:
    """Refuse an account the bank layout or the BR Code cannot carry (a trial issue)."""
    if account.bank_code not in SUPPORTED_BANKS:
        raise InvalidCollectingAccount(
            f"Banco {account.bank_code} não suportado; use um de "
            f"{', '.join(sorted(SUPPORTED_BANKS))}.",
            extra={"field": "bank_code"},
        )
    try:
        issue(account, 1, date(2026, 1, 5), Decimal("1.00"), "0" * 32)
    except NossoNumeroExhausted:
        raise
    except InvalidCollectingAccount:
        raise
    except Exception as exc:  # a BrFormatError naming the bad field
        detail = getattr(exc, "detail", str(exc))
        raise InvalidCollectingAccount(f"Conta de cobrança inválida: {detail}") from None


def pix_code(account: AccountInfo, txid: str, amount: Decimal) -> BrCode:
    """A dynamic BR Code (cobv): the payer's app reads the charge at ``<location>/<txid>``."""
    return dynamic_br_code(
        f"{account.pix_location_base.rstrip('/')}/{txid}",
        account.beneficiary_name[:25],
        account.beneficiary_city[:15],
        amount,
    )


def _formatted(free: BankFreeField, nn: str, dv: str) -> str:
    """``nosso_numero_formatado`` without recomputing the check digit (each layout's
    property does; this is the hot path of a billing run)."""
    if isinstance(free, Itau | Bradesco):
        return f"{free.carteira}/{nn}-{dv}"
    if isinstance(free, BancoBrasilConvenio7):
        return nn
    return f"{nn}-{dv}"


def issue(
    account: AccountInfo, sequence: int, due_date: date, amount: Decimal, txid: str
) -> IssuedDocs:
    """Boleto (free field → barcode → linha digitável) and PIX payload for one charge."""
    free = layout(account, sequence)
    boleto = build_boleto(account.bank_code, due_date, amount, free.free_field)
    nn, dv = free.nosso_numero, free.nosso_numero_dv
    return IssuedDocs(
        nosso_numero=nn,
        nosso_numero_dv=dv,
        nosso_numero_formatado=_formatted(free, nn, dv),
        barcode=boleto.barcode,
        linha_digitavel=boleto.linha_digitavel,
        pix_payload=pix_code(account, txid, amount).render(),
    )


def beneficiario(account: AccountInfo) -> Beneficiario:
    """The account as CNAB headers know it."""
    return Beneficiario(
        bank_code=account.bank_code,
        document=account.beneficiary_document,
        name=account.beneficiary_name[:30],
        agencia=account.agencia,
        conta=account.conta,
        agencia_dv=account.agencia_dv,
        conta_dv=account.conta_dv,
        convenio=account.convenio,
        bank_name=(account.bank_name or SUPPORTED_BANKS.get(account.bank_code, ""))[:30],
        carteira=account.carteira,
    )
