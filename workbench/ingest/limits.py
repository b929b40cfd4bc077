"""Limits a file must keep before it is read, so that a hostile file is refused, not obeyed.

A 5 KB workbook can declare a cell at XFD1048576 (the reader would allocate every cell up to it),
a zip can inflate a thousandfold, an XML part can define entities that expand, and a text cell
can hold 100 MB. Each check here runs on the file as it is, before the reader allocates for it,
and refuses with the limit in the message.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from workbench.errors import InputError

MAX_FILE_BYTES = 2 << 30
# Inflated size of all the parts of a workbook together, and the ratio one part may inflate by.
MAX_UNZIPPED_BYTES = 1 << 30
MAX_ZIP_RATIO = 200
ZIP_RATIO_FROM_BYTES = 1 << 20  # small parts (styles, shared strings of a few names) may be denser
# The cells a sheet may span (rows x columns of its used range) and its columns.
MAX_CELLS = 30_000_000
MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 32_767  # what Excel itself allows in one cell
MAX_JSON_DEPTH = 100
ZIP_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".ods"}

_CHUNK = 4 << 20
# A cell with a value (not a self-closing, formatting-only <c .../>), its column letters and row.
_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})(\d{1,7})"[^>]*(?<!/)>')
# What Excel, LibreOffice and the Python writers write: `r` first in every <row> and <c>. Such
# chunks are scanned by the fast patterns; anything else (a prefix, another attribute first, a
# row without its number) by _CELL.
_FAST_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})')
_FAST_ROW = re.compile(rb'<row r="(\d{1,7})"')
_ODD = re.compile(rb'<c (?!r=)|<row(?! r=)[ >/]')
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")


def check_size(path: Path) -> None:
    """Refuse a file larger than MAX_FILE_BYTES before any of it is read."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"the file is {size / (1 << 30):.1f} GiB, more than the limit of "
            f"{MAX_FILE_BYTES >> 30} GiB.",
            file=str(path),
            fix="Split it into smaller files and import them one by one.",
        )


def check_workbook(path: Path, sheet_names: dict[str, str] | None = None) -> None:
    """Check a zipped workbook (.xlsx/.xlsm/.xlsb/.ods) before the reader opens it.

    Refuses: parts that inflate beyond MAX_UNZIPPED_BYTES together or by more than MAX_ZIP_RATIO,
    parts that inflate to more than they declare, XML with a DOCTYPE or entities (no workbook
    needs them), and .xlsx sheets whose cells with values span more than MAX_CELLS or
    MAX_COLUMNS. The sheet's declared dimension is not trusted: the cells themselves are read.

    Example:
        >>> check_workbook(Path("展会.xlsx"))  # silent when the file is fine
    """
    if path.suffix.lower() not in ZIP_SUFFIXES or not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_declared_sizes(path, members)
            names = _sheet_names(archive)
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    sheet = names.get(member.filename)
                    _scan_part(path, archive, member, sheet,
                               count_cells=bool(_SHEET_PART.match(member.filename)))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as err:
        raise InputError(
            f"the workbook is a damaged zip file ({err}).",
            file=str(path),
            fix="Open it in Excel and save it again as .xlsx.",
        ) from err


