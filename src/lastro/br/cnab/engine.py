"""Declarative fixed-width engine: one field table per record layout, compiled once.

A layout must declare every column from 1 to its width (fillers included), so a table that
does not add up fails at import, not in production. Writing fills a precompiled format
string and checks the line against the layout's regex; reading matches that regex (one C
call) and converts only the named fields. When a line does not match, a slow path names
the first field at fault.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from lastro.br.errors import CnabError

__all__ = ["Field", "Layout", "filler", "split_lines"]

Kind = Literal["alpha", "num", "int", "money", "date8", "date6", "filler"]
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Field:
    """Columns ``start``..``end`` (1-based, inclusive), as the bank manuals number them.

    kinds: ``alpha`` (left-aligned, blank padded, str), ``num`` (zero padded digits, kept as
    str to preserve leading zeros), ``int``, ``money`` (implied ``decimals``, Decimal),
    ``date8`` (DDMMAAAA) / ``date6`` (DDMMAA), zeros meaning no date, and ``filler``.
    ``const`` fields must hold ``default`` when read.
    """

    name: str
    start: int
    end: int
    kind: Kind = "alpha"
    default: Any = None
    decimals: int = 2
    const: bool = False

    @property
    def size(self) -> int:
        return self.end - self.start + 1


def filler(start: int, end: int, char: str = " ") -> Field:
    """Unused columns (blanks or zeros); written as ``char``, not returned when reading."""
    return Field(f"_filler_{start}", start, end, "filler", default=char)


def _ascii_upper(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text.upper()


@lru_cache(maxsize=8192)
def _fmt_date8(d: date | None) -> str:
    return "00000000" if d is None else f"{d.day:02d}{d.month:02d}{d.year:04d}"


@lru_cache(maxsize=8192)
def _fmt_date6(d: date | None) -> str:
    return "000000" if d is None else f"{d.day:02d}{d.month:02d}{d.year % 100:02d}"


class Layout:
    """One record type of one bank's layout; ``render`` and ``parse`` are inverses."""

    def __init__(self, name: str, width: int, fields: Iterable[Field]) -> None:
        self.name = name
        self.width = width
        self.fields = tuple(sorted(fields, key=lambda f: f.start))
        pos = 1
        for f in self.fields:
            if f.start != pos or f.end < f.start:
                raise ValueError(f"{name}: field {f.name} starts at {f.start}, expected {pos}")
            if f.const and f.default is None:
                raise ValueError(f"{name}: const field {f.name} needs a default")
            pos = f.end + 1
        if pos != width + 1:
            raise ValueError(f"{name}: fields cover {pos - 1} columns, expected {width}")
        self._compile()

    # -- compilation ----------------------------------------------------------------

    def _compile(self) -> None:
        pattern: list[str] = []
        self._defaults: dict[str, Any] = {}
        money_decimals = {f.decimals for f in self.fields if f.kind == "money"}
        if len(money_decimals) > 1:
            raise ValueError(f"{self.name}: one money precision per layout")
        decimals = money_decimals.pop() if money_decimals else 2
        pieces: list[str] = []  # f-string pieces of the writer
        reads: list[tuple[str, str]] = []  # (name, expression) of the reader
        empty = {"alpha": "", "num": None, "int": 0, "money": _ZERO}
        for f in self.fields:
            n = f.size
            if f.kind == "filler":
                pieces.append(_escape(str(f.default) * n))
                pattern.append(f".{{{n}}}")
                continue
            if f.const:
                pieces.append(_escape(self._literal(f)))
                pattern.append(re.escape(self._literal(f)))
                continue
            if not f.name.isidentifier():
                raise ValueError(f"{self.name}: field name {f.name!r} is not an identifier")
            key, g = repr(f.name), f"g[{len(reads)}]"
            default = f.default if f.default is not None else empty.get(f.kind)
            self._defaults[f.name] = "0" * n if default is None and f.kind == "num" else default
            if f.kind == "alpha":
                pieces.append(f"{{v[{key}]:<{n}.{n}}}")
                pattern.append(f"([^\\x00-\\x1f]{{{n}}})")
                reads.append((f.name, f"{g}.rstrip()"))
                continue
            pattern.append(f"([0-9]{{{n}}})")
            if f.kind in ("num", "int"):
                pieces.append(f"{{v[{key}]:0>{n}}}")
                reads.append((f.name, g if f.kind == "num" else f"int({g})"))
            elif f.kind == "money":
                pieces.append(f"{{units(v[{key}]):0>{n}}}")
                reads.append((f.name, f"money({g})"))
            else:
                fn = "d8" if f.kind == "date8" else "d6"
                pieces.append(f"{{w{fn}(v[{key}])}}")
                reads.append((f.name, f"r{fn}({g})"))
        self._regex = re.compile("".join(pattern))
        self._read_exprs = dict(reads)
        namespace: dict[str, Any] = {
            "units": _units_reader(decimals),
            "money": _money_reader(decimals),
            "wd8": _fmt_date8,
            "wd6": _fmt_date6,
            "rd8": _read_date8,
            "rd6": _read_date6,
        }
        self._namespace = dict(namespace)
        source = (
            "def write(v):\n"
            f"    return f{''.join(pieces)!r}.upper()\n"
            "def read(g):\n"
            f"    return {{{', '.join(f'{n!r}: {e}' for n, e in reads)}}}\n"
        )
        # Generated from the static field tables above (never from input), the way
        # dataclasses and namedtuple build their methods: one call per line, no loop.
        exec(compile(source, f"<cnab layout {self.name}>", "exec"), namespace)  # noqa: S102
        self._write: Callable[[Mapping[str, Any]], str] = namespace["write"]
        self._read: Callable[[tuple[str, ...]], dict[str, Any]] = namespace["read"]

    def tuple_reader(self, names: tuple[str, ...]) -> Callable[[str, int], tuple[Any, ...]]:
        """A reader returning only ``names``, in order: the fast path for bulk files.

        The whole line is still validated by the layout's regex; only the conversions of
        the fields not asked for are skipped.
        """
        unknown = [n for n in names if n not in self._read_exprs]
        if unknown:
            raise ValueError(f"{self.name}: unknown fields {unknown}")
        body = ", ".join(self._read_exprs[n] for n in names)
        namespace = dict(self._namespace)
        source = f"def read(g):\n    return ({body},)\n"
        exec(compile(source, f"<cnab reader {self.name}>", "exec"), namespace)  # noqa: S102
        convert: Callable[[tuple[str, ...]], tuple[Any, ...]] = namespace["read"]
        match = self._regex.fullmatch
        diagnose = self._parse_diagnose

        def read(line: str, line_no: int = 0) -> tuple[Any, ...]:
            m = match(line)
            if m is None:
                diagnose(line, line_no)
            try:
                return convert(m.groups())  # type: ignore[union-attr]
            except ValueError:
                diagnose(line, line_no)
                raise  # pragma: no cover - diagnose always raises

        return read

    @staticmethod
    def _literal(f: Field) -> str:
        value = str(f.default)
        if f.kind == "alpha":
            return value.ljust(f.size)[: f.size]
        return value.zfill(f.size)

    # -- writing --------------------------------------------------------------------

    def render(self, values: Mapping[str, Any]) -> str:
        """One line of exactly ``width`` characters; raises ``CnabError`` naming the field."""
        try:
            line = self._write({**self._defaults, **values})
        except Exception:
            return self._render_diagnose(values)
        if len(line) != self.width or not line.isascii() or self._regex.fullmatch(line) is None:
            return self._render_diagnose(values)
        return line

    def _render_diagnose(self, values: Mapping[str, Any]) -> str:
        """Slow path: convert field by field so the error names the culprit."""
        out: list[str] = []
        for f in self.fields:
            out.append(self._render_field(f, values.get(f.name, self._defaults.get(f.name))))
        return "".join(out)

    def _render_field(self, f: Field, value: Any) -> str:
        n = f.size
        if f.kind == "filler":
            return str(f.default) * n
        if f.const:
            return self._literal(f)

        def bad(why: str) -> CnabError:
            return CnabError(
                "CNAB_INVALID_VALUE",
                f"{self.name}: campo {f.name} (posições {f.start}-{f.end}) {why}; "
                f"recebido {value!r}.",
                record=self.name,
                field=f.name,
            )

        if f.kind == "alpha":
            if not isinstance(value, str):
                raise bad("deve ser texto")
            text = _ascii_upper(value)
            if any(ord(c) < 32 for c in text):
                raise bad("contém caracteres de controle")
            return text.ljust(n)[:n]
        if f.kind in ("date8", "date6"):
            if value is not None and not isinstance(value, date):
                raise bad("deve ser uma data")
            return _fmt_date8(value) if f.kind == "date8" else _fmt_date6(value)
        if f.kind == "money":
            if isinstance(value, bool) or not isinstance(value, int | Decimal):
                raise bad("deve ser Decimal ou inteiro")
            scaled = Decimal(value).scaleb(f.decimals)
            if scaled != int(scaled) or scaled < 0:
                raise bad(f"deve ser positivo e ter até {f.decimals} casas decimais")
            text = str(int(scaled))
        elif isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise bad("não pode ser negativo")
            text = str(value)
        elif isinstance(value, str) and value.isascii() and value.isdigit():
            text = value
        else:
            raise bad("deve conter apenas dígitos")
        if len(text) > n:
            raise bad(f"excede {n} dígitos")
        return text.zfill(n)

    # -- reading --------------------------------------------------------------------

    def parse(self, line: str, line_no: int = 0) -> dict[str, Any]:
        """Named values of one line; raises ``CnabError`` with line and field at fault."""
        m = self._regex.fullmatch(line)
        if m is None:
            self._parse_diagnose(line, line_no)
        try:
            return self._read(m.groups())  # type: ignore[union-attr]
        except ValueError:
            self._parse_diagnose(line, line_no)
            raise  # pragma: no cover - _parse_diagnose always raises

    def _parse_diagnose(self, line: str, line_no: int) -> None:
        where = f"Linha {line_no}" if line_no else "Linha"
        if len(line) != self.width:
            raise CnabError(
                "CNAB_INVALID_LINE_LENGTH",
                f"{where} ({self.name}): {len(line)} caracteres; esperado {self.width}.",
                line=line_no,
                record=self.name,
            )
        for f in self.fields:
            raw = line[f.start - 1 : f.end]
            if f.kind == "filler":
                continue
            problem = None
            if f.const and raw != self._literal(f):
                problem = f"deveria ser {self._literal(f)!r}"
            elif f.kind == "alpha":
                if any(ord(c) < 32 for c in raw):
                    problem = "contém caracteres de controle"
            elif not (raw.isascii() and raw.isdigit()):
                problem = "deveria conter apenas dígitos"
            elif f.kind in ("date8", "date6"):
                try:
                    (_read_date8 if f.kind == "date8" else _read_date6)(raw)
                except ValueError:
                    problem = "não é uma data válida"
            if problem:
                raise CnabError(
                    "CNAB_INVALID_FIELD",
                    f"{where} ({self.name}), campo {f.name} (posições {f.start}-{f.end}): "
                    f"{raw!r} {problem}.",
                    line=line_no,
                    record=self.name,
                    field=f.name,
                )
        raise CnabError(  # pragma: no cover - the regex and the walk agree
            "CNAB_INVALID_FIELD", f"{where} ({self.name}) inválida.", line=line_no
        )


