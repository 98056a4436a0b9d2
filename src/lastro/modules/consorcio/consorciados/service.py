"""Use cases of consorciados: validated registration (CPF/CNPJ, CEP, PIX key, bank account),
updates, and the LGPD consent kept in the core consent register.

Public API: ``get_consorciado(session, id)``, ``find_by_document(session, document)``,
``holder_documents(consorciado)`` (the holder and spouse, for the 10 % cap).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.documents import (
    format_cnpj,
    format_cpf,
    normalize_document,
    parse_cnpj,
    parse_cpf,
)
from lastro.br.pix import parse_pix_key
from lastro.contracts.lgpd import DataSubject
from lastro.core.audit.service import record as audit
from lastro.kit.clock import today_sp, utcnow
from lastro.modules.consorcio.consorciados.errors import (
    ConsorciadoNotFound,
    DocumentTaken,
    InvalidBankAccount,
    InvalidCep,
    InvalidConsorciado,
)
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.consorciados.schemas import (
    ConsorciadoCreate,
    ConsorciadoFields,
    ConsorciadoUpdate,
)

UFS = frozenset(
    (
        "AC",
        "AL",
        "AP",
        "AM",
        "BA",
        "CE",
        "DF",
        "ES",
        "GO",
        "MA",
        "MT",
        "MS",
        "MG",
        "PA",
        "PB",
        "PR",
        "PE",
        "PI",
        "RJ",
        "RN",
        "RS",
        "RO",
        "RR",
        "SC",
        "SP",
        "SE",
        "TO",
    )
)
CONSENT_PURPOSE = "consorcio.cadastro"
CONSENT_TEXT_VERSION = "1"
_DIGITS = re.compile(r"\D")


def parse_document(text: str, kind: str | None) -> tuple[str, str]:
    """(kind, normalised document): ``pf`` takes a CPF, ``pj`` a CNPJ (alphanumeric too);
    without a kind, 11 digits mean a CPF."""
    if kind is None:
        kind = "pf" if len(normalize_document(text)) == 11 else "pj"
    return kind, parse_cpf(text) if kind == "pf" else parse_cnpj(text)


def format_document(kind: str, document: str) -> str:
    return format_cpf(document) if kind == "pf" else format_cnpj(document)


def _phone(value: str, field: str) -> str:
    digits = _DIGITS.sub("", value)
    if digits.startswith("55") and len(digits) in (12, 13):
        digits = digits[2:]
    if len(digits) not in (10, 11) or digits[0] == "0":
        raise InvalidConsorciado(
            f"Telefone inválido em {field}: use DDD + número (10 ou 11 dígitos).",
            extra={"field": field},
        )
    return digits


def _cep(value: str) -> str:
    digits = value.strip().replace("-", "").replace(".", "")
    if not re.fullmatch(r"\d{8}", digits) or digits == "00000000":
        raise InvalidCep(f"CEP inválido: {value!r} (8 dígitos).", extra={"field": "address.cep"})
    return digits


def _apply(c: Consorciado, data: ConsorciadoFields) -> dict[str, Any]:
    """Validate and copy the fields present in ``data``; returns what changed (for audit)."""
    given = data.model_fields_set
    changed: dict[str, Any] = {}

    def put(attr: str, value: Any) -> None:
        if getattr(c, attr, None) != value:
            changed[attr] = value
            setattr(c, attr, value)

    if "name" in given and data.name is not None:
        put("name", data.name)
    if "trade_name" in given:
        put("trade_name", data.trade_name or "")
    if "birth_date" in given:
        if data.birth_date is not None and data.birth_date > today_sp():
            raise InvalidConsorciado(
                "Data de nascimento/fundação no futuro.", extra={"field": "birth_date"}
            )
        put("birth_date", data.birth_date)
    if "spouse_document" in given:
        spouse = parse_cpf(data.spouse_document) if data.spouse_document else None
        if spouse is not None and spouse == c.document:
            raise InvalidConsorciado(
                "O CPF do cônjuge não pode ser o do próprio consorciado.",
                extra={"field": "spouse_document"},
            )
        put("spouse_document", spouse)
    if "email" in given:
        put("email", str(data.email).lower() if data.email else "")
    for attr in ("phone", "mobile"):
        if attr in given:
            raw = getattr(data, attr)
            put(attr, _phone(raw, attr) if raw else "")
    if "address" in given:
        a = data.address
        if a is None:
            for attr in ("cep", "street", "number", "complement", "district", "city", "state"):
                put(attr, "")
        else:
            state = a.state.upper()
            if state and state not in UFS:
                raise InvalidConsorciado(f"UF inválida: {a.state!r}.", extra={"field": "state"})
            put("cep", _cep(a.cep))
            for attr in ("street", "number", "complement", "district", "city"):
                put(attr, getattr(a, attr))
            put("state", state)
    if "monthly_income" in given:
        put("monthly_income", data.monthly_income)
    if "pix_key" in given:
        if data.pix_key:
            key = parse_pix_key(data.pix_key)
            put("pix_key", key.value)
            put("pix_key_type", key.key_type.value)
        else:
            put("pix_key", None)
            put("pix_key_type", None)
    if "bank_account" in given:
        b = data.bank_account
        if b is None:
            for attr in ("bank_code", "bank_branch", "bank_account", "bank_account_digit"):
                put(attr, None)
            put("bank_account_type", None)
        else:
            if not re.fullmatch(r"\d{3}", b.bank_code):
                raise InvalidBankAccount("Código do banco deve ter 3 dígitos (COMPE).")
            if not re.fullmatch(r"\d{1,5}(-?[0-9Xx])?", b.branch):
                raise InvalidBankAccount("Agência deve ter até 5 dígitos.")
            if not re.fullmatch(r"\d{1,20}", b.account):
                raise InvalidBankAccount("Conta deve ter só dígitos (até 20).")
            if b.digit and not re.fullmatch(r"[0-9Xx]{1,2}", b.digit):
                raise InvalidBankAccount("Dígito da conta inválido.")
            put("bank_code", b.bank_code)
            put("bank_branch", b.branch.split("-")[0])
            put("bank_account", b.account)
            put("bank_account_digit", b.digit.upper() or None)
            put("bank_account_type", b.type)
    if "pep" in given and data.pep is not None:
        put("pep", data.pep)
    if "notes" in given:
        put("notes", data.notes or "")
    if "lgpd_consent" in given and data.lgpd_consent is not None:
        if data.lgpd_consent and not c.lgpd_consent:
            put("lgpd_consent_at", utcnow())
        put("lgpd_consent", data.lgpd_consent)
    return changed


def _subject(c: Consorciado) -> DataSubject | None:
    cpf = c.document if c.kind == "pf" else None
    email = c.email or None
    if cpf is None and email is None:
        return None
    return DataSubject(cpf=cpf, email=email)


async def _sync_consent(
    session: AsyncSession, c: Consorciado, changed: dict[str, Any], actor: uuid.UUID | None
) -> None:
    """Mirror the consent flag into the core's append-only consent register."""
    if "lgpd_consent" not in changed:
        return
    subject = _subject(c)
    if subject is None:
        return
    from lastro.core.lgpd import consents

    if c.lgpd_consent:
        await consents.grant(
            session,
            subject,
            purpose=CONSENT_PURPOSE,
            text_version=CONSENT_TEXT_VERSION,
            channel="consorcio",
            recorded_by=actor,
        )
    else:
        await consents.revoke_all(
            session,
            subject,
            purposes=[CONSENT_PURPOSE],
            channel="consorcio",
            reason="Consentimento retirado no cadastro do consorciado",
        )


