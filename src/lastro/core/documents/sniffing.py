"""What a file really is, from its first bytes: the name and the client's Content-Type are
never trusted. A file whose extension names another type is refused, so ``recibo.pdf`` cannot
be an executable, and types that a browser would run (HTML, SVG, scripts) are never accepted."""

from __future__ import annotations

from pathlib import PurePath

import filetype  # type: ignore[import-untyped]

from lastro.core.documents.errors import FileTypeMismatch, FileTypeNotAllowed

SNIFF_BYTES = 8192

DEFAULT_ALLOWED: frozenset[str] = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/tiff",
        "image/heic",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/zip",
        "text/plain",
        "text/csv",
        "application/xml",
        "application/json",
    }
)

# Extension → the types its bytes may sniff as (OOXML files sniff as themselves or as zip).
EXTENSIONS: dict[str, frozenset[str]] = {
    ".pdf": frozenset({"application/pdf"}),
    ".png": frozenset({"image/png"}),
    ".jpg": frozenset({"image/jpeg"}),
    ".jpeg": frozenset({"image/jpeg"}),
    ".gif": frozenset({"image/gif"}),
    ".webp": frozenset({"image/webp"}),
    ".tif": frozenset({"image/tiff"}),
    ".tiff": frozenset({"image/tiff"}),
    ".heic": frozenset({"image/heic"}),
    ".doc": frozenset({"application/msword"}),
    ".docx": frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
    ".xls": frozenset({"application/vnd.ms-excel"}),
    ".xlsx": frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    ".odt": frozenset({"application/vnd.oasis.opendocument.text"}),
    ".ods": frozenset({"application/vnd.oasis.opendocument.spreadsheet"}),
    ".zip": frozenset({"application/zip"}),
    ".txt": frozenset({"text/plain"}),
    ".csv": frozenset({"text/csv", "text/plain"}),
    ".xml": frozenset({"application/xml"}),
    ".json": frozenset({"application/json", "text/plain"}),
}

_ACTIVE_TEXT = (b"<!doctype html", b"<html", b"<svg", b"<script", b"<?php", b"#!")


def _text_type(head: bytes, suffix: str) -> str | None:
    """A text type for bytes with no magic number, or None when they are binary."""
    if b"\x00" in head:
        return None
    sample = head
    # a multi-byte character may be cut at the end of the sample
    for cut in range(4):
        try:
            text = sample[: len(sample) - cut].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    else:
        try:
            text = sample.decode("cp1252")
        except UnicodeDecodeError:
            return None
    stripped = text.lstrip("\ufeff \t\r\n").lower().encode()
    if stripped.startswith(_ACTIVE_TEXT) or b"<script" in stripped:
        return "text/html"
    if stripped.startswith(b"<?xml") or (suffix == ".xml" and stripped.startswith(b"<")):
        return "application/xml"
    if suffix == ".json" and stripped[:1] in (b"{", b"["):
        return "application/json"
    if suffix == ".csv":
        return "text/csv"
    return "text/plain"


def sniff(head: bytes, filename: str) -> str:
    """The content type of a file from its first bytes (and, for text, its extension)."""
    suffix = PurePath(filename).suffix.lower()
    kind = filetype.guess_mime(head) if head else None
    if isinstance(kind, str):
        if kind == "application/zip" and suffix in (".docx", ".xlsx", ".odt", ".ods"):
            # OOXML detection needs the central directory, which may lie past the sample
            return next(iter(EXTENSIONS[suffix]))
        return kind
    return _text_type(head, suffix) or "application/octet-stream"


def check_type(content_type: str, filename: str, allowed: frozenset[str] | None = None) -> None:
    """Refuse a type the tenant does not accept, or one its extension contradicts."""
    accepted = allowed if allowed is not None else DEFAULT_ALLOWED
    if content_type not in accepted:
        raise FileTypeNotAllowed(
            f"Tipo de arquivo não aceito: {content_type}.",
            extra={"content_type": content_type},
        )
    suffix = PurePath(filename).suffix.lower()
    expected = EXTENSIONS.get(suffix)
    if expected is not None and content_type not in expected:
        raise FileTypeMismatch(
            f"O conteúdo do arquivo ({content_type}) não corresponde à extensão '{suffix}'.",
            extra={"content_type": content_type, "extension": suffix},
        )
