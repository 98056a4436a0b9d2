"""Pure card rules: Luhn, PAN generation on a BIN, brand detection, masking, expiry, and the
merchant category code (MCC) → spending category map that analytics and budgets use."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Final

PAN_LENGTH: Final = 16


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass Luhn."""
    if not partial.isdigit():
        raise ValueError("PAN digits only")
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:  # these become the doubled positions once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_luhn_valid(pan: str) -> bool:
    return len(pan) >= 2 and pan.isdigit() and luhn_check_digit(pan[:-1]) == pan[-1]


def generate_pan(bin_prefix: str, length: int = PAN_LENGTH) -> str:
    """A random PAN on ``bin_prefix`` with a valid Luhn digit (cryptographic randomness: PANs
    must not be guessable from one another)."""
    if not bin_prefix.isdigit() or not 6 <= len(bin_prefix) <= 11 or length <= len(bin_prefix):
        raise ValueError("BIN must be 6 to 11 digits, shorter than the PAN")
    body = bin_prefix + "".join(
        str(secrets.randbelow(10)) for _ in range(length - len(bin_prefix) - 1)
    )
    return body + luhn_check_digit(body)


def generate_cvv() -> str:
    return f"{secrets.randbelow(1000):03d}"


_ELO_SINGLE = frozenset(
    {
        "401178",
        "401179",
        "431274",
        "438935",
        "451416",
        "457393",
        "457631",
        "457632",
        "504175",
        "627780",
        "636297",
        "636368",
    }
)
_ELO_RANGES = (
    (506699, 506778),
    (509000, 509999),
    (650031, 650033),
    (650035, 650051),
    (650405, 650439),
    (650485, 650538),
    (650541, 650598),
    (650700, 650718),
    (650720, 650727),
    (650901, 650920),
    (651652, 651679),
    (655000, 655019),
    (655021, 655058),
)


def brand_of(pan_or_bin: str) -> str:
    """Elo first (it owns some 4xxxxx and 65xxxx BINs), then Visa, Mastercard, Hipercard."""
    six = pan_or_bin[:6]
    if len(six) == 6 and six.isdigit():
        n = int(six)
        if six in _ELO_SINGLE or any(lo <= n <= hi for lo, hi in _ELO_RANGES):
            return "elo"
        if six == "606282":
            return "hipercard"
        if 222100 <= n <= 272099 or 510000 <= n <= 559999:
            return "mastercard"
    if pan_or_bin.startswith("4"):
        return "visa"
    return "other"


def mask(last4: str) -> str:
    """What lists and logs show: never more than the last four digits."""
    return f"•••• {last4}"


def expiry_for(issued: date, years: int) -> tuple[int, int]:
    return issued.month, issued.year + years


def is_expired(exp_month: int, exp_year: int, today: date) -> bool:
    """A card is valid through the last day of its expiry month."""
    return (today.year, today.month) > (exp_year, exp_month)


# -- merchant category codes -----------------------------------------------------------------

CATEGORY_LABELS: Final[dict[str, str]] = {
    "alimentacao": "Alimentação",
    "supermercado": "Supermercado",
    "transporte": "Transporte",
    "combustivel": "Combustível",
    "compras": "Compras",
    "saude": "Saúde",
    "lazer": "Lazer e assinaturas",
    "servicos": "Serviços e utilidades",
    "educacao": "Educação",
    "viagem": "Viagem",
    "contas": "Contas e boletos",
    "transferencias": "Transferências",
    "tarifas": "Tarifas",
    "saques": "Saques",
    "outros": "Outros",
}

_MCC_EXACT: Final[dict[int, str]] = {
    5411: "supermercado",
    5422: "supermercado",
    5441: "supermercado",
    5451: "supermercado",
    5462: "alimentacao",
    5499: "supermercado",
    5811: "alimentacao",
    5812: "alimentacao",
    5813: "alimentacao",
    5814: "alimentacao",
    4111: "transporte",
    4112: "transporte",
    4121: "transporte",
    4131: "transporte",
    4784: "transporte",
    7523: "transporte",
    5541: "combustivel",
    5542: "combustivel",
    5983: "combustivel",
    5912: "saude",
    5047: "saude",
    5122: "saude",
    8011: "saude",
    8021: "saude",
    8031: "saude",
    8041: "saude",
    8042: "saude",
    8043: "saude",
    8049: "saude",
    8050: "saude",
    8062: "saude",
    8071: "saude",
    8099: "saude",
    7832: "lazer",
    7841: "lazer",
    7922: "lazer",
    7929: "lazer",
    7932: "lazer",
    7933: "lazer",
    7941: "lazer",
    7991: "lazer",
    7996: "lazer",
    7997: "lazer",
    7999: "lazer",
    5815: "lazer",
    5816: "lazer",
    5817: "lazer",
    5818: "lazer",
    4812: "servicos",
    4814: "servicos",
    4816: "servicos",
    4899: "servicos",
    4900: "servicos",
    7210: "servicos",
    7230: "servicos",
    7298: "servicos",
    7349: "servicos",
    7538: "servicos",
    8211: "educacao",
    8220: "educacao",
    8241: "educacao",
    8244: "educacao",
    8249: "educacao",
    8299: "educacao",
    5942: "educacao",
    5943: "educacao",
    4411: "viagem",
    4511: "viagem",
    4722: "viagem",
    7011: "viagem",
    7012: "viagem",
    7512: "viagem",
    7513: "viagem",
    6010: "saques",
    6011: "saques",
    9311: "contas",
    9399: "contas",
    9222: "contas",
}


def category_for_mcc(mcc: int | str) -> str:
    """The spending category of a merchant category code (ISO 18245); airlines (3000–3299),
    car rental (3351–3441) and hotels (3501–3999) by range; retail (5xxx) as shopping;
    anything else ``outros``."""
    try:
        code = int(mcc)
    except (TypeError, ValueError):
        return "outros"
    if code in _MCC_EXACT:
        return _MCC_EXACT[code]
    if 3000 <= code <= 3999:
        return "viagem"
    if 5200 <= code <= 5999:
        return "compras"
    return "outros"