async def get_consorciado(session: AsyncSession, consorciado_id: uuid.UUID) -> Consorciado:
    found = await session.scalar(select(Consorciado).where(Consorciado.id == consorciado_id))
    if found is None:
        raise ConsorciadoNotFound("Consorciado não encontrado.")
    return found


async def find_by_document(session: AsyncSession, document: str) -> Consorciado | None:
    return await session.scalar(
        select(Consorciado).where(Consorciado.document == normalize_document(document))
    )


def holder_documents(c: Consorciado) -> list[str]:
    """The holder and spouse: the 10 % cap counts a couple together."""
    return [d for d in (c.document, c.spouse_document) if d]


async def create_consorciado(
    session: AsyncSession, data: ConsorciadoCreate, *, actor: uuid.UUID | None = None
) -> Consorciado:
    kind, document = parse_document(data.document, data.kind)
    c = Consorciado(kind=kind, document=document, name=data.name)
    _apply(c, data)
    if kind == "pf" and data.trade_name:
        raise InvalidConsorciado(
            "Nome fantasia só se aplica a pessoa jurídica.", extra={"field": "trade_name"}
        )
    if kind == "pj" and c.spouse_document:
        raise InvalidConsorciado(
            "Cônjuge só se aplica a pessoa física.", extra={"field": "spouse_document"}
        )
    try:
        async with session.begin_nested():
            session.add(c)
            await session.flush()
    except IntegrityError:
        raise DocumentTaken(
            f"Já existe consorciado com o documento {format_document(kind, document)}."
        ) from None
    audit(
        session,
        "consorcio.consorciado.created",
        "consorcio_consorciado",
        c.id,
        after={"kind": kind, "name": c.name},
    )
    if c.lgpd_consent:
        await _sync_consent(session, c, {"lgpd_consent": True}, actor)
    return c


async def update_consorciado(
    session: AsyncSession,
    consorciado_id: uuid.UUID,
    data: ConsorciadoUpdate,
    *,
    actor: uuid.UUID | None = None,
) -> Consorciado:
    c = await get_consorciado(session, consorciado_id)
    if c.anonymized_at is not None:
        raise InvalidConsorciado("Cadastro anonimizado (LGPD) não pode ser alterado.", status=409)
    changed = _apply(c, data)
    if c.kind == "pj" and c.spouse_document:
        raise InvalidConsorciado(
            "Cônjuge só se aplica a pessoa física.", extra={"field": "spouse_document"}
        )
    if changed:
        await session.flush()
        audit(
            session,
            "consorcio.consorciado.updated",
            "consorcio_consorciado",
            c.id,
            after={
                k: (str(v) if v is not None else None)
                for k, v in changed.items()
                if k not in ("monthly_income",)
            },
        )
        await _sync_consent(session, c, changed, actor)
    return c


def list_statement(
    *, q: str | None = None, kind: str | None = None, pep: bool | None = None
) -> Select[Any]:
    stmt = select(Consorciado)
    if kind:
        stmt = stmt.where(Consorciado.kind == kind)
    if pep is not None:
        stmt = stmt.where(Consorciado.pep.is_(pep))
    if q:
        text = q.strip()
        doc = normalize_document(text)
        conditions = [func.lower(Consorciado.name).like(f"%{text.lower()}%")]
        if doc and len(doc) >= 3:
            conditions.append(Consorciado.document.like(f"{doc}%"))
        stmt = stmt.where(or_(*conditions))
    return stmt.order_by(Consorciado.name, Consorciado.id)
