"""PIX: key validation, BR Code (EMV QRCPS-MPM) build and strict parse, QR, end-to-end ids.

The parser checks the TLV structure, the required tags and every length limit as well as
the CRC: a payload whose CRC matches but whose declared lengths are wrong is rejected.
"""

from __future__ import annotations

import binascii
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

import segno

from lastro.br.documents import parse_cnpj, parse_cpf
from lastro.br.errors import DocumentError, PixError

__all__ = [
    "PIX_GUI",
    "BrCode",
    "EndToEndId",
    "PixKey",
    "PixKeyType",
    "br_code_qr_png",
    "br_code_qr_svg",
    "crc16",
    "detect_pix_key_type",
    "dynamic_br_code",
    "generate_end_to_end_id",
    "is_valid_end_to_end_id",
    "parse_br_code",
    "parse_end_to_end_id",
    "parse_pix_key",
    "static_br_code",
]

PIX_GUI = "br.gov.bcb.pix"
MAX_PAYLOAD = 512
MAX_KEY = 77
MAX_NAME = 25
MAX_CITY = 15
MAX_STATIC_TXID = 25
MAX_AMOUNT_CHARS = 13

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UUIDISH = re.compile(r"[0-9a-fA-F]{4,}(?:-[0-9a-fA-F]+){3,}")
_EMAIL = re.compile(
    r"[a-z0-9.!#$&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
)
_PHONE_BR = re.compile(r"\+55[1-9]{2}9?[0-9]{8}")
_PHONE_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_CPF_LIKE = re.compile(r"[0-9]{3}\.?[0-9]{3}\.?[0-9]{3}-?[0-9]{2}")
_CNPJ_LIKE = re.compile(
    r"[0-9A-Za-z]{2}\.?[0-9A-Za-z]{3}\.?[0-9A-Za-z]{3}/?[0-9A-Za-z]{4}-?[0-9]{2}"
)
_TXID_STATIC = re.compile(r"[A-Za-z0-9]{1,25}")
_TXID_ANY = re.compile(r"[A-Za-z0-9]{1,35}")
_AMOUNT = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,2})?")
_DIGITS = re.compile(r"[0-9]+")
_MCC = re.compile(r"[0-9]{4}")
_URL = re.compile(r"[A-Za-z0-9.\-]+(?::[0-9]+)?(?:/[\x21-\x7e]*)?")
_E2E = re.compile(r"([ED])([0-9]{8})([0-9]{12})([A-Za-z0-9]{11})")
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


# --- keys ------------------------------------------------------------------------------


class PixKeyType(StrEnum):
    CPF = "cpf"
    CNPJ = "cnpj"
    EMAIL = "email"
    PHONE = "phone"
    EVP = "evp"


@dataclass(frozen=True, slots=True)
class PixKey:
    key_type: PixKeyType
    value: str  # normalised as DICT stores it


def detect_pix_key_type(text: str) -> PixKeyType | None:
    """Which key type a string looks like (shape only; ``parse_pix_key`` validates)."""
    if not isinstance(text, str):
        return None
    t = text.strip()
    if _UUIDISH.fullmatch(t) and t.count("-") == 4:
        return PixKeyType.EVP
    if "@" in t:
        return PixKeyType.EMAIL
    if t.startswith("+"):
        return PixKeyType.PHONE
    if _CPF_LIKE.fullmatch(t):
        return PixKeyType.CPF
    if _CNPJ_LIKE.fullmatch(t):
        return PixKeyType.CNPJ
    return None


