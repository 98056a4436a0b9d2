"""Importing a CNAB 240 or CNAB 400 retorno file.

* **Idempotent per file**: the file's SHA-256 is unique per tenant. The same file again (also
  two uploads racing) answers with the first import's report and changes nothing.
* **Idempotent per payment**: each paid line becomes a payment whose identity is (bank, the
  charge its nosso número names, occurrence date, movement code, amount, and which of
  identical lines in the file it is). The same liquidação carried by another file (a bank
  re-sending a day) is counted as a duplicate, not applied twice. The file line itself is
  not part of the identity: it changes between files.
* **Nothing dropped**: an unknown nosso número, a bank rejection (03/26/30 with its reason
  codes) or a paid line with no amount is stored as an exception of the import and counted.
  Other movements (02 entrada confirmada, 09 baixa, …) are counted as ignored.
* **Fast**: parsing is the compiled :mod:`lastro.br.cnab` engine; charges are looked up in
  chunks by nosso número, and :func:`~.service.apply_payments` writes set-based.

A malformed file (wrong length, counts, record order) is refused whole with the CNAB error
code and line (422); nothing is recorded.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.cnab import MovementStatus, Ocorrencia, Retorno, read_retorno_240, read_retorno_400
from lastro.infra.database import Database
from lastro.infra.outbox import publish
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.ids import new_id
from lastro.modules.consorcio.billing.models import Charge, CollectingAccount
from lastro.modules.consorcio.payments import bulk
from lastro.modules.consorcio.payments.errors import InvalidRetorno
from lastro.modules.consorcio.payments.events import RetornoImportado
from lastro.modules.consorcio.payments.models import PaymentException, RetornoImport
from lastro.modules.consorcio.payments.service import CHUNK, PaymentInput, apply_payments

ZERO = Decimal("0.00")
MAX_BYTES = 200 * 1024 * 1024
SUPPORTED_400 = ("237", "341")


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, for a file seen before, what its first import did)."""

    id: uuid.UUID
    created: bool
    filename: str
    layout: str
    bank_code: str
    sha256: str
    lines: int
    applied: int
    duplicates: int
    unknown: int
    rejected: int
    ignored: int
    amount_applied: Decimal
    amount_unknown: Decimal

    @classmethod
    def of(cls, row: RetornoImport, *, created: bool) -> ImportReport:
        return cls(
            row.id,
            created,
            row.filename,
            row.layout,
            row.bank_code,
            row.sha256,
            row.lines,
            row.applied,
            row.duplicates,
            row.unknown,
            row.rejected,
            row.ignored,
            row.amount_applied,
            row.amount_unknown,
        )


