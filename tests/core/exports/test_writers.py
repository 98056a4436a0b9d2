"""The three writers, read back with independent readers (csv, openpyxl, pypdf)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
from pypdf import PdfReader

from lastro.core.exports.registry import Column
from lastro.core.exports.writers import CsvWriter, PdfWriter, XlsxWriter
from lastro.core.web.branding import Brand

COLUMNS = [
    Column("name", "Nome"),
    Column("amount", "Valor", "decimal"),
    Column("count", "Qtd", "int"),
    Column("when", "Quando", "datetime"),
    Column("due", "Vencimento", "date"),
    Column("ok", "Ativo", "bool"),
]
ROWS = [
    (
        'Ana; "Aspas"',
        Decimal("1234.50"),
        3,
        datetime(2026, 1, 2, 15, 0, tzinfo=UTC),
        date(2026, 2, 1),
        True,
    ),
    ('=HYPERLINK("x")', Decimal("-0.01"), 0, None, None, False),
    ("Ção\nquebra", None, None, datetime(2026, 7, 1, 2, 30, tzinfo=UTC), date(2026, 12, 31), None),
]


def _wall(*parts: int) -> datetime:
    """A naive wall-clock time, as spreadsheets hold them (São Paulo time, no zone)."""
    return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)


def test_csv_for_excel_ptbr() -> None:
    out = io.BytesIO()
    writer = CsvWriter(out, COLUMNS)
    writer.write(ROWS[:2])
    writer.write(ROWS[2:])
    writer.close()
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Nome", "Valor", "Qtd", "Quando", "Vencimento", "Ativo"]
    assert rows[1] == ['Ana; "Aspas"', "1234,50", "3", "02/01/2026 12:00:00", "01/02/2026", "Sim"]
    assert rows[2][0] == '\'=HYPERLINK("x")'  # never a formula
    assert rows[2][1:] == ["-0,01", "0", "", "", "Não"]
    assert rows[3][0] == "Ção\nquebra"
    assert rows[3][3] == "30/06/2026 23:30:00"  # São Paulo time
    assert len(rows) == 4


def test_xlsx_keeps_types() -> None:
    out = io.BytesIO()
    writer = XlsxWriter(out, COLUMNS, "Teste")
    writer.write(ROWS)
    writer.close()
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Nome", "Valor", "Qtd", "Quando", "Vencimento", "Ativo")
    assert values[1] == (
        'Ana; "Aspas"',
        1234.5,
        3,
        _wall(2026, 1, 2, 12, 0),
        _wall(2026, 2, 1, 0, 0),
        True,
    )
    assert values[2][0] == '=HYPERLINK("x")'  # a string, not a formula
    assert sheet.cell(row=3, column=1).data_type == "s"
    assert values[3][1] is None and values[3][3] == _wall(2026, 6, 30, 23, 30)
    assert len(values) == 4


def test_pdf_table_with_branding() -> None:
    out = io.BytesIO()
    writer = PdfWriter(out, COLUMNS, "Relatório de teste", Brand(name="Empresa Beta"))
    writer.write(ROWS * 40)
    writer.close()
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert len(reader.pages) >= 2
    first = reader.pages[0].extract_text()
    assert "Empresa Beta" in first and "Relatório de teste" in first and "120 registro(s)" in first
    assert "1234,50" in first and "Nome" in first
    assert "Nome" in reader.pages[1].extract_text()  # header repeated


def test_xlsx_parts_are_well_formed_and_text_is_safe() -> None:
    import zipfile
    from xml.etree import ElementTree

    from lastro.core.exports.xlsx import column_letter

    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    out = io.BytesIO()
    writer = XlsxWriter(out, [Column("t", "Texto <&>")], "Título & <teste>")
    writer.write([("  espaços  ",), ("controle\x01\x1f fora",), ("<b>&amp;</b>",), ("",)])
    writer.close()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))  # noqa: S314 - our own output
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    assert [r[0] for r in sheet.iter_rows(values_only=True)] == [
        "Texto <&>",
        "  espaços  ",
        "controle fora",
        "<b>&amp;</b>",
        "",
    ]
    assert sheet.freeze_panes == "A2"