def _units_reader(decimals: int) -> Callable[[Decimal | int], int]:
    @lru_cache(maxsize=8192)
    def to_units(amount: Decimal | int) -> int:
        """Money as an integer of its smallest unit; refuses to round silently."""
        if type(amount) is int:
            return int(amount * 10**decimals)
        scaled = Decimal(amount).scaleb(decimals)
        units = int(scaled)
        if units != scaled:
            raise ValueError(amount)
        return units

    return to_units


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _money_reader(decimals: int) -> Callable[[str], Decimal]:
    @lru_cache(maxsize=8192)
    def read(raw: str) -> Decimal:
        return Decimal(raw).scaleb(-decimals)

    return read


@lru_cache(maxsize=8192)
def _read_date8(raw: str) -> date | None:
    if raw == "00000000":
        return None
    return date(int(raw[4:8]), int(raw[2:4]), int(raw[0:2]))


@lru_cache(maxsize=8192)
def _read_date6(raw: str) -> date | None:
    """DDMMAA; years 00-69 are 20xx, 70-99 are 19xx (CNAB 400 predates 2000)."""
    if raw == "000000":
        return None
    yy = int(raw[4:6])
    return date(2000 + yy if yy < 70 else 1900 + yy, int(raw[2:4]), int(raw[0:2]))


def split_lines(text: str, width: int) -> list[str]:
    """Split a file into lines (CRLF or LF; a final EOF/blank line is ignored)."""
    if not isinstance(text, str):
        raise CnabError("CNAB_INVALID_FILE", "Informe o arquivo CNAB como texto.")
    body = text.rstrip("\x1a").rstrip("\r\n")
    if not body:
        raise CnabError("CNAB_EMPTY_FILE", "Arquivo CNAB vazio.")
    lines = body.split("\r\n") if "\r" in body else body.split("\n")
    if len(set(map(len, lines))) == 1 and len(lines[0]) == width:
        return lines  # the common case, checked in C
    for i, line in enumerate(lines, 1):
        if len(line) != width:
            raise CnabError(
                "CNAB_INVALID_LINE_LENGTH",
                f"Linha {i}: {len(line)} caracteres; esperado {width}.",
                line=i,
            )
    return lines  # pragma: no cover - unreachable: some length differed above
