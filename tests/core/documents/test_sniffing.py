"""Types come from the bytes: names and declared types are not trusted."""

from __future__ import annotations

import io

import openpyxl
import pytest

from lastro.core.documents.errors import FileTypeMismatch, FileTypeNotAllowed
from lastro.core.documents.sniffing import check_type, sniff

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03" + b"\x00" * 300


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "x"  # type: ignore[index]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (PDF, "contrato.pdf", "application/pdf"),
        (PDF, "sem-extensao", "application/pdf"),
        (PNG, "foto.png", "image/png"),
        (b"Nome;Valor\nAna;10,00\n", "lista.csv", "text/csv"),
        ("Observação em português".encode(), "nota.txt", "text/plain"),
        ("Descrição em cp1252".encode("cp1252"), "nota.txt", "text/plain"),
        (b'<?xml version="1.0"?><nfeProc/>', "nota.xml", "application/xml"),
        (b"<html><body>oi</body></html>", "pagina.txt", "text/html"),
        (b"<svg onload=alert(1)>", "logo.svg", "text/html"),
        (EXE, "recibo.pdf", "application/x-msdownload"),
        (b"\x00\x01\x02binary", "dados.bin", "application/octet-stream"),
    ],
)
def test_sniff(head: bytes, name: str, expected: str) -> None:
    assert sniff(head, name) == expected


def test_xlsx_is_recognised_from_its_bytes() -> None:
    content = _xlsx()
    kind = sniff(content[:8192], "planilha.xlsx")
    assert kind == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    check_type(kind, "planilha.xlsx")


def test_allowed_and_matching_type_passes() -> None:
    check_type("application/pdf", "contrato.pdf")
    check_type("text/csv", "lista.csv")


def test_executable_named_pdf_is_refused() -> None:
    with pytest.raises(FileTypeNotAllowed) as info:
        check_type(sniff(EXE, "recibo.pdf"), "recibo.pdf")
    assert info.value.code == "FILE_TYPE_NOT_ALLOWED"


def test_html_is_never_accepted() -> None:
    with pytest.raises(FileTypeNotAllowed):
        check_type(sniff(b"<!DOCTYPE html><script>x</script>", "a.txt"), "a.txt")


def test_extension_contradicting_content_is_refused() -> None:
    with pytest.raises(FileTypeMismatch) as info:
        check_type(sniff(PDF, "foto.png"), "foto.png")
    assert info.value.code == "FILE_TYPE_MISMATCH"


def test_tenant_allow_list_narrows_types() -> None:
    with pytest.raises(FileTypeNotAllowed):
        check_type("image/png", "foto.png", frozenset({"application/pdf"}))