def _check_declared_sizes(path: Path, members: list[zipfile.ZipInfo]) -> None:
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise InputError(
            f"the workbook unpacks to {total / (1 << 20):,.0f} MiB, more than the limit of "
            f"{MAX_UNZIPPED_BYTES >> 20:,} MiB (a zip bomb, or a sheet far too large).",
            file=str(path),
            fix="Save the sheets with leads as CSV, or split the workbook.",
        )
    for m in members:
        if m.file_size > ZIP_RATIO_FROM_BYTES and m.file_size > MAX_ZIP_RATIO * max(
                m.compress_size, 1):
            raise InputError(
                f"the part '{m.filename}' unpacks {m.file_size / max(m.compress_size, 1):,.0f} "
                f"times its packed size, more than the limit of {MAX_ZIP_RATIO} (a zip bomb).",
                file=str(path),
                fix="Do not import this file; ask the channel for a new export.",
            )


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name → sheet name of an .xlsx, for messages; empty when it cannot be told."""
    import defusedxml.ElementTree as safe_xml

    try:
        book = safe_xml.fromstring(archive.read("xl/workbook.xml")[: 1 << 24])
        rels = safe_xml.fromstring(archive.read("xl/_rels/workbook.xml.rels")[: 1 << 24])
    except Exception:  # noqa: BLE001 - names are for messages only; the parts are scanned anyway
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    names = {}
    for element in book.iter():
        if element.tag.endswith("}sheet"):
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "").lstrip("/")
            if target:
                part = target if target.startswith("xl/") else f"xl/{target}"
                names[part] = element.get("name")
    return names


def _scan_part(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo,
               sheet: str | None, *, count_cells: bool) -> None:
    """Inflate one part in chunks: its real size, no DTD, and the span of a sheet's cells."""
    seen = 0
    columns: set[bytes] = set()
    rows: list[int] = []  # the lowest and the highest row with a cell
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(_CHUNK):
            if seen == 0 and (b"<!DOCTYPE" in chunk[:4096] or b"<!ENTITY" in chunk[:4096]):
                raise InputError(
                    f"the part '{member.filename}' declares XML entities (a DOCTYPE); no "
                    "workbook needs them and they can expand without bound.",
                    file=str(path), sheet=sheet,
                    fix="Do not import this file; ask the channel for a new export.",
                )
            seen += len(chunk)
            if seen > member.file_size:
                raise InputError(
                    f"the part '{member.filename}' unpacks to more than the "
                    f"{member.file_size:,} bytes it declares (a zip bomb).",
                    file=str(path), sheet=sheet,
                    fix="Do not import this file; ask the channel for a new export.",
                )
            if not count_cells:
                continue
            # A cell reference cut by the chunk's end is found whole in the next round.
            text = tail + chunk
            cut = text.rfind(b"<")
            text, tail = text[:cut], text[cut:]
            if b":c " in text or _ODD.search(text):
                _collect(_CELL.findall(text), columns, rows)
            else:
                columns.update(_FAST_COLUMN.findall(text))
                numbers = [int(r) for r in _FAST_ROW.findall(text)]
                if numbers:
                    rows[:] = [min(numbers + rows[:1]), max(numbers + rows[1:])]
    if count_cells:
        _collect(_CELL.findall(tail), columns, rows)
    if columns and rows:
        numbers = [column_number(c.decode()) for c in columns]
        last = max(rows)
        check_span(path, sheet or member.filename, last - min(rows) + 1,
                   max(numbers) - min(numbers) + 1,
                   corner=f"{_letters(max(numbers))}{last}")


def _collect(found: list[tuple[bytes, bytes]], columns: set[bytes], rows: list[int]) -> None:
    """Keep the distinct columns and the lowest and highest row of the cells found."""
    if found:
        columns.update(c for c, _ in found)
        numbers = [int(r) for r in {r for _, r in found}]
        rows[:] = [min(numbers + rows[:1]), max(numbers + rows[1:])]


def column_number(letters: str) -> int:
    """Excel's column letters as a 1-based number: 'A' → 1, 'XFD' → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_span(path: Path, sheet: str | None, rows: int, columns: int, *,
               corner: str | None = None, at_least: bool = False) -> None:
    """Refuse a sheet whose cells span more than MAX_COLUMNS columns or MAX_CELLS cells.

    `at_least` says the count comes from the first part of the file only.
    """
    where = f" (its cells reach {corner})" if corner else ""
    fix = ("Delete the stray cells far from the data (Ctrl+End in Excel shows the last one) or "
           "keep only the lead columns, save, and import again.")
    if columns > MAX_COLUMNS:
        raise InputError(
            f"the sheet has {'at least ' if at_least else ''}{columns:,} columns{where}, more "
            f"than the limit of {MAX_COLUMNS:,}.",
            file=str(path), sheet=sheet, fix=fix,
        )
    if rows * columns > MAX_CELLS:
        raise InputError(
            f"the sheet spans {rows:,} rows x {columns:,} columns{where}, more than the limit "
            f"of {MAX_CELLS:,} cells.",
            file=str(path), sheet=sheet, fix=fix,
        )


def check_cell_length(path: Path, length: int, *, row: int | None = None,
                      column: str | None = None, sheet: str | None = None) -> None:
    """Refuse a cell longer than MAX_CELL_CHARS characters."""
    if length > MAX_CELL_CHARS:
        raise InputError(
            f"a cell holds {length:,} characters, more than the limit of {MAX_CELL_CHARS:,} "
            "(what Excel allows).",
            file=str(path), sheet=sheet, row=row, column=column,
            fix="Shorten or remove that value (a quote left open makes the rest of the file one "
            "cell), then import again.",
        )


def json_depth(value, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep lists and objects nest in a parsed JSON value, counting up to `limit` + 1."""
    depth, level = 0, [value]
    while level and depth <= limit:
        nested = []
        for item in level:
            if isinstance(item, dict):
                nested.extend(item.values())
            elif isinstance(item, list):
                nested.extend(item)
        if not nested:
            break
        depth += 1
        level = nested
    return depth