def parse_pix_key(text: str) -> PixKey:
    """Validate a key and return it normalised (lower-case e-mail/EVP, bare CPF/CNPJ)."""
    kind = detect_pix_key_type(text)
    if kind is None:
        if not isinstance(text, str) or not text.strip():
            raise PixError("PIX_KEY_EMPTY", "Chave PIX vazia.")
        raise PixError(
            "PIX_KEY_UNKNOWN_TYPE",
            "Chave PIX não reconhecida: use CPF, CNPJ, e-mail, telefone +55 ou chave "
            "aleatória (UUID).",
        )
    t = text.strip()
    if kind is PixKeyType.EVP:
        value = t.lower()
        if not _UUID.fullmatch(value):
            raise PixError(
                "PIX_KEY_INVALID_EVP",
                "Chave aleatória deve ser um UUID de 36 caracteres "
                "(8-4-4-4-12 dígitos hexadecimais).",
                key_type=kind.value,
            )
        return PixKey(kind, value)
    if kind is PixKeyType.EMAIL:
        value = t.lower()
        if len(value) > MAX_KEY:
            raise PixError(
                "PIX_KEY_INVALID_EMAIL",
                f"E-mail com {len(value)} caracteres; o limite da chave PIX é {MAX_KEY}.",
                key_type=kind.value,
            )
        if not _EMAIL.fullmatch(value):
            raise PixError("PIX_KEY_INVALID_EMAIL", f"E-mail inválido: {t!r}.", key_type=kind.value)
        return PixKey(kind, value)
    if kind is PixKeyType.PHONE:
        if not _PHONE_E164.fullmatch(t):
            raise PixError(
                "PIX_KEY_INVALID_PHONE",
                "Telefone deve estar no formato E.164, só dígitos após o '+': +55DDNNNNNNNNN.",
                key_type=kind.value,
            )
        if not _PHONE_BR.fullmatch(t):
            raise PixError(
                "PIX_KEY_INVALID_PHONE",
                "Telefone deve ser brasileiro: +55, DDD de 2 dígitos (1-9) e 8 ou 9 dígitos.",
                key_type=kind.value,
            )
        return PixKey(kind, t)
    try:
        if kind is PixKeyType.CPF:
            return PixKey(kind, parse_cpf(t))
        return PixKey(kind, parse_cnpj(t))
    except DocumentError as exc:
        raise PixError(
            f"PIX_KEY_INVALID_{kind.name}", f"Chave PIX: {exc.detail}", key_type=kind.value
        ) from None


# --- BR Code ---------------------------------------------------------------------------


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE as 4 upper-case hex digits ("123456789" → 29B1)."""
    return f"{binascii.crc_hqx(data.encode('utf-8'), 0xFFFF):04X}"


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def _ascii(text: str) -> str:
    """Drop accents; BR Code readers expect plain ASCII in name and city."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@dataclass(frozen=True, slots=True)
class BrCode:
    """A PIX BR Code. Static codes carry ``key``; dynamic ones a ``url`` (no scheme)."""

    merchant_name: str
    merchant_city: str
    key: str | None = None
    url: str | None = None
    amount: Decimal | None = None
    txid: str = "***"
    description: str | None = None
    mcc: str = "0000"
    postal_code: str | None = None
    point_of_initiation: str | None = None
    fss: str | None = None
    gui: str = PIX_GUI
    extra_tags: tuple[tuple[str, str], ...] = ()
    extra_additional: tuple[tuple[str, str], ...] = ()
    _payload: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def is_dynamic(self) -> bool:
        return self.url is not None

    def _merchant_account(self) -> str:
        inner = _tlv("00", self.gui)
        if self.key is not None:
            inner += _tlv("01", self.key)
        if self.description is not None:
            inner += _tlv("02", self.description)
        if self.fss is not None:
            inner += _tlv("03", self.fss)
        if self.url is not None:
            inner += _tlv("25", self.url)
        return inner

    def render(self) -> str:
        """The payload (copia e cola), CRC included."""
        return self._payload

    def _render(self) -> str:
        parts = ["000201"]
        if self.point_of_initiation is not None:
            parts.append(_tlv("01", self.point_of_initiation))
        extras = dict(self.extra_tags)
        for tag in sorted(t for t in extras if t < "26"):
            parts.append(_tlv(tag, extras[tag]))
        parts.append(_tlv("26", self._merchant_account()))
        for tag in sorted(t for t in extras if "26" < t < "52"):
            parts.append(_tlv(tag, extras[tag]))
        parts.append(_tlv("52", self.mcc))
        parts.append("5303986")
        if self.amount is not None:
            parts.append(_tlv("54", f"{self.amount:.2f}"))
        parts.append("5802BR")
        parts.append(_tlv("59", self.merchant_name))
        parts.append(_tlv("60", self.merchant_city))
        if self.postal_code is not None:
            parts.append(_tlv("61", self.postal_code))
        additional = _tlv("05", self.txid) + "".join(_tlv(t, v) for t, v in self.extra_additional)
        parts.append(_tlv("62", additional))
        for tag in sorted(t for t in extras if t > "62"):
            parts.append(_tlv(tag, extras[tag]))
        body = "".join(parts) + "6304"
        return body + crc16(body)

    @property
    def crc(self) -> str:
        return self.render()[-4:]