def _decode(content: bytes) -> str:
    try:
        return content.decode("ascii")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def detect(text: str) -> tuple[str, str]:
    """(layout, bank code) from the first line: 240 or 400 columns."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    if len(first) == 240:
        return "cnab240", first[:3]
    if len(first) == 400:
        bank = first[76:79]
        if bank not in SUPPORTED_400:
            raise InvalidRetorno(
                f"CNAB 400 do banco {bank!r} não suportado (suportados: Bradesco 237, Itaú 341).",
                code="RETORNO_BANK_NOT_SUPPORTED",
            )
        if first[:2] != "02":
            raise InvalidRetorno(
                "O arquivo CNAB 400 não é um retorno (o header deve começar com '02RETORNO').",
                code="CNAB_WRONG_FILE_KIND",
            )
        return "cnab400", bank
    raise InvalidRetorno(
        f"Formato não reconhecido: a primeira linha tem {len(first)} caracteres; um retorno "
        "CNAB tem 240 ou 400.",
        code="RETORNO_UNKNOWN_LAYOUT",
    )


def parse(text: str) -> tuple[str, Retorno, list[int]]:
    """The retorno and the file line (1-based) of each ocorrência."""
    layout, bank = detect(text)
    text = text.lstrip("\ufeff")
    lines = text.rstrip("\x1a").rstrip("\r\n").replace("\r\n", "\n").split("\n")
    if layout == "cnab240":
        retorno = read_retorno_240(text)
        numbers = [i for i, ln in enumerate(lines, 1) if ln[7:8] == "3" and ln[13:14] == "T"]
    else:
        retorno = read_retorno_400(text, bank)
        numbers = [i for i, ln in enumerate(lines, 1) if ln[:1] == "1"]
    if len(numbers) != len(retorno.ocorrencias):  # pragma: no cover - the readers check it
        numbers = list(range(2, len(retorno.ocorrencias) + 2))
    return layout, retorno, numbers


def _digits_key(value: str) -> str:
    text = value.strip()
    return text.lstrip("0") or "0" if text.isdigit() else text


async def _accounts(session: AsyncSession, retorno: Retorno) -> list[CollectingAccount]:
    """The collecting accounts the file may be about: the header's own account first, else
    every account of that bank."""
    b = retorno.beneficiario
    rows = list(
        await session.scalars(
            select(CollectingAccount).where(CollectingAccount.bank_code == b.bank_code)
        )
    )
    mine = [
        a
        for a in rows
        if _digits_key(a.agencia) == _digits_key(b.agencia)
        and _digits_key(a.conta) == _digits_key(b.conta)
    ]
    return mine or rows


async def _match_charges(
    session: AsyncSession, accounts: list[CollectingAccount], references: list[str]
) -> dict[str, tuple[uuid.UUID, str]]:
    """nosso número as written in the file → (charge id, status), trying the exact text,
    then the number at the width the account stores it, then without a trailing check digit."""
    if not accounts or not references:
        return {}
    account_ids = [a.id for a in accounts]
    out: dict[str, tuple[uuid.UUID, str]] = {}
    preference = {a: i for i, a in enumerate(account_ids)}
    if bulk.is_pg(session):
        # the common case first: the file carries the number exactly as we issued it
        exact = sorted({r.strip() for r in references})
        exact_hits: dict[str, tuple[uuid.UUID, str, uuid.UUID]] = {}
        for i in range(0, len(exact), bulk.CHUNK):
            for nn, cid, status, acc in await bulk.fetch(
                session,
                "SELECT nosso_numero, id, status, collecting_account_id FROM consorcio_charges "
                "WHERE tenant_id = $1 AND collecting_account_id = ANY($2::uuid[]) "
                "AND nosso_numero = ANY($3::text[])",
                account_ids,
                exact[i : i + bulk.CHUNK],
            ):
                seen_hit = exact_hits.get(nn)
                if seen_hit is None or preference[acc] < preference[seen_hit[2]]:
                    exact_hits[nn] = (cid, status, acc)
        for ref in references:
            exact_hit = exact_hits.get(ref.strip())
            if exact_hit is not None:
                out[ref] = (exact_hit[0], exact_hit[1])
        references = [r for r in set(references) if r not in out]
        if not references:
            return out
    widths: set[int] = set()
    for account_id in account_ids:
        sample = await session.scalar(
            select(Charge.nosso_numero).where(Charge.collecting_account_id == account_id).limit(1)
        )
        if sample:
            widths.add(len(sample))

    def widths_of(body: str) -> list[str]:
        if not body.isdigit():
            return [body]
        core = body.lstrip("0") or "0"
        return [body, *(core.zfill(w) for w in sorted(widths) if len(core) <= w)]

    # per reference: (option, check digit it requires or None), best first
    candidates: dict[str, list[tuple[str, str | None]]] = {}
    for ref in set(references):
        raw = ref.strip()
        options: list[tuple[str, str | None]] = [(o, None) for o in widths_of(raw)]
        if len(raw) > 1:
            options += [(o, raw[-1]) for o in widths_of(raw[:-1])]
        candidates[ref] = list(dict.fromkeys(o for o in options if o[0]))
    wanted = sorted({o for opts in candidates.values() for o, _ in opts})
    found: dict[str, tuple[uuid.UUID, str, str, uuid.UUID]] = {}
    for i in range(0, len(wanted), CHUNK):
        rows = await session.execute(
            select(
                Charge.nosso_numero,
                Charge.id,
                Charge.status,
                Charge.nosso_numero_dv,
                Charge.collecting_account_id,
            ).where(
                Charge.collecting_account_id.in_(account_ids),
                Charge.nosso_numero.in_(wanted[i : i + CHUNK]),
            )
        )
        for nn, cid, status, dv, acc in rows:
            prev = found.get(nn)
            if prev is None or preference[acc] < preference[prev[3]]:
                found[nn] = (cid, status, dv, acc)
    for ref, options in candidates.items():
        for option, check in options:
            hit = found.get(option)
            if hit is None or (check is not None and hit[2] and hit[2] != check):
                continue
            out[ref] = (hit[0], hit[1])
            break
    return out


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


_DAYS: dict[date, str] = {}


def _external_id(bank: str, charge_id: uuid.UUID, o: Ocorrencia, nth: int) -> str:
    on = o.occurrence_date or o.credit_date
    day = "00000000"
    if on:
        day = _DAYS.get(on) or _DAYS.setdefault(on, on.strftime("%Y%m%d"))
    return f"cnab:{bank}:{charge_id.hex}:{day}:{o.movement}:{_cents(o.paid_amount)}:{nth}"


def _exception(
    import_id: uuid.UUID,
    source: str,
    line: int,
    o: Ocorrencia,
    reason: str,
    detail: str,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "import_id": import_id,
        "source": source,
        "line_no": line,
        "reference": o.nosso_numero.strip()[:40],
        "movement": o.movement,
        "reason": reason,
        "detail": detail[:300],
        "amount": o.paid_amount or o.face_value,
        "paid_on": o.occurrence_date,
        "payload": {
            "seu_numero": o.seu_numero,
            "due_date": o.due_date.isoformat() if o.due_date else None,
            "face_value": str(o.face_value),
            "paid_amount": str(o.paid_amount),
            "credit_date": o.credit_date.isoformat() if o.credit_date else None,
            "reasons": list(o.reasons),
            "payer_name": o.payer_name,
        },
        "status": "open",
        "created_at": utcnow(),
    }


async def import_file(
    session: AsyncSession,
    content: bytes,
    *,
    filename: str,
    actor: uuid.UUID | None = None,
) -> ImportReport:
    """Import a retorno in the caller's transaction (see the module docstring)."""
    if not content:
        raise InvalidRetorno("O arquivo está vazio.", code="RETORNO_EMPTY")
    if len(content) > MAX_BYTES:
        raise InvalidRetorno("Arquivo grande demais (máximo 200 MB).", code="RETORNO_TOO_LARGE")
    digest = hashlib.sha256(content).hexdigest()
    seen = await session.scalar(select(RetornoImport).where(RetornoImport.sha256 == digest))
    if seen is not None:
        return ImportReport.of(seen, created=False)

    text = _decode(content)
    layout, retorno, line_numbers = parse(text)
    bank = retorno.beneficiario.bank_code
    row = RetornoImport(
        id=new_id(),
        sha256=digest,
        filename=(filename or "retorno")[:200],
        layout=layout,
        bank_code=bank,
        file_sequence=retorno.sequence,
        generated_on=retorno.generated_on,
        size_bytes=len(content),
        lines=len(retorno.ocorrencias),
        status="processing",
        created_by=actor,
        created_at=utcnow(),
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # the same file, imported by a concurrent request that committed
        seen = await session.scalar(select(RetornoImport).where(RetornoImport.sha256 == digest))
        if seen is None:
            raise
        return ImportReport.of(seen, created=False)

    paid = [
        (line, o)
        for line, o in zip(line_numbers, retorno.ocorrencias, strict=True)
        if o.status is MovementStatus.PAID and o.paid_amount > 0
    ]
    accounts = await _accounts(session, retorno)
    matches = await _match_charges(session, accounts, [o.nosso_numero for _, o in paid])
    exceptions: list[dict[str, Any]] = []
    inputs: list[PaymentInput] = []
    nth: Counter[str] = Counter()
    unknown_amount = ZERO
    rejected = ignored = 0
    today = today_sp()
    for line, o in zip(line_numbers, retorno.ocorrencias, strict=True):
        if o.status is MovementStatus.REJECTED:
            rejected += 1
            reasons = ", ".join(o.reasons) or "sem motivo informado"
            exceptions.append(
                _exception(
                    row.id,
                    layout,
                    line,
                    o,
                    "BANK_REJECTED",
                    f"Banco rejeitou o título (movimento {o.movement}; motivos: {reasons}).",
                )
            )
            continue
        if o.status is not MovementStatus.PAID:
            ignored += 1
            continue
        if o.paid_amount <= 0:
            rejected += 1
            exceptions.append(
                _exception(
                    row.id, layout, line, o, "ZERO_AMOUNT", "Liquidação sem valor pago informado."
                )
            )
            continue
        hit = matches.get(o.nosso_numero)
        if hit is None:
            unknown_amount += o.paid_amount
            detail = f"Nosso número {o.nosso_numero.strip()} não corresponde a nenhuma cobrança" + (
                " da conta de cobrança do arquivo."
                if accounts
                else f" (nenhuma conta de cobrança do banco {bank} cadastrada)."
            )
            exceptions.append(_exception(row.id, layout, line, o, "UNKNOWN_NOSSO_NUMERO", detail))
            continue
        charge_id, _status = hit
        base = _external_id(bank, charge_id, o, 0)[:-2]
        nth[base] += 1
        paid_on: date = o.occurrence_date or o.credit_date or retorno.generated_on or today
        inputs.append(
            PaymentInput(
                charge_id=charge_id,
                source=layout,
                external_id=f"{base}:{nth[base]}",
                amount=o.paid_amount,
                paid_on=paid_on,
                credited_on=o.credit_date,
                reference=o.nosso_numero.strip(),
                line_no=line,
                payer_name=o.payer_name,
            )
        )
    result = await apply_payments(
        session,
        inputs,
        book_ref=f"retorno:{row.id.hex}",
        import_id=row.id,
        actor=actor,
        description=f"Retorno {row.filename}",
    )
    for i in range(0, len(exceptions), CHUNK):
        await session.execute(insert(PaymentException), exceptions[i : i + CHUNK])
    applied = result.applied
    row.applied = len(applied)
    row.duplicates = len(result.duplicates)
    row.unknown = sum(1 for e in exceptions if e["reason"] == "UNKNOWN_NOSSO_NUMERO")
    row.rejected = rejected
    row.ignored = ignored
    row.amount_applied = sum((o.input.amount for o in applied), ZERO)
    row.amount_unknown = unknown_amount
    row.status = "completed"
    row.finished_at = utcnow()
    await session.flush()
    publish(
        session,
        RetornoImportado(
            tenant_id=row.tenant_id,
            import_id=row.id,
            filename=row.filename,
            layout=layout,
            applied=row.applied,
            duplicates=row.duplicates,
            unknown=row.unknown,
            rejected=row.rejected,
            amount_applied=row.amount_applied,
        ),
    )
    return ImportReport.of(row, created=True)


async def import_retorno(
    db: Database, tenant_id: uuid.UUID, content: bytes | str, *, filename: str = "retorno.ret"
) -> ImportReport:
    """Import a retorno in its own transaction for ``tenant_id`` (jobs, CLI, the bench)."""
    if isinstance(content, str):
        content = content.encode("latin-1", errors="replace")
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        return await import_file(session, content, filename=filename)


__all__ = ["ImportReport", "detect", "import_file", "import_retorno", "parse"]
