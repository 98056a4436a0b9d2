"""CSV, XLSX and PDF writers behind one small interface, fed rows in chunks.

Each writer is synchronous (the caller runs it in a worker thread, chunk by chunk) and keeps
nothing but the current chunk, so memory stays flat however many rows pass through:
- CSV: UTF-8 with BOM, ``;`` separator, CRLF, decimal comma and dd/mm/aaaa dates — what Excel
  in pt-BR opens correctly with a double click. Text starting with = + - @ is prefixed with an
  apostrophe so spreadsheets never run it as a formula (CSV injection).
- XLSX: streamed sheet XML (:mod:`lastro.core.exports.xlsx`); numbers, dates and booleans keep
  their types; strings are never turned into formulas or links.
- PDF: a reportlab table, landscape A4, header repeated on every page, the tenant's branding.
  Layout needs the whole table, so PDF has a row cap (``PDF_MAX_ROWS``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, BinaryIO, Literal, Protocol
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from lastro.core.exports.errors import UnknownFormat
from lastro.core.exports.registry import Column
from lastro.core.exports.xlsx import StreamingXlsx
from lastro.core.web.branding import Brand
from lastro.kit.clock import SAO_PAULO

Format = Literal["csv", "xlsx", "pdf"]
FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}
PDF_MAX_ROWS = 10_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(_FORMULA_START)


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


class ExportWriter(Protocol):
    def write(self, rows: Sequence[Sequence[Any]]) -> None: ...

    def close(self) -> None: ...


def check_format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise UnknownFormat(f"Formato inválido: {fmt}. Use csv, xlsx ou pdf.")
    return fmt  # type: ignore[return-value]


def local(value: datetime) -> datetime:
    """Stored UTC → the São Paulo wall clock people read."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(SAO_PAULO)


def text_of(value: Any, kind: str) -> str:
    """A cell as pt-BR text (CSV and PDF)."""
    if value is None:
        return ""
    if kind == "bool" or isinstance(value, bool):
        return "Sim" if value else "Não"
    if isinstance(value, datetime):
        return local(value).strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal) or kind == "decimal":
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        return f"{number:f}".replace(".", ",")
    return str(value)


def _safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _local_text(value: datetime) -> str:
    t = local(value)
    return f"{t.day:02d}/{t.month:02d}/{t.year:04d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def csv_cell(kind: str) -> Callable[[Any], str]:
    """The formatter of one CSV column (chosen once, not per cell)."""
    if kind == "int":
        return lambda v: str(v) if isinstance(v, int) else text_of(v, kind)
    if kind == "datetime":
        return lambda v: _local_text(v) if isinstance(v, datetime) else text_of(v, kind)
    if kind == "text":
        return lambda v: _safe(v) if isinstance(v, str) else _safe(text_of(v, kind))
    return lambda v: text_of(v, kind)


class CsvWriter:
    """Text columns go to the csv module as they are, checked only for a formula start;
    integers pass through; the other kinds get their pt-BR formatter."""

    def __init__(self, out: Sink, columns: Sequence[Column]) -> None:
        self.out = out
        self.texts = [i for i, c in enumerate(columns) if c.kind == "text"]
        self.fixes = [
            (i, csv_cell(c.kind)) for i, c in enumerate(columns) if c.kind not in ("text", "int")
        ]
        self.buffer = io.StringIO()
        self.csv = csv.writer(self.buffer, delimiter=";", lineterminator="\r\n")
        out.write("\ufeff".encode())
        self.csv.writerow([c.label for c in columns])
        self._flush()

    def _flush(self) -> None:
        self.out.write(self.buffer.getvalue().encode("utf-8"))
        self.buffer.seek(0)
        self.buffer.truncate()

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        texts, fixes, danger = self.texts, self.fixes, _FORMULA_CHARS
        prepared = []
        for source in rows:
            row = list(source)
            for i, fn in fixes:
                value = row[i]
                if value is not None:
                    row[i] = fn(value)
            for i in texts:
                value = row[i]
                if value is None:
                    continue
                if value.__class__ is not str:
                    value = row[i] = str(value)
                if value and value[0] in danger:
                    row[i] = "'" + value
            prepared.append(row)
        self.csv.writerows(prepared)
        self._flush()

    def close(self) -> None:
        self._flush()


class XlsxWriter:
    def __init__(self, out: BinaryIO, columns: Sequence[Column], title: str) -> None:
        self.book = StreamingXlsx(
            out,
            [c.label for c in columns],
            [c.width for c in columns],
            [c.kind for c in columns],
            title,
            local,
        )

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        self.book.write(rows)

    def close(self) -> None:
        self.book.close()


class PdfWriter:
    """Collects rows (capped) and lays them out when closed."""

    def __init__(self, out: BinaryIO, columns: Sequence[Column], title: str, brand: Brand) -> None:
        self.out = out
        self.columns = list(columns)
        self.title = title
        self.brand = brand
        self.rows: list[list[str]] = []

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        cut = [(c.kind, c.width * 2) for c in self.columns]
        self.rows.extend(
            [text_of(v, k)[:n] for v, (k, n) in zip(row, cut, strict=False)] for row in rows
        )

    def close(self) -> None:
        from lastro.core.documents.pdf import branded_pdf

        total_width = sum(c.width for c in self.columns) or 1
        usable = 265 * mm
        widths = [usable * c.width / total_width for c in self.columns]
        table = Table([[c.label for c in self.columns], *self.rows], colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(self.brand.primary_color)),
                    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                    ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        stamp = local(datetime.now(UTC)).strftime("%d/%m/%Y %H:%M")
        story = [
            Paragraph(
                f"<b>{escape(self.title)}</b> — {len(self.rows)} registro(s), gerado em {stamp}",
                getSampleStyleSheet()["BodyText"],
            ),
            Spacer(1, 3 * mm),
            table,
        ]
        self.out.write(branded_pdf(story, self.brand, title=self.title, landscape=True))


def make_writer(
    fmt: Format, out: BinaryIO, columns: Sequence[Column], title: str, brand: Brand
) -> ExportWriter:
    if fmt == "csv":
        return CsvWriter(out, columns)
    if fmt == "xlsx":
        return XlsxWriter(out, columns, title)
    return PdfWriter(out, columns, title, brand)