def _fail(code: str, detail: str, **extra: object) -> PixError:
    return PixError(code, detail, **extra)


def _validate(c: BrCode) -> None:
    if c.gui.lower() != PIX_GUI:
        raise _fail("PIX_INVALID_GUI", f"GUI {c.gui!r} não é {PIX_GUI!r} (tag 26-00).")
    if (c.key is None) == (c.url is None):
        raise _fail(
            "PIX_KEY_OR_URL_REQUIRED",
            "O BR Code deve ter exatamente uma chave (26-01, estático) ou uma URL "
            "(26-25, dinâmico).",
        )
    if c.key is not None:
        if not 1 <= len(c.key) <= MAX_KEY:
            raise _fail("PIX_LENGTH_LIMIT", f"Chave com {len(c.key)} caracteres; máximo {MAX_KEY}.")
        if parse_pix_key(c.key).value != c.key:
            raise _fail(
                "PIX_KEY_NOT_NORMALISED",
                f"Chave {c.key!r} fora do formato DICT (sem pontuação, e-mail e UUID em "
                "minúsculas).",
            )
    if c.url is not None and (not _URL.fullmatch(c.url) or c.url.lower().startswith("http")):
        raise _fail(
            "PIX_INVALID_URL",
            f"URL {c.url!r} inválida: informe host e caminho sem 'https://' nem espaços.",
        )
    for label, value in (("descrição (26-02)", c.description), ("FSS (26-03)", c.fss)):
        if value is not None and (not value or not value.isprintable()):
            raise _fail("PIX_INVALID_FIELD", f"Campo {label} vazio ou com caracteres inválidos.")
    if len(c._merchant_account()) > 99:
        raise _fail(
            "PIX_LENGTH_LIMIT",
            f"Tag 26 (conta do recebedor) com {len(c._merchant_account())} caracteres; "
            "máximo 99 (reduza a descrição).",
        )
    if not _MCC.fullmatch(c.mcc):
        raise _fail("PIX_INVALID_FIELD", f"MCC {c.mcc!r} deve ter 4 dígitos (tag 52).")
    if c.amount is not None:
        if isinstance(c.amount, float):
            raise _fail("PIX_INVALID_AMOUNT", "Valor não pode ser float; use Decimal.")
        q = Decimal(c.amount)
        if not q.is_finite() or q <= 0 or q != q.quantize(Decimal("0.01")):
            raise _fail(
                "PIX_INVALID_AMOUNT",
                f"Valor {c.amount} inválido: deve ser positivo e ter até 2 casas.",
            )
        if len(f"{q:.2f}") > MAX_AMOUNT_CHARS:
            raise _fail(
                "PIX_LENGTH_LIMIT", f"Valor {q} excede {MAX_AMOUNT_CHARS} caracteres (tag 54)."
            )
        object.__setattr__(c, "amount", q.quantize(Decimal("0.01")))
    for label, value, limit in (
        ("nome do recebedor (59)", c.merchant_name, MAX_NAME),
        ("cidade (60)", c.merchant_city, MAX_CITY),
    ):
        if not value or len(value) > limit or not value.isprintable():
            raise _fail(
                "PIX_LENGTH_LIMIT" if value and value.isprintable() else "PIX_INVALID_FIELD",
                f"Campo {label} deve ter de 1 a {limit} caracteres imprimíveis; "
                f"recebidos {len(value)}.",
            )
    if c.postal_code is not None and not (
        1 <= len(c.postal_code) <= 99 and c.postal_code.isprintable()
    ):
        raise _fail("PIX_INVALID_FIELD", "CEP (tag 61) inválido.")
    if c.point_of_initiation not in (None, "11", "12"):
        raise _fail(
            "PIX_INVALID_FIELD",
            f"Método de iniciação (tag 01) {c.point_of_initiation!r}: use 11 ou 12.",
        )
    if c.txid != "***":
        pattern = _TXID_ANY if c.url is not None else _TXID_STATIC
        if not pattern.fullmatch(c.txid):
            limit = 35 if c.url is not None else MAX_STATIC_TXID
            raise _fail(
                "PIX_INVALID_TXID",
                f"txid {c.txid!r} inválido: até {limit} caracteres A-Z, a-z, 0-9, ou '***'.",
            )
    payload = c._render()
    if len(payload) > MAX_PAYLOAD:
        raise _fail("PIX_LENGTH_LIMIT", f"BR Code excede {MAX_PAYLOAD} caracteres.")
    object.__setattr__(c, "_payload", payload)


