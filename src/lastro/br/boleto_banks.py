"""Bank-specific free fields (barcode positions 20-44) and nosso número check digits.

Layouts follow each bank's collection manual as implemented and tested by brcobranca;
confirm the carteira and agreement details with the bank during homologation. Each layout
is a frozen value object: ``free_field`` renders the 25 digits, ``parse`` reads them back
and checks every internal check digit the bank defines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar, Protocol, Self

from lastro.br._checks import is_digits, mod10, mod11_zero, weighted_sum
from lastro.br.boleto import Boleto, build_boleto
from lastro.br.errors import BoletoError

__all__ = [
    "BANK_LAYOUTS",
    "BancoBrasilConvenio6",
    "BancoBrasilConvenio7",
    "BankFreeField",
    "Bradesco",
    "Caixa",
    "Itau",
    "Santander",
    "Sicoob",
    "bb_nosso_numero_dv",
    "boleto_from_layout",
    "bradesco_nosso_numero_dv",
    "caixa_dv",
    "itau_nosso_numero_dac",
    "parse_free_field",
    "santander_nosso_numero_dv",
    "sicoob_nosso_numero_dv",
]


class BankFreeField(Protocol):
    """What every bank layout offers."""

    bank_code: ClassVar[str]
    bank_name: ClassVar[str]

    @property
    def free_field(self) -> str: ...

    @property
    def nosso_numero(self) -> str: ...

    @property
    def nosso_numero_dv(self) -> str: ...

    @property
    def nosso_numero_formatado(self) -> str: ...


def _pad(obj: object, name: str, size: int) -> None:
    """Zero-pad a numeric attribute in place; reject non-digits and overflow."""
    value = getattr(obj, name)
    text = str(value) if isinstance(value, int) else value
    if not isinstance(text, str) or not is_digits(text) or len(text) > size:
        raise BoletoError(
            "BOLETO_INVALID_BANK_FIELD",
            f"{type(obj).__name__}.{name} deve ter até {size} dígitos; recebido {value!r}.",
            field=name,
        )
    object.__setattr__(obj, name, text.zfill(size))


def _check(bank: str, what: str, expected: str, found: str) -> None:
    if expected != found:
        raise BoletoError(
            "BOLETO_FREE_FIELD_CHECK_DIGIT",
            f"{bank}: dígito verificador {what} no campo livre não confere: "
            f"esperado {expected}, encontrado {found}.",
            expected=expected,
            found=found,
        )


def _const(bank: str, what: str, expected: str, found: str) -> None:
    if expected != found:
        raise BoletoError(
            "BOLETO_INVALID_FREE_FIELD",
            f"{bank}: {what} do campo livre deve ser {expected!r}; encontrado {found!r}.",
        )


def _free25(free_field: str) -> str:
    if not isinstance(free_field, str) or len(free_field) != 25 or not is_digits(free_field):
        raise BoletoError(
            "BOLETO_INVALID_FREE_FIELD",
            f"Campo livre deve ter 25 dígitos; recebido {free_field!r}.",
        )
    return free_field


# --- check-digit rules ------------------------------------------------------------------


def bb_nosso_numero_dv(nosso_numero: str) -> str:
    """Banco do Brasil: weights 9..2 from the right, DV = remainder, 10 → X."""
    r = weighted_sum(nosso_numero, (9, 8, 7, 6, 5, 4, 3, 2)) % 11
    return "X" if r == 10 else str(r)


def bradesco_nosso_numero_dv(carteira: str, nosso_numero: str) -> str:
    """Bradesco: weights 2-7 over carteira + nosso número; remainder 1 → P, 0 → 0."""
    r = weighted_sum(carteira + nosso_numero, (2, 3, 4, 5, 6, 7)) % 11
    if r == 0:
        return "0"
    if r == 1:
        return "P"
    return str(11 - r)


_ITAU_CARTEIRAS_SEM_CONTA = frozenset({"112", "126", "131", "146", "150", "168"})
_ITAU_CARTEIRAS_SEU_NUMERO = frozenset({"106", "107", "122", "142", "143", "195", "196", "198"})


def itau_nosso_numero_dac(agencia: str, conta: str, carteira: str, nosso_numero: str) -> str:
    """Itaú DAC (mod 10) over agência+conta+carteira+NN (only carteira+NN for some carteiras)."""
    if carteira in _ITAU_CARTEIRAS_SEM_CONTA:
        return str(mod10(carteira + nosso_numero))
    return str(mod10(agencia + conta + carteira + nosso_numero))


def santander_nosso_numero_dv(nosso_numero: str) -> str:
    """Santander: mod 11 weights 2-9, 11 - r, 10 and 11 → 0."""
    return str(mod11_zero(nosso_numero))


def caixa_dv(digits: str) -> str:
    """Caixa SIGCB rule for the beneficiary, nosso número and free-field DVs."""
    return str(mod11_zero(digits))


def sicoob_nosso_numero_dv(agencia: str, cliente: str, nosso_numero: str) -> str:
    """Sicoob: constant 3197 over agência(4)+cliente(10)+NN(7); 11 - r, 10/11 → 0."""
    return str(mod11_zero(agencia + cliente.zfill(10) + nosso_numero, (3, 7, 9, 1)))


# --- layouts ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BancoBrasilConvenio7:
    """BB, convênio of 7 digits (carteiras 17/18): ``000000`` + convênio + 10 + carteira."""

    convenio: str
    complemento: str
    carteira: str = "17"
    bank_code: ClassVar[str] = "001"
    bank_name: ClassVar[str] = "Banco do Brasil"

    def __post_init__(self) -> None:
        _pad(self, "convenio", 7)
        _pad(self, "complemento", 10)
        _pad(self, "carteira", 2)

    @property
    def free_field(self) -> str:
        return f"000000{self.convenio}{self.complemento}{self.carteira}"

    @property
    def nosso_numero(self) -> str:
        return self.convenio + self.complemento

    @property
    def nosso_numero_dv(self) -> str:
        return bb_nosso_numero_dv(self.nosso_numero)

    @property
    def nosso_numero_formatado(self) -> str:
        return self.nosso_numero  # 17-digit NN is printed without a DV

    @classmethod
    def parse(cls, free_field: str) -> Self:
        ff = _free25(free_field)
        _const("Banco do Brasil", "as posições 1-6", "000000", ff[:6])
        return cls(ff[6:13], ff[13:23], ff[23:25])


@dataclass(frozen=True, slots=True)
class BancoBrasilConvenio6:
    """BB, convênio of 6 digits with 5-digit NN: convênio + NN + agência + conta + carteira."""

    convenio: str
    sequencial: str
    agencia: str
    conta: str
    carteira: str = "18"
    bank_code: ClassVar[str] = "001"
    bank_name: ClassVar[str] = "Banco do Brasil"

    def __post_init__(self) -> None:
        _pad(self, "convenio", 6)
        _pad(self, "sequencial", 5)
        _pad(self, "agencia", 4)
        _pad(self, "conta", 8)
        _pad(self, "carteira", 2)

    @property
    def free_field(self) -> str:
        return f"{self.convenio}{self.sequencial}{self.agencia}{self.conta}{self.carteira}"

    @property
    def nosso_numero(self) -> str:
        return self.convenio + self.sequencial

    @property
    def nosso_numero_dv(self) -> str:
        return bb_nosso_numero_dv(self.nosso_numero)

    @property
    def nosso_numero_formatado(self) -> str:
        return f"{self.nosso_numero}-{self.nosso_numero_dv}"

    @classmethod
    def parse(cls, free_field: str) -> Self:
        ff = _free25(free_field)
        return cls(ff[0:6], ff[6:11], ff[11:15], ff[15:23], ff[23:25])


@dataclass(frozen=True, slots=True)
class Bradesco:
    """Bradesco: agência(4) + carteira(2) + NN(11) + conta(7) + ``0``."""

    agencia: str
    carteira: str
    numero: str
    conta: str
    bank_code: ClassVar[str] = "237"
    bank_name: ClassVar[str] = "Bradesco"

    def __post_init__(self) -> None:
        _pad(self, "agencia", 4)
        _pad(self, "carteira", 2)
        _pad(self, "numero", 11)
        _pad(self, "conta", 7)

    @property
    def free_field(self) -> str:
        return f"{self.agencia}{self.carteira}{self.numero}{self.conta}0"

    @property
    def nosso_numero(self) -> str:
        return self.numero

    @property
    def nosso_numero_dv(self) -> str:
        return bradesco_nosso_numero_dv(self.carteira, self.numero)

    @property
    def nosso_numero_formatado(self) -> str:
        return f"{self.carteira}/{self.numero}-{self.nosso_numero_dv}"

    @classmethod
    def parse(cls, free_field: str) -> Self:
        ff = _free25(free_field)
        _const("Bradesco", "a posição 25", "0", ff[24])
        return cls(ff[0:4], ff[4:6], ff[6:17], ff[17:24])


@dataclass(frozen=True, slots=True)
class Itau:
    """Itaú, standard carteiras: carteira + NN + DAC + agência + conta + DAC + ``000``.

    For carteiras 106/107/122/142/143/195/196/198 pass ``seu_numero`` and ``cliente``: the
    layout is then carteira + NN + seu número(7) + cliente(5) + DAC + ``0``.
    """

    carteira: str
    numero: str
    agencia: str = "0000"
    conta: str = "00000"
    seu_numero: str | None = None
    cliente: str | None = None
    bank_code: ClassVar[str] = "341"
    bank_name: ClassVar[str] = "Itaú Unibanco"

    def __post_init__(self) -> None:
        _pad(self, "carteira", 3)
        _pad(self, "numero", 8)
        _pad(self, "agencia", 4)
        _pad(self, "conta", 5)
        if self.carteira in _ITAU_CARTEIRAS_SEU_NUMERO:
            object.__setattr__(self, "seu_numero", self.seu_numero or "0")
            object.__setattr__(self, "cliente", self.cliente or "0")
            _pad(self, "seu_numero", 7)
            _pad(self, "cliente", 5)
        elif self.seu_numero is not None or self.cliente is not None:
            raise BoletoError(
                "BOLETO_INVALID_BANK_FIELD",
                f"Itaú: seu_numero/cliente só existem nas carteiras "
                f"{', '.join(sorted(_ITAU_CARTEIRAS_SEU_NUMERO))}.",
            )

    @property
    def _special(self) -> bool:
        return self.carteira in _ITAU_CARTEIRAS_SEU_NUMERO

    @property
    def free_field(self) -> str:
        if self._special:
            head = f"{self.carteira}{self.numero}{self.seu_numero}{self.cliente}"
            return f"{head}{mod10(head)}0"
        return (
            f"{self.carteira}{self.numero}{self.nosso_numero_dv}{self.agencia}{self.conta}"
            f"{mod10(self.agencia + self.conta)}000"
        )

    @property
    def nosso_numero(self) -> str:
        return self.numero

    @property
    def nosso_numero_dv(self) -> str:
        return itau_nosso_numero_dac(self.agencia, self.conta, self.carteira, self.numero)

    @property
    def nosso_numero_formatado(self) -> str:
        return f"{self.carteira}/{self.numero}-{self.nosso_numero_dv}"

    @classmethod
    def parse(cls, free_field: str) -> Self:
        ff = _free25(free_field)
        carteira = ff[0:3]
        if carteira in _ITAU_CARTEIRAS_SEU_NUMERO:
            _check("Itaú", "(DAC, posição 24)", str(mod10(ff[:23])), ff[23])
            _const("Itaú", "a posição 25", "0", ff[24])
            return cls(carteira, ff[3:11], seu_numero=ff[11:18], cliente=ff[18:23])
        _const("Itaú", "as posições 23-25", "000", ff[22:25])
        item = cls(carteira, ff[3:11], ff[12:16], ff[16:21])
        _check("Itaú", "do nosso número (DAC, posição 12)", item.nosso_numero_dv, ff[11])
        _check("Itaú", "agência/conta (DAC, posição 22)", str(mod10(ff[12:21])), ff[21])
        return item


@dataclass(frozen=True, slots=True)
class Santander:
    """Santander: ``9`` + código do beneficiário(7) + NN(12) + DV + IOF + carteira(3)."""

    beneficiario: str
    numero: str
    carteira: str = "101"
    iof: str = "0"
    bank_code: ClassVar[str] = "033"
    bank_name: ClassVar[str] = "Santander"

    def __post_init__(self) -> None:
        _pad(self, "beneficiario", 7)
        _pad(self, "numero", 12)
        _pad(self, "carteira", 3)
        _pad(self, "iof", 1)

    @property
    def free_field(self) -> str:
        return f"9{self.beneficiario}{self.numero}{self.nosso_numero_dv}{self.iof}{self.carteira}"

    @property
    def nosso_numero(self) -> str:
        return self.numero

    @property
    def nosso_numero_dv(self) -> str:
        return santander_nosso_numero_dv(self.numero)

    @property
    def nosso_numero_formatado(self) -> str:
        return f"{self.numero}-{self.nosso_numero_dv}"

    @classmethod
    def parse(cls, free_field: str) -> Self:
        ff = _free25(free_field)
        _const("Santander", "a posição 1", "9", ff[0])
        item = cls(ff[1:8], ff[8:20], ff[22:25], ff[21])
        _check("Santander", "do nosso número (posição 21)", item.nosso_numero_dv, ff[20])
        return item


@dataclass(frozen=True, slots=True)
class Caixa:
    """Caixa SIGCB: beneficiário(6)+DV, the 17-digit NN interleaved, and a final DV."""

    beneficiario: str
    numero: str
    modalidade: str = "1"  # 1 registrada, 2 sem registro
    emissao: str = "4"  # 4 = emitido pelo beneficiário
    bank_code: ClassVar[str] = "104"
    bank_name: ClassVar[str] = "Caixa Econômica Federal"

    def __post_init__(self) -> None:
        _pad(self, "beneficiario", 6)
        _pad(self, "numero", 15)
        _pad(self, "modalidade", 1)
        _pad(self, "emissao", 1)

    @property
    def free_field(self) -> str:
        nn = self.nosso_numero
        head = (
            f"{self.beneficiario}{caixa_dv(self.beneficiario)}"
            f"{nn[2:5]}{nn[0]}{nn[5:8]}{nn[1]}{nn[8:17]}"
        )
        return head + caixa_dv(head)

    @property
    def nosso_numero(self) -> str:
        return f"{self.modalidade}{self.emissao}{self.numero}"

    @property
    def nosso_numero_dv(self) -> str:
        return caixa_dv(self.nosso_numero)

    @property
    def nosso_numero_formatado(self) -> str:
        return f"{self.nosso_numero}-{self.nosso_numero_dv}"

    @classmethod
    def parse(cls, free_field: str) -> Self:
        ff = _free25(free_field)
        _check("Caixa", "do beneficiário (posição 7)", caixa_dv(ff[:6]), ff[6])
        _check("Caixa", "do campo livre (posição 25)", caixa_dv(ff[:24]), ff[24])
        numero = ff[7:10] + ff[11:14] + ff[15:24]
        return cls(ff[:6], numero, ff[10], ff[14])


@dataclass(frozen=True, slots=True)
class Sicoob:
    """Sicoob: carteira(1)+cooperativa(4)+modalidade(2)+cliente(7)+NN(7)+DV+parcela(3)."""

    agencia: str
    cliente: str
    numero: str
    carteira: str = "1"
    modalidade: str = "01"
    parcela: str = "001"
    bank_code: ClassVar[str] = "756"
    bank_name: ClassVar[str] = "Sicoob"

    def __post_init__(self) -> None:
        _pad(self, "agencia", 4)
        _pad(self, "cliente", 7)
        _pad(self, "numero", 7)
        _pad(self, "carteira", 1)
        _pad(self, "modalidade", 2)
        _pad(self, "parcela", 3)

    @property
    def free_field(self) -> str:
        return (
            f"{self.carteira}{self.agencia}{self.modalidade}{self.cliente}{self.numero}"
            f"{self.nosso_numero_dv}{self.parcela}"
        )

    @property
    def nosso_numero(self) -> str:
        return self.numero

    @property
    def nosso_numero_dv(self) -> str:
        return sicoob_nosso_numero_dv(self.agencia, self.cliente, self.numero)

    @property
    def nosso_numero_formatado(self) -> str:
        return f"{self.numero}-{self.nosso_numero_dv}"

    @classmethod
    def parse(cls, free_field: str) -> Self:
        ff = _free25(free_field)
        item = cls(ff[1:5], ff[7:14], ff[14:21], ff[0], ff[5:7], ff[22:25])
        _check("Sicoob", "do nosso número (posição 22)", item.nosso_numero_dv, ff[21])
        return item


BANK_LAYOUTS: dict[str, tuple[type[BankFreeField], ...]] = {
    "001": (BancoBrasilConvenio7, BancoBrasilConvenio6),
    "237": (Bradesco,),
    "341": (Itau,),
    "033": (Santander,),
    "104": (Caixa,),
    "756": (Sicoob,),
}


def parse_free_field(bank_code: str, free_field: str) -> BankFreeField:
    """Read a bank's free field, checking its internal DVs.

    BB: a free field starting ``000000`` is the 7-digit-convênio layout, otherwise the
    6-digit one. Unknown banks raise ``BOLETO_UNKNOWN_BANK_LAYOUT``.
    """
    layouts = BANK_LAYOUTS.get(bank_code)
    if layouts is None:
        raise BoletoError(
            "BOLETO_UNKNOWN_BANK_LAYOUT",
            f"Layout do campo livre do banco {bank_code!r} não é conhecido.",
        )
    ff = _free25(free_field)
    if bank_code == "001":
        return (
            BancoBrasilConvenio7.parse(ff)
            if ff.startswith("000000")
            else BancoBrasilConvenio6.parse(ff)
        )
    layout: BankFreeField = layouts[0].parse(ff)  # type: ignore[attr-defined]
    return layout


def boleto_from_layout(
    layout: BankFreeField,
    due_date: date | None,
    amount: Decimal | int | str,
    *,
    today: date | None = None,
) -> Boleto:
    """A boleto for a bank layout: bank code and free field come from the layout."""
    return build_boleto(layout.bank_code, due_date, amount, layout.free_field, today=today)
