"""Safe .xlsx workbooks: every workbook the project writes goes through `write_workbook`.

Lead data comes from outside and may hold text such as `=HYPERLINK("http://evil", "点我")`. A
spreadsheet that evaluates such a cell runs the sender's formula on the reader's machine
(formula or CSV injection). Here every text value is written as a string cell, and text that
starts like a formula (= + - @, tab, carriage return) also gets Excel's quote prefix, so that
Excel shows it as text and keeps it text when someone edits the cell. The value itself is kept
unchanged, so a workbook read back gives exactly what was written.

For CSV, which has no cell types, `neutralise_text` prefixes such text with an apostrophe.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import xlsxwriter

from workbench.errors import InputError

log = logging.getLogger(__name__)

# Text starting with one of these is taken as a formula by Excel, LibreOffice or Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_TEXT = 32_767
_PHONE_NUMBER = re.compile(r"\+\d{6,15}")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def looks_like_formula(value: object) -> bool:
    """True when a spreadsheet could take this text for a formula.

    Example:
        >>> looks_like_formula('=HYPERLINK("http://x")'), looks_like_formula("张伟")
        (True, False)
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return False
    # An international phone number (+8613812345678) or a signed number (-12.5) is data.
    return not (_PHONE_NUMBER.fullmatch(value) or _PLAIN_NUMBER.fullmatch(value))


def neutralise_text(value: object) -> object:
    """Prefix formula-like text with an apostrophe (for CSV and other untyped outputs).

    Example:
        >>> neutralise_text("=1+1")
        "'=1+1"
    """
    return "'" + value if looks_like_formula(value) else value


def write_workbook(
    path: str | os.PathLike,
    sheets: Mapping[str, pd.DataFrame],
    *,
    column_notes: Mapping[str, str] | None = None,
) -> Path:
    """Write frames as sheets of one .xlsx file in which no cell can run as a formula.

    Numbers, booleans and dates keep their types; every other value is written as a string
    cell, formula-like text with Excel's quote prefix. Headers are bold, frozen and filtered.
    A frame longer than Excel's row limit continues on sheets named 'name (2)', 'name (3)'.

    Args:
        path: the .xlsx file to write (its folder is created).
        sheets: sheet name -> frame, in the order the sheets appear.
        column_notes: header -> a comment shown on that header cell in every sheet.

    Returns:
        The path written.

    Example:
        >>> problems = pd.DataFrame({"行号": [3], "备注": ['=HYPERLINK("http://x")']})
        >>> write_workbook("out/问题行.xlsx", {"问题行": problems})
        PosixPath('out/问题行.xlsx')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(
        str(path),
        # Strings as strings and no URL/number guessing: what the frame holds is what is written.
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
         "strings_to_numbers": False, "nan_inf_to_errors": False},
    )
    formats = {
        "header": book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "quote_prefix": True}
        ),
        "text": book.add_format({"quote_prefix": True}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    used: set[str] = set()
    try:
        for name, frame in sheets.items():
            chunk = EXCEL_MAX_ROWS - 1
            starts = range(0, max(len(frame), 1), chunk)
            for part, start in enumerate(starts, start=1):
                title = _sheet_title(name if part == 1 else f"{name} ({part})", used)
                _write_sheet(book.add_worksheet(title), frame.iloc[start:start + chunk],
                             formats, column_notes or {})
    finally:
        book.close()
    log.info("wrote %s (%d sheets)", path, len(used))
    return path


def write_table(path: str | os.PathLike, frame: pd.DataFrame, *, sheet: str = "data") -> Path:
    """Write one frame as .xlsx (through `write_workbook`) or else CSV, formulas neutralised.

    The one writer of tables for people: CSV is UTF-8 with a BOM (so that Excel reads Chinese),
    formula-like text gets an apostrophe, numbers stay numbers (a negative amount is -12, not
    '-12), and list cells (a lead's phones) are joined with ', '.

    Example:
        write_table("线索.csv", leads)
    """
    path = Path(path)
    flat = frame.apply(lambda column: column.map(_joined) if column.dtype == object else column)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return write_workbook(path, {sheet: flat})
    path.parent.mkdir(parents=True, exist_ok=True)
    safe = flat.apply(
        lambda column: column.map(neutralise_text)
        if column.dtype == object or pd.api.types.is_string_dtype(column) else column
    )
    safe.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _joined(value: object) -> object:
    if isinstance(value, list | tuple) or (hasattr(value, "__len__") and hasattr(value, "dtype")
                                           and not isinstance(value, str)):
        return ", ".join(map(str, value))
    return value


def _sheet_title(name: str, used: set[str]) -> str:
    title = _SHEET_FORBIDDEN.sub("_", str(name)).strip("'")[:31] or "Sheet"
    base, n = title, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def _write_sheet(sheet, frame: pd.DataFrame, formats: dict, notes: Mapping[str, str]) -> None:
    headers = [str(c) for c in frame.columns]
    for col, header in enumerate(headers):
        _write_text(sheet, 0, col, header, formats, header=True)
        if header in notes:
            sheet.write_comment(0, col, notes[header])
    widths = [_display_width(h) for h in headers]
    for row, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        for col, value in enumerate(values):
            shown = _write_value(sheet, row, col, value, formats)
            if row <= 200:  # width from the first rows is enough and keeps big sheets fast
                widths[col] = max(widths[col], _display_width(shown))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width + 2, 6), 60))
    sheet.freeze_panes(1, 0)
    if headers:
        sheet.autofilter(0, 0, max(len(frame), 1), len(headers) - 1)


def _write_value(sheet, row: int, col: int, value, formats: dict) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
        return "FALSE"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return ""
        if isinstance(value, float) and math.isinf(value):
            return _write_text(sheet, row, col, str(value), formats)
        sheet.write_number(row, col, value)
        return str(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        return _write_value(sheet, row, col, value.item(), formats)
    if isinstance(value, datetime | pd.Timestamp):
        value = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        sheet.write_datetime(row, col, value.replace(tzinfo=None), formats["datetime"])
        return "yyyy-mm-dd hh:mm:ss"
    if isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day),
                             formats["date"])
        return "yyyy-mm-dd"
    if isinstance(value, list | tuple | dict) or type(value).__name__ == "ndarray":
        value = json.dumps(value.tolist() if hasattr(value, "tolist") else value,
                           ensure_ascii=False, default=str)
    return _write_text(sheet, row, col, str(value), formats)


def _write_text(sheet, row: int, col: int, text: str, formats: dict, *, header=False) -> str:
    if len(text) > EXCEL_MAX_TEXT:
        log.warning("cell %d,%d holds %d characters; cut to Excel's limit of %d",
                    row, col, len(text), EXCEL_MAX_TEXT)
        text = text[:EXCEL_MAX_TEXT]
    if header:
        fmt = formats["header"]
    else:
        fmt = formats["text"] if looks_like_formula(text) else None
    if sheet.write_string(row, col, text, fmt) < 0:
        raise InputError(f"Cell at row {row + 1}, column {col + 1} could not be written.",
                         fix="Check the value for characters Excel cannot hold.")
    return text


def _display_width(text: str) -> int:
    # CJK characters take two columns in Excel's default font.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text.split("\n")[0][:80])