def static_br_code(
    key: str,
    merchant_name: str,
    merchant_city: str,
    amount: Decimal | int | str | None = None,
    txid: str | None = None,
    description: str | None = None,
    *,
    postal_code: str | None = None,
    single_use: bool = False,
) -> BrCode:
    """A static charge: the key is validated and normalised, name/city lose their accents."""
    normalised = parse_pix_key(key).value
    return BrCode(
        merchant_name=_ascii(merchant_name).strip(),
        merchant_city=_ascii(merchant_city).strip(),
        key=normalised,
        amount=_amount(amount),
        txid=txid or "***",
        description=description,
        postal_code=postal_code,
        point_of_initiation="12" if single_use else None,
    )


def dynamic_br_code(
    url: str,
    merchant_name: str,
    merchant_city: str,
    amount: Decimal | int | str | None = None,
    *,
    postal_code: str | None = None,
) -> BrCode:
    """A dynamic charge (cob/cobv): the payer's app fetches the JWS at ``url`` over HTTPS."""
    location = re.sub(r"^https?://", "", url.strip(), flags=re.IGNORECASE)
    return BrCode(
        merchant_name=_ascii(merchant_name).strip(),
        merchant_city=_ascii(merchant_city).strip(),
        url=location,
        amount=_amount(amount),
        postal_code=postal_code,
        point_of_initiation="12",
    )


def _amount(amount: Decimal | int | str | None) -> Decimal | None:
    if amount is None:
        return None
    if isinstance(amount, float):
        raise _fail("PIX_INVALID_AMOUNT", "Valor não pode ser float; use Decimal.")
    try:
        return Decimal(amount)
    except (InvalidOperation, ValueError, TypeError):
        raise _fail("PIX_INVALID_AMOUNT", f"Valor inválido: {amount!r}.") from None


def _read_tlv(data: str, where: str) -> list[tuple[str, str, int]]:
    """Split TLV items strictly; returns (tag, value, offset) and rejects any overrun."""
    items: list[tuple[str, str, int]] = []
    i = 0
    n = len(data)
    while i < n:
        head = data[i : i + 4]
        if len(head) < 4:
            raise _fail(
                "PIX_TLV_TRUNCATED",
                f"{where}: item incompleto na posição {i + 1} ({head!r}); esperado ID e "
                "tamanho de 2 dígitos cada.",
                position=i + 1,
            )
        tag, size = head[:2], head[2:]
        if not (_DIGITS.fullmatch(tag) and _DIGITS.fullmatch(size)):
            raise _fail(
                "PIX_TLV_INVALID",
                f"{where}: ID/tamanho {head!r} não numérico na posição {i + 1}.",
                position=i + 1,
            )
        length = int(size)
        if length == 0:
            raise _fail(
                "PIX_TLV_INVALID",
                f"{where}: tag {tag} com tamanho 00 na posição {i + 1}.",
                tag=tag,
                position=i + 1,
            )
        if i + 4 + length > n:
            raise _fail(
                "PIX_TLV_TRUNCATED",
                f"{where}: tag {tag} declara {length} caracteres mas restam {n - i - 4}.",
                tag=tag,
                position=i + 1,
            )
        items.append((tag, data[i + 4 : i + 4 + length], i))
        i += 4 + length
    seen: set[str] = set()
    for tag, _, pos in items:
        if tag in seen:
            raise _fail(
                "PIX_DUPLICATE_TAG",
                f"{where}: tag {tag} repetida (posição {pos + 1}).",
                tag=tag,
            )
        seen.add(tag)
    return items


