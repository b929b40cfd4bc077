"""Read lead files as they come: .xlsx/.xlsm/.xls/.ods, .csv in any Chinese encoding, .jsonl.

Every reader hands back `Sheet`s: a frame of text cells (str or None) under the headers as found,
with the source row number of each data row, so that any problem can be traced to its cell.
Header rows are found, not assumed: title rows above them ("2024年5月展会线索") are skipped and a
header spread over two rows (a merged group cell above its sub-headers) is joined.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from workbench.errors import InputError, WorkbenchError
from workbench.ingest import limits
from workbench.ingest.headers import header_score

log = logging.getLogger(__name__)

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUFFIXES = EXCEL_SUFFIXES | CSV_SUFFIXES | JSONL_SUFFIXES
HEADER_SEARCH_ROWS = 10
# Text columns of large files stay in Arrow memory: a tenth of the size of Python strings.
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
# Control characters are never data (NUL inside a name, DOS's end-of-file Ctrl-Z): dropped.
# Tab, line feed and carriage return stay. In UTF-8 and GB18030 these bytes are never part of a
# multi-byte character, so they can be dropped from the bytes of a text file too.
CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])
_CONTROL_CHARS = dict.fromkeys(CONTROL_BYTES)


@dataclass
class Sheet:
    """One table read from a file.

    Attributes:
        file: the file's path as given.
        name: the sheet's name (None for CSV and JSONL).
        frame: the data rows as text (missing cells are None or NaN), columns named by the
            headers found.
        rows: the source row number (1-based, as Excel or a text editor shows it) of each data row.
        header_row: the source row number of the (last) header row.
    """

    file: str
    name: str | None
    frame: pd.DataFrame
    rows: list[int] = field(default_factory=list)
    header_row: int = 1


def read_file(
    path: str | Path,
    *,
    sheet: str | None = None,
    score_header: Callable[[list[str]], int] | None = None,
) -> list[Sheet]:
    """Read every sheet of a file (or the one named) into text frames.

    Args:
        path: an .xlsx/.xlsm/.xls/.ods, .csv/.tsv/.txt or .jsonl file.
        sheet: for workbooks, the one sheet to read; all sheets when None.
        score_header: counts how many cells of a row look like headers; the header row is the
            first of the top rows with the highest count. By default: cells that name a
            standard field (headers.header_score).

    Returns:
        The sheets with at least one data row.

    Example:
        >>> pd.DataFrame({"姓名": ["张伟"], "手机号": ["13812345678"], "公司": ["华为"]}
        ...              ).to_excel("展会线索.xlsx", index=False)
        >>> sheets = read_file("展会线索.xlsx")
        >>> sheets[0].frame.columns.tolist()
        ['姓名', '手机号', '公司']
    """
    path = Path(path)
    if not path.exists():
        raise InputError("the file does not exist.", file=str(path), fix="Check the path.")
    suffix = path.suffix.lower()
    score = score_header or header_score
    if suffix not in SUFFIXES:
        raise InputError(
            f"files of type '{suffix or '(none)'}' cannot be imported.",
            file=str(path),
            fix=f"Save it as one of: {', '.join(sorted(SUFFIXES))}.",
        )
    limits.check_size(path)
    try:
        if suffix in EXCEL_SUFFIXES:
            sheets = _read_workbook(path, sheet, score)
        elif suffix in CSV_SUFFIXES:
            sheets = [_read_csv(path, score)]
        else:
            sheets = [_read_jsonl(path)]
    except WorkbenchError:
        raise
    except (Exception, RecursionError, MemoryError) as err:  # a reader's own failure, any type
        raise InputError(
            f"the file cannot be read ({type(err).__name__}: {str(err)[:200]}).",
            file=str(path),
            fix="Check that it is a lead file of the type its name says: open it in Excel or a "
            "text editor and save it again.",
        ) from err
    sheets = [one for one in sheets if not one.frame.empty]
    if not sheets:
        raise InputError(
            "the file has no data rows (only headers, or nothing below them).",
            file=str(path),
            fix="Export the data again with its rows; a file of headers alone imports nothing.",
        )
    return sheets


# --- cells ----------------------------------------------------------------------------------


def cell_text(value) -> str | None:
    """One cell as text: numbers without a spurious '.0', dates as ISO, blanks as None.

    Example:
        >>> cell_text(13812345678.0)
        '13812345678'
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.timedelta):
        return str(value)
    text = str(value).translate(_CONTROL_CHARS).strip()
    return text or None


