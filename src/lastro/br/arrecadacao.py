"""Arrecadação / convênio slips (utilities, taxes): 44-digit barcode, 48-digit line.

Position 3 (value id) picks the modulus for the general DV and the four block DVs:
6/7 → mod 10, 8/9 → mod 11 (remainder 0/1 → 0, 10 → 1). 6/8 carry an amount in reais,
7/9 a reference quantity. Segment 6 identifies the company by its 8-digit CNPJ root.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lastro.br._checks import is_digits, mod10, mod11_arrecadacao, strip_separators
from lastro.br.errors import ArrecadacaoError

__all__ = [
    "SEGMENTS",
    "Arrecadacao",
    "build_arrecadacao",
    "format_linha_arrecadacao",
    "parse_arrecadacao",
]

SEGMENTS = {
    "1": "Prefeituras",
    "2": "Saneamento",
    "3": "Energia elétrica e gás",
    "4": "Telecomunicações",
    "5": "Órgãos governamentais",
    "6": "Carnês e assemelhados / demais empresas (CNPJ)",
    "7": "Multas de trânsito",
    "9": "Uso exclusivo do banco",
}
VALUE_IDS = {
    "6": "Valor efetivo em reais (módulo 10)",
    "7": "Quantidade de moeda / referência (módulo 10)",
    "8": "Valor efetivo em reais (módulo 11)",
    "9": "Quantidade de moeda / referência (módulo 11)",
}


def _dv(value_id: str, digits: str) -> int:
    return mod10(digits) if value_id in "67" else mod11_arrecadacao(digits)


@dataclass(frozen=True, slots=True)
class Arrecadacao:
    """An arrecadação slip; ``company_id`` is 4 digits, or the 8-digit CNPJ root (segment 6)."""

    segment: str
    value_id: str
    value: Decimal
    company_id: str
    free_field: str
    barcode: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.segment not in SEGMENTS or len(self.segment) != 1:
            raise ArrecadacaoError(
                "ARRECADACAO_INVALID_SEGMENT",
                f"Segmento {self.segment!r} inválido (posição 2): use 1-7 ou 9.",
            )
        if self.value_id not in VALUE_IDS or len(self.value_id) != 1:
            raise ArrecadacaoError(
                "ARRECADACAO_INVALID_VALUE_ID",
                f"Identificador de valor {self.value_id!r} inválido (posição 3): use 6, 7, 8 ou 9.",
            )
        company_len = 8 if self.segment == "6" else 4
        if len(self.company_id) != company_len or not is_digits(self.company_id):
            raise ArrecadacaoError(
                "ARRECADACAO_INVALID_COMPANY",
                f"Identificação da empresa deve ter {company_len} dígitos no segmento "
                f"{self.segment}; recebido {self.company_id!r}.",
            )
        free_len = 29 - company_len
        if len(self.free_field) != free_len or not is_digits(self.free_field):
            raise ArrecadacaoError(
                "ARRECADACAO_INVALID_FREE_FIELD",
                f"Campo livre deve ter {free_len} dígitos no segmento {self.segment}; "
                f"recebido {self.free_field!r}.",
            )
        if isinstance(self.value, float):
            raise ArrecadacaoError("ARRECADACAO_INVALID_VALUE", "Valor não pode ser float.")
        cents = Decimal(self.value) * 100
        if cents != cents.to_integral_value() or not 0 <= cents <= 99_999_999_999:
            raise ArrecadacaoError(
                "ARRECADACAO_INVALID_VALUE",
                f"Valor {self.value} deve ter até 2 casas e caber em 11 dígitos.",
            )
        icents = int(cents)
        object.__setattr__(self, "value", Decimal(icents).scaleb(-2))
        body = f"8{self.segment}{self.value_id}{icents:011d}{self.company_id}{self.free_field}"
        dv = _dv(self.value_id, body)
        object.__setattr__(self, "barcode", f"{body[:3]}{dv}{body[3:]}")

    @property
    def general_dv(self) -> int:
        return ord(self.barcode[3]) - 48

    @property
    def amount(self) -> Decimal | None:
        """The amount in reais, or None when the value is a reference quantity (7/9)."""
        return self.value if self.value_id in "68" else None

    @property
    def cnpj_root(self) -> str | None:
        return self.company_id if self.segment == "6" else None

    @property
    def linha_digitavel(self) -> str:
        """48 digits: four 11-digit blocks, each followed by its DV."""
        bc = self.barcode
        blocks = (bc[0:11], bc[11:22], bc[22:33], bc[33:44])
        return "".join(f"{b}{_dv(self.value_id, b)}" for b in blocks)

    @property
    def linha_digitavel_formatada(self) -> str:
        return format_linha_arrecadacao(self.linha_digitavel)


def format_linha_arrecadacao(linha: str) -> str:
    return " ".join(linha[i : i + 12] for i in range(0, 48, 12))


def build_arrecadacao(
    segment: str, value_id: str, value: Decimal | int | str, company_id: str, free_field: str
) -> Arrecadacao:
    return Arrecadacao(segment, value_id, Decimal(value), company_id, free_field)


def _from_barcode(bc: str) -> Arrecadacao:
    if bc[0] != "8":
        raise ArrecadacaoError(
            "ARRECADACAO_INVALID_PRODUCT",
            f"Arrecadação começa com 8; encontrado {bc[0]!r} (é boleto de cobrança?).",
        )
    if bc[1] not in SEGMENTS:
        raise ArrecadacaoError(
            "ARRECADACAO_INVALID_SEGMENT",
            f"Segmento {bc[1]!r} inválido (posição 2): use 1-7 ou 9.",
        )
    if bc[2] not in VALUE_IDS:
        raise ArrecadacaoError(
            "ARRECADACAO_INVALID_VALUE_ID",
            f"Identificador de valor {bc[2]!r} inválido (posição 3): use 6, 7, 8 ou 9.",
        )
    expected = _dv(bc[2], bc[:3] + bc[4:])
    if int(bc[3]) != expected:
        modulus = "10" if bc[2] in "67" else "11"
        raise ArrecadacaoError(
            "ARRECADACAO_GENERAL_CHECK_DIGIT",
            f"Dígito verificador geral (módulo {modulus}) não confere: esperado {expected}, "
            f"encontrado {bc[3]}.",
            expected=str(expected),
            found=bc[3],
        )
    split = 23 if bc[1] == "6" else 19
    return Arrecadacao(bc[1], bc[2], Decimal(int(bc[4:15])).scaleb(-2), bc[15:split], bc[split:])


def parse_arrecadacao(text: str) -> Arrecadacao:
    """Barcode (44) or line (48), punctuation and spaces allowed."""
    if not isinstance(text, str):
        raise ArrecadacaoError("ARRECADACAO_INVALID_CHARACTERS", "Informe o código como texto.")
    digits = strip_separators(text)
    if not digits:
        raise ArrecadacaoError("ARRECADACAO_EMPTY", "Código de arrecadação vazio.")
    if not is_digits(digits):
        bad = next(c for c in digits if not "0" <= c <= "9")
        raise ArrecadacaoError(
            "ARRECADACAO_INVALID_CHARACTERS",
            f"O código de arrecadação aceita apenas dígitos; encontrado {bad!r}.",
        )
    if len(digits) == 44:
        return _from_barcode(digits)
    if len(digits) != 48:
        raise ArrecadacaoError(
            "ARRECADACAO_INVALID_LENGTH",
            f"Arrecadação deve ter 44 dígitos (código de barras) ou 48 (linha digitável); "
            f"recebidos {len(digits)}.",
            length=len(digits),
        )
    if digits[0] != "8":
        raise ArrecadacaoError(
            "ARRECADACAO_INVALID_PRODUCT",
            f"Arrecadação começa com 8; encontrado {digits[0]!r}.",
        )
    if digits[1] not in SEGMENTS:
        raise ArrecadacaoError(
            "ARRECADACAO_INVALID_SEGMENT",
            f"Segmento {digits[1]!r} inválido (posição 2): use 1-7 ou 9.",
        )
    if digits[2] not in VALUE_IDS:
        raise ArrecadacaoError(
            "ARRECADACAO_INVALID_VALUE_ID",
            f"Identificador de valor {digits[2]!r} inválido (posição 3): use 6, 7, 8 ou 9.",
        )
    blocks = []
    for n in range(4):
        block, dv = digits[n * 12 : n * 12 + 11], digits[n * 12 + 11]
        expected = _dv(digits[2], block)
        if int(dv) != expected:
            raise ArrecadacaoError(
                "ARRECADACAO_BLOCK_CHECK_DIGIT",
                f"Dígito verificador do bloco {n + 1} da linha digitável não confere: "
                f"esperado {expected}, encontrado {dv}.",
                block=n + 1,
                expected=str(expected),
                found=dv,
            )
        blocks.append(block)
    return _from_barcode("".join(blocks))