def parse_br_code(payload: str) -> BrCode:
    """Strict parse: TLV structure, CRC, required tags, then every field's rules."""
    if not isinstance(payload, str):
        raise _fail("PIX_INVALID_PAYLOAD", "Informe o BR Code como texto.")
    text = payload.strip()
    if not text:
        raise _fail("PIX_INVALID_PAYLOAD", "BR Code vazio.")
    if len(text) > MAX_PAYLOAD:
        raise _fail(
            "PIX_LENGTH_LIMIT", f"BR Code com {len(text)} caracteres; máximo {MAX_PAYLOAD}."
        )
    items = _read_tlv(text, "BR Code")
    if items[0][0] != "00" or items[0][1] != "01":
        raise _fail(
            "PIX_MISSING_TAG",
            "O BR Code deve começar pela tag 00 (Payload Format Indicator) com valor 01.",
            tag="00",
        )
    last_tag, last_value, last_pos = items[-1]
    if last_tag != "63":
        raise _fail("PIX_MISSING_TAG", "A última tag deve ser 63 (CRC16).", tag="63")
    if len(last_value) != 4 or not re.fullmatch(r"[0-9A-Fa-f]{4}", last_value):
        raise _fail(
            "PIX_INVALID_CRC",
            f"CRC (tag 63) deve ter 4 dígitos hexadecimais; encontrado {last_value!r}.",
        )
    expected = crc16(text[: last_pos + 4])
    if last_value.upper() != expected:
        raise _fail(
            "PIX_INVALID_CRC",
            f"CRC16 não confere: esperado {expected}, encontrado {last_value}.",
            expected=expected,
            found=last_value,
        )
    tags = {tag: value for tag, value, _ in items}
    for tag, name in (
        ("26", "conta PIX do recebedor"),
        ("52", "MCC"),
        ("53", "moeda"),
        ("58", "país"),
        ("59", "nome do recebedor"),
        ("60", "cidade"),
        ("62", "dados adicionais (txid)"),
    ):
        if tag not in tags:
            raise _fail("PIX_MISSING_TAG", f"Tag obrigatória {tag} ({name}) ausente.", tag=tag)
    if tags["53"] != "986":
        raise _fail("PIX_INVALID_FIELD", f"Moeda (tag 53) deve ser 986; encontrado {tags['53']!r}.")
    if tags["58"] != "BR":
        raise _fail("PIX_INVALID_FIELD", f"País (tag 58) deve ser BR; encontrado {tags['58']!r}.")
    amount: Decimal | None = None
    if "54" in tags:
        raw = tags["54"]
        if len(raw) > MAX_AMOUNT_CHARS or not _AMOUNT.fullmatch(raw):
            raise _fail(
                "PIX_INVALID_AMOUNT",
                f"Valor (tag 54) {raw!r} inválido: use ponto decimal e até 2 casas.",
            )
        amount = Decimal(raw)
    account = {t: v for t, v, _ in _read_tlv(tags["26"], "Tag 26")}
    unknown = sorted(set(account) - {"00", "01", "02", "03", "25"})
    if unknown:
        raise _fail(
            "PIX_INVALID_FIELD", f"Subtag 26-{unknown[0]} desconhecida no template PIX.", tag="26"
        )
    if "00" not in account:
        raise _fail("PIX_MISSING_TAG", "Tag 26-00 (GUI br.gov.bcb.pix) ausente.", tag="26-00")
    additional = _read_tlv(tags["62"], "Tag 62")
    add_map = {t: v for t, v, _ in additional}
    if "05" not in add_map:
        raise _fail("PIX_MISSING_TAG", "Tag 62-05 (txid) ausente.", tag="62-05")
    known = {"00", "01", "26", "52", "53", "54", "58", "59", "60", "61", "62", "63"}
    extra = []
    for tag in tags:
        if tag in known:
            continue
        if not ("02" <= tag <= "51" or tag == "64" or "80" <= tag <= "99"):
            raise _fail("PIX_INVALID_FIELD", f"Tag {tag} não permitida no BR Code.", tag=tag)
        extra.append((tag, tags[tag]))
    return BrCode(
        merchant_name=tags["59"],
        merchant_city=tags["60"],
        key=account.get("01"),
        url=account.get("25"),
        amount=amount,
        txid=add_map["05"],
        description=account.get("02"),
        mcc=tags["52"],
        postal_code=tags.get("61"),
        point_of_initiation=tags.get("01"),
        fss=account.get("03"),
        gui=account["00"],
        extra_tags=tuple(extra),
        extra_additional=tuple((t, v) for t, v, _ in additional if t != "05"),
    )