# --- header detection -----------------------------------------------------------------------


def _split_header(
    grid: list[list[str | None]], score: Callable[[list[str]], int], *, merged_below: set[int]
) -> tuple[int, list[str]]:
    """Find the header row in the first rows of a grid; return its index and the column names.

    A header spread over two rows (a group cell above sub-headers, or header cells merged down
    over two rows) is joined: each column takes the lower row's name, else the upper one's.
    """
    if not grid:
        return 0, []
    candidates = grid[:HEADER_SEARCH_ROWS]
    scores = [score([c or "" for c in row]) for row in candidates]
    best = max(range(len(candidates)), key=lambda i: (scores[i], -i))
    top = list(candidates[best])
    header_index = best
    # A second header row: the row below also scores as a header and the one above did not
    # carry the names, or the header cells were merged downwards.
    if best + 1 < len(candidates):
        below = candidates[best + 1]
        below_score = scores[best + 1]
        if (below_score >= 2 and below_score >= scores[best] // 2) or best in merged_below:
            names = []
            last_group = None
            for col in range(max(len(top), len(below))):
                upper = top[col] if col < len(top) else None
                lower = below[col] if col < len(below) else None
                last_group = upper or last_group
                names.append(lower or upper or last_group)
            top = names
            header_index = best + 1
    width = max((len(r) for r in grid), default=0)
    top = list(top) + [None] * (width - len(top))
    return header_index, _unique_names(top)


def _unique_names(names: list[str | None]) -> list[str]:
    """Blank headers become 列3 (column 3); repeats keep their name with a counter: 电话, 电话#2."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names, start=1):
        name = (name or "").strip() or f"列{i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}#{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _frame_from_grid(
    grid: list[list[str | None]],
    first_row_number: int,
    score: Callable[[list[str]], int],
    *,
    merged_below: set[int] | None = None,
) -> tuple[pd.DataFrame, list[int], int]:
    header_index, names = _split_header(grid, score, merged_below=merged_below or set())
    width = len(names)
    rows, numbers = [], []
    for offset, row in enumerate(grid[header_index + 1 :], start=header_index + 1):
        if not any(row):
            continue  # empty rows are habit, not data
        row = list(row[:width]) + [None] * (width - len(row))
        rows.append(row)
        numbers.append(first_row_number + offset)
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    # Columns with neither a header nor a value are layout, not data.
    drop = [n for n in names if n.startswith("列") and n[1:].isdigit() and frame[n].isna().all()]
    frame = frame.drop(columns=drop)
    return frame, numbers, first_row_number + header_index


# --- workbooks ------------------------------------------------------------------------------


def _read_workbook(path: Path, sheet: str | None, score) -> list[Sheet]:
    import python_calamine

    limits.check_workbook(path)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as err:  # calamine raises several unrelated types for a bad file
        raise InputError(
            f"the workbook cannot be opened ({err}).",
            file=str(path),
            fix="Open it in Excel and save it again as .xlsx, or check that it is not a renamed "
            "CSV or a password-protected file.",
        ) from err
    names = workbook.sheet_names
    if sheet is not None and sheet not in names:
        raise InputError(
            f"there is no sheet '{sheet}'. Sheets found: {', '.join(names)}.",
            file=str(path),
            fix="Name one of those with --sheet, or leave --sheet out to read them all.",
        )
    sheets = []
    for name in [sheet] if sheet is not None else names:
        try:
            data = workbook.get_sheet_by_name(name)
        except Exception as err:  # calamine's XML, zip and value errors have no common base
            raise InputError(
                f"the sheet cannot be read ({type(err).__name__}: {str(err)[:200]}).",
                file=str(path), sheet=name,
                fix="Open the workbook in Excel and save it again as .xlsx.",
            ) from err
        # Before any cell is copied: the span the reader found, whatever the file declared.
        limits.check_span(path, name, data.height, data.width)
        grid = [[cell_text(v) for v in row] for row in data.to_python(skip_empty_area=False)]
        merged_below = set()
        try:
            for (r0, _c0), (r1, _c1) in data.merged_cell_ranges or []:
                if r1 > r0:
                    merged_below.add(r0)
        except (TypeError, ValueError):
            pass  # merged ranges are a hint only
        if not any(any(r) for r in grid):
            continue
        frame, numbers, header_row = _frame_from_grid(grid, 1, score, merged_below=merged_below)
        if frame.empty:
            continue
        sheets.append(Sheet(str(path), name, frame, numbers, header_row))
    return sheets


# --- text files -----------------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    """The encoding of a text file's first bytes: UTF-8 (with or without BOM) or GB18030.

    GB18030 is a superset of GBK and GB2312, so files saved by Chinese Excel decode with it.

    Example:
        >>> detect_encoding("姓名".encode("gbk"))
        'gb18030'
    """
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    # Decoded as the start of a longer text: a multi-byte character cut by the end of the
    # sample (a sample is the first MiB of a file) is not an error in either encoding.
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return encoding
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    return best.encoding if best else "utf-8"


def _read_csv(path: Path, score) -> Sheet:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError("the file is empty.", file=str(path), fix="Export the data again.")
    encoding = detect_encoding(raw[: 1 << 20])
    if encoding != "utf-16":
        raw = raw.translate(None, CONTROL_BYTES)  # NUL in a name, the Ctrl-Z that ends a file
    # The header is found in the first lines; the body is parsed from the bytes as they are.
    head = raw[:65536].decode(encoding, errors="ignore")
    try:
        delimiter = csv.Sniffer().sniff("\n".join(head.splitlines()[:20]), ",\t;|").delimiter
    except csv.Error:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    first_lines = list(csv.reader(io.StringIO("\n".join(head.splitlines()[:HEADER_SEARCH_ROWS])),
                                  delimiter=delimiter))
    grid = [[(c.strip() or None) for c in row] for row in first_lines]
    # Header detection looks at every cell of the first rows: bounded before it starts.
    limits.check_span(path, None, 1, max((len(row) for row in grid), default=0),
                      at_least=len(raw) > 65536)
    header_index, names = _split_header(grid, score, merged_below=set())
    # In a text file the header line itself says how many columns there are.
    names = names[: max(len(grid[header_index]), 1)]
    body, numbers = _parse_body(raw, encoding, delimiter, header_index, names, path)
    del raw
    body = body.apply(lambda column: column.str.strip())
    _check_lengths(body, numbers, path)
    keep = (body != "").any(axis=1).to_numpy()
    body = body[keep].reset_index(drop=True)
    body = body.where(body != "")
    return Sheet(str(path), None, body, list(numbers[keep]), header_index + 1)


def _check_lengths(body: pd.DataFrame, numbers, path: Path) -> None:
    """Refuse a cell longer than Excel allows, naming its row and column."""
    for name in body.columns:
        lengths = body[name].str.len()
        if len(lengths) and lengths.max() > limits.MAX_CELL_CHARS:
            at = int(np.argmax(lengths.fillna(0).to_numpy()))
            limits.check_cell_length(path, int(lengths.iloc[at]), row=int(numbers[at]),
                                     column=name)


def _parse_body(raw: bytes, encoding: str, delimiter: str, header_index: int,
                names: list[str], path: Path):
    """The rows below the header as text columns, with the line number of each row.

    Arrow's CSV reader (which also transcodes GB18030) is an order of magnitude faster than the
    alternatives and needs no decoded copy of the file; a row with more cells than the header,
    a quoted value spanning lines or bytes that do not decode send the file the slow way, which
    names the row.
    """
    invalid = []
    if encoding != "utf-16":  # in the others a newline byte is always a newline
        try:
            table = pa_csv.read_csv(
                io.BytesIO(raw),
                read_options=pa_csv.ReadOptions(
                    skip_rows=header_index + 1, column_names=names,
                    encoding="utf8" if encoding.startswith("utf-8") else encoding,
                ),
                parse_options=pa_csv.ParseOptions(
                    delimiter=delimiter,
                    invalid_row_handler=lambda row: invalid.append(row) or "skip",
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            numbers = _line_numbers(raw)
            numbers = numbers[numbers > header_index + 1]
            if not invalid and len(numbers) == table.num_rows:
                return table.to_pandas(types_mapper={pa.string(): TEXT}.get), numbers
        except pa.ArrowInvalid as err:
            log.info("fast CSV parse failed (%s); reading row by row", err)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        raise InputError(
            f"the file is not valid {encoding} text (byte {err.start}).",
            file=str(path),
            row=raw[: err.start].count(b"\n") + 1,
            fix="Save it again as CSV UTF-8 from Excel.",
        ) from err
    return _read_ragged(text, delimiter, header_index, names, path)


def _line_numbers(data: bytes) -> np.ndarray:
    """1-based numbers of the non-empty lines of a text."""
    array = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(array == 10)
    starts = np.concatenate(([0], ends + 1))
    ends = np.concatenate((ends, [len(array)]))
    lengths = ends - starts
    carriage = (lengths > 0) & (array[np.maximum(ends - 1, 0)] == 13)
    lengths = lengths - carriage
    numbers = np.flatnonzero(lengths > 0) + 1
    if data.startswith(b"\xef\xbb\xbf") and len(numbers) and numbers[0] == 1 and lengths[0] == 3:
        numbers = numbers[1:]  # a line holding only the BOM
    return numbers


def _read_ragged(text: str, delimiter: str, header_index: int, names: list[str], path: Path):
    rows, numbers = [], []
    width = len(names)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:  # a cell beyond the csv module's limit, a NUL, a stray quote
            raise InputError(
                f"the row cannot be parsed as CSV ({err}; cells may hold at most "
                f"{limits.MAX_CELL_CHARS:,} characters).",
                file=str(path), row=reader.line_num,
                fix="A quote left open makes the rest of the file one cell: close or remove it, "
                "then import again.",
            ) from err
        number += 1
        if number <= header_index + 1:
            continue
        if len(row) > width and any(c.strip() for c in row[width:]):
            raise InputError(
                f"the row has {len(row)} cells but the header has {width}.",
                file=str(path),
                row=number,
                fix="A value probably contains the separator without quotes: quote it or "
                "remove the extra separator, then import again.",
            )
        if not row:
            continue
        rows.append(row[:width] + [""] * (width - len(row)))
        numbers.append(number)
    return pd.DataFrame(rows, columns=names, dtype=TEXT), np.array(numbers, dtype=np.int64)


def _read_jsonl(path: Path) -> Sheet:
    records, numbers = [], []
    encoding = detect_encoding(path.read_bytes()[: 1 << 20])
    number = 0
    with path.open(encoding=encoding) as handle:
        while True:
            try:
                line = handle.readline()
            except UnicodeDecodeError as err:
                raise InputError(
                    f"the file is not {encoding} text (nor any encoding found) after line "
                    f"{number}; it looks like binary data.",
                    file=str(path), row=number + 1,
                    fix="Export the data again as JSON Lines in UTF-8, one object per line.",
                ) from err
            if not line:
                break
            number += 1
            line = line.translate(_CONTROL_CHARS)  # a NUL, the Ctrl-Z that ends a DOS file
            if not line.strip():
                continue
            item = _json_line(line, path, number)
            if not isinstance(item, dict):
                raise InputError(
                    "the line holds a JSON value that is not an object.",
                    file=str(path),
                    row=number,
                    fix='Each line must be an object such as {"姓名": "张伟", "手机": "138…"}.',
                )
            cells = {k: _json_cell(v) for k, v in item.items()}
            for key, text in cells.items():
                limits.check_cell_length(path, len(text or ""), row=number, column=key)
            records.append(cells)
            numbers.append(number)
    if not records:
        raise InputError("the file has no records.", file=str(path), fix="Export the data again.")
    frame = pd.DataFrame.from_records(records).astype(object)
    limits.check_span(path, None, len(frame), len(frame.columns))
    frame = frame.where(frame.notna(), None)
    return Sheet(str(path), None, frame, numbers, 0)


def _json_line(line: str, path: Path, number: int):
    """One line parsed, its nesting bounded by limits.MAX_JSON_DEPTH."""
    fix = "Each line must hold one JSON object; fix or remove that line."
    try:
        item = json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(
            f"the line is not valid JSON ({err.msg} at character {err.colno}).",
            file=str(path), row=number, fix=fix,
        ) from err
    except RecursionError as err:
        item = None
        depth_error = err
    else:
        depth_error = None
    if depth_error is not None or limits.json_depth(item) > limits.MAX_JSON_DEPTH:
        raise InputError(
            f"the line nests lists or objects more than {limits.MAX_JSON_DEPTH} levels deep.",
            file=str(path), row=number, fix=fix,
        ) from depth_error
    return item


def _json_cell(value) -> str | None:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return cell_text(value)