# --- QR --------------------------------------------------------------------------------


def _qr(payload: str) -> segno.QRCode:
    return segno.make_qr(payload, error="m", boost_error=False)


def br_code_qr_svg(payload: str, *, scale: int = 4, border: int = 4) -> str:
    """SVG of the QR (ECC level M, 4-module quiet zone as the BCB manual recommends)."""
    buf = io.BytesIO()
    _qr(payload).save(buf, kind="svg", scale=scale, border=border, xmldecl=False)
    return buf.getvalue().decode("utf-8")


def br_code_qr_png(payload: str, *, scale: int = 8, border: int = 4) -> bytes:
    buf = io.BytesIO()
    _qr(payload).save(buf, kind="png", scale=scale, border=border)
    return buf.getvalue()


def br_code_qr_matrix(payload: str) -> tuple[tuple[bool, ...], ...]:
    """Module matrix (True = dark), for drawing the QR with another toolkit (PDF)."""
    return tuple(tuple(bool(m) for m in row) for row in _qr(payload).matrix)


# --- end-to-end ids --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EndToEndId:
    value: str
    ispb: str
    created_at: datetime  # UTC, minute precision
    sequence: str

    @property
    def is_return(self) -> bool:
        return self.value.startswith("D")


def generate_end_to_end_id(
    ispb: str, at: datetime, *, sequence: str | None = None, prefix: str = "E"
) -> str:
    """``E`` + ISPB(8) + UTC yyyyMMddHHmm + 11 alphanumerics (random unless given).

    Generate it once per payment attempt and persist it: retries reuse it, nothing else may.
    """
    if prefix not in ("E", "D"):
        raise _fail("PIX_INVALID_E2E", "Prefixo deve ser E (pagamento) ou D (devolução).")
    if not (len(ispb) == 8 and _DIGITS.fullmatch(ispb)):
        raise _fail("PIX_INVALID_E2E", f"ISPB deve ter 8 dígitos; recebido {ispb!r}.")
    if at.tzinfo is None or at.utcoffset() is None:
        raise _fail("PIX_INVALID_E2E", "Informe a data/hora com fuso horário (UTC).")
    seq = sequence if sequence is not None else "".join(secrets.choice(_ALNUM) for _ in range(11))
    if not re.fullmatch(r"[A-Za-z0-9]{11}", seq):
        raise _fail("PIX_INVALID_E2E", f"Sequencial deve ter 11 alfanuméricos; recebido {seq!r}.")
    return f"{prefix}{ispb}{at.astimezone(UTC):%Y%m%d%H%M}{seq}"


def parse_end_to_end_id(text: str) -> EndToEndId:
    if not isinstance(text, str):
        raise _fail("PIX_INVALID_E2E", "Informe o identificador como texto.")
    value = text.strip()
    if len(value) != 32:
        raise _fail(
            "PIX_INVALID_E2E",
            f"EndToEndId deve ter 32 caracteres; recebidos {len(value)}.",
            length=len(value),
        )
    m = _E2E.fullmatch(value)
    if m is None:
        raise _fail(
            "PIX_INVALID_E2E",
            "EndToEndId fora do formato E + ISPB(8) + AAAAMMDDHHMM + 11 alfanuméricos.",
        )
    stamp = m.group(3)
    try:
        created = datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        raise _fail("PIX_INVALID_E2E", f"Data/hora {stamp} do EndToEndId não é válida.") from None
    return EndToEndId(value, m.group(2), created, m.group(4))


def is_valid_end_to_end_id(text: str) -> bool:
    try:
        parse_end_to_end_id(text)
    except PixError:
        return False
    return True
