"""The standalone contract: deduplicate one file, no pool needed.

`workbench dedupe INPUT --out clusters.csv` reads a CSV or Excel file with an id column, maps
its headers to the standard fields as an import does, standardises, trains a model on the file
itself, and writes one row per input row: the id (under its own column name) and `cluster_id`.
With `--pairs` it also writes the scored pairs (id_l, id_r, match_probability, match_weight).
It works on lead files and on plain person files (given name and surname in two columns,
street address, postcode, date of birth, ID number).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import InputError
from workbench.fields import HELPER_FIELDS, STANDARD_FIELDS
from workbench.ingest.headers import map_headers
from workbench.ingest.read import read_file
from workbench.ingest.standardise import standardise_frame
from workbench.linkage import sql
from workbench.linkage.calibration import choose_threshold
from workbench.linkage.cluster import cluster_pairs
from workbench.linkage.link import LinkResult, clustering_inputs
from workbench.linkage.model import (
    UNCALIBRATED_THRESHOLD,
    LinkageModel,
    load_table,
    make_linker,
    prepare_link_input,
    splink_connection,
    train_model,
)
from workbench.linkage.sql import LINK_SOURCE_COLUMNS
from workbench.store.pool import run
from workbench.store.sql import quote_ident
from workbench.store.workbook import write_table

log = logging.getLogger(__name__)

# The fields linkage reads (and the name parts that make a name): the others (gender, amount,
# owner, updated_at, …) would cost standardising time and memory for nothing.
_INPUT_FIELDS = {f for f in STANDARD_FIELDS if f in LINK_SOURCE_COLUMNS} | set(HELPER_FIELDS)


class _Clock:
    """Logs how long each step took."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        log.info("%s: %.1f s", step, now - self.last)
        self.last = now


def mapped_frame(frame: pd.DataFrame, id_column: str, source: str = "") -> pd.DataFrame:
    """The file's columns mapped to standard fields (text, as read), beside the id column."""
    others = [c for c in frame.columns if c != id_column]
    data: dict[str, pd.Series] = {}
    for match in map_headers(others):
        if match.field not in _INPUT_FIELDS:
            continue
        column = frame[match.header]
        if match.field in data:  # several columns feed one field (手机 and 电话)
            a = data[match.field].astype(object).where(data[match.field].notna(), "")
            b = column.astype(object).where(column.notna(), "")
            both = (a.astype(str) + "/" + b.astype(str)).str.strip("/")
            data[match.field] = both.where(both != "", None)
        else:
            data[match.field] = column
    if not data:
        raise InputError(
            "no column maps to a standard field, so there is nothing to compare. Columns found: "
            f"{', '.join(map(str, frame.columns))}.",
            file=source or None,
            fix="Name the columns as an import expects (姓名, 手机号, 邮箱, 公司, given_name, "
                "surname, date_of_birth, …).",
        )
    return pd.DataFrame(data, index=frame.index)


def dedupe_frame(
    frame: pd.DataFrame,
    *,
    id_column: str = "lead_id",
    threshold: float | None = None,
    min_weight: float | None = None,
    seed: int = 42,
    source: str = "",
    with_pairs: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deduplicate a text frame with an id column.

    Args:
        frame: the rows as read (any headers the header mapping knows), with `id_column`.
        id_column: the column that identifies a row; must be unique and filled.
        threshold: the match probability (0 < p < 1) to link at.
        min_weight: or the match weight to link at (not both).
        seed: training seed.
        source: the file name, for messages.
        with_pairs: build the pairs frame (at a million rows it takes seconds); without it
            the pairs returned are empty and the clusters' attrs still count them.

    Returns:
        (clusters, pairs): clusters has `id_column` and `cluster_id` (1, 2, … in order of first
        appearance), one row per input row in input order; pairs has id_l, id_r,
        match_probability, match_weight for every scored pair.

    Example:
        >>> from workbench.testdata.generate import generate_leads
        >>> people = generate_leads(200, seed=1)
        >>> clusters, pairs = dedupe_frame(people, id_column="lead_id")
        >>> len(clusters), clusters["cluster_id"].nunique(), len(pairs)
        (200, 134, 110)
    """
    if id_column not in frame.columns:
        raise InputError(
            f"there is no id column '{id_column}'. Columns found: "
            f"{', '.join(map(str, frame.columns))}.",
            file=source or None, fix="Name the id column with --id-column.",
        )
    ids = frame[id_column]
    if ids.isna().any():
        rows = [int(i) + 2 for i in ids[ids.isna()].index[:5]]
        raise InputError(
            f"the id column '{id_column}' is empty on {int(ids.isna().sum())} row(s), e.g. "
            f"file rows {rows}.", file=source or None, column=id_column,
            fix="Give every row an id.",
        )
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        values = ", ".join(map(str, pd.unique(dup)[:5]))
        raise InputError(
            f"the id column '{id_column}' has duplicate ids: {values} "
            f"({dup.nunique()} value(s) repeated).", file=source or None, column=id_column,
            fix="Make the ids unique, or choose another column with --id-column.",
        )
    empty_pairs = pd.DataFrame({"id_l": pd.Series([], dtype=object),
                                "id_r": pd.Series([], dtype=object),
                                "match_probability": pd.Series([], dtype=float),
                                "match_weight": pd.Series([], dtype=float)})
    n = len(frame)
    if n == 0:
        return pd.DataFrame({id_column: [], "cluster_id": []}), empty_pairs
    if n == 1:
        return pd.DataFrame({id_column: ids.to_numpy(), "cluster_id": [1]}), empty_pairs
    clock = _Clock()
    raw = mapped_frame(frame.reset_index(drop=True), id_column, source)
    std = standardise_frame(raw)
    del raw
    clock.lap("standardise")
    std["wb_row"] = np.arange(n, dtype="int64")
    mem = splink_connection()
    try:
        # Only what linkage reads goes into DuckDB: at a million rows every column costs a few
        # hundred MB.
        load_table(mem, "wb_std", std, select=_linkage_columns(std.columns))
        del std
        prepare_link_input(mem, "wb_std", id_column="wb_row")
        run(mem, sql.drop_table_sql("wb_std"))
        clock.lap("link input")
        model: LinkageModel = train_model(mem, seed=seed, threshold=UNCALIBRATED_THRESHOLD)
        clock.lap("train")
        # The file's pairs need no explanation columns: leaving them out halves the memory.
        linker = make_linker(mem, {**model.settings,
                                   "retain_intermediate_calculation_columns": False})
        predictions = linker.inference.predict(warning_mode="never")
        pairs = run(mem, sql.file_pairs_sql(predictions.physical_name)).df()
        clock.lap("predict")
        calibration = None
        if threshold is None and min_weight is None:
            calibration = choose_threshold(pairs["match_probability"].to_numpy(),
                                           model.threshold)
            model = model.with_threshold(calibration.threshold)
        else:
            model = model.with_threshold(threshold, min_weight)
        pairs, names = clustering_inputs(mem, pairs, "link_input", model.threshold_weight)
    finally:
        mem.close()
    keys = cluster_pairs(pd.RangeIndex(n), pairs, model.threshold_weight, names=None if model.person_file else names)
    clock.lap("cluster")
    order = pd.Series(keys.to_numpy()).factorize()[0] + 1
    clusters = pd.DataFrame({id_column: ids.to_numpy(), "cluster_id": order})
    clusters.attrs.update(threshold=model.threshold if min_weight is None else min_weight,
                          calibration=calibration,
                          threshold_weight=model.threshold_weight, pairs_scored=len(pairs),
                          links=int((pairs["match_weight"] >= model.threshold_weight).sum()))
    if not with_pairs:
        return clusters, empty_pairs
    id_values = ids.to_numpy()
    out_pairs = pd.DataFrame({
        "id_l": id_values[pairs["id_l"].to_numpy(dtype="int64")],
        "id_r": id_values[pairs["id_r"].to_numpy(dtype="int64")],
        "match_probability": pairs["match_probability"].to_numpy(),
        "match_weight": pairs["match_weight"].to_numpy(),
    }).sort_values("match_weight", ascending=False, kind="stable").reset_index(drop=True)
    return clusters, out_pairs


# Fields a person file from elsewhere may give in another country's format (a 4-digit postcode,
# a social security number, a suburb): compared as given when they are not valid Chinese values.
_AS_GIVEN = ("id_number", "postcode", "city", "address", "birth_date")


def _linkage_columns(columns) -> str:
    """SELECT list of the standardised columns linkage reads, and `wb_row`. A field in
    `_AS_GIVEN` that did not validate keeps its raw value, lower-cased with spaces collapsed."""
    have = set(columns)
    parts = []
    for col in LINK_SOURCE_COLUMNS:
        if col not in have:
            continue
        raw = f"{col}_raw"
        if col in _AS_GIVEN and raw in have:
            given = (f"nullif(trim(lower(regexp_replace(CAST({quote_ident(raw)} AS VARCHAR), "
                     f"'[\\s\\x{{3000}}\\x{{a0}}]+', ' ', 'g'))), '')")
            parts.append(f"coalesce({quote_ident(col)}, {given}) AS {quote_ident(col)}")
        else:
            parts.append(quote_ident(col))
    return ", ".join(parts + ["wb_row"])


def dedupe_file(
    path: str | Path,
    out: str | Path,
    *,
    pairs_out: str | Path | None = None,
    threshold: float | None = None,
    min_weight: float | None = None,
    id_column: str = "lead_id",
    seed: int = 42,
) -> LinkResult:
    """Deduplicate a CSV or Excel file and write its clusters (and optionally its pairs).

    Args:
        path: the input (.csv, .xlsx, .xls, .jsonl); the first sheet with data is used.
        out: where to write `id_column, cluster_id` (.csv, or .xlsx).
        pairs_out: where to write `id_l, id_r, match_probability, match_weight`.
        threshold: the match probability (0 < p < 1) to link at.
        min_weight: or the match weight to link at (not both).
        id_column: the column that identifies a row.
        seed: training seed.

    Example:
        >>> from workbench.testdata.generate import generate_leads
        >>> generate_leads(200, seed=1).to_csv("people.csv", index=False)
        >>> dedupe_file("people.csv", "clusters.csv", id_column="lead_id").summary()
        '200 rows in 134 clusters (109 rows have a duplicate); wrote clusters.csv in ... s.'
    """
    started = time.perf_counter()
    path = Path(path)
    try:
        sheets = read_file(path)
    except InputError as err:
        if "no data" in str(err).lower() or "empty" in str(err).lower():
            sheets = []
        else:
            raise
    if not sheets:
        if path.exists() and path.stat().st_size == 0:
            raise InputError("the file is empty: it has no header row and no data rows.",
                             file=str(path), fix="Give a file with a header row and an id column.")
        frame = _header_only(path)
    else:
        frame = sheets[0].frame
    clusters, pairs = dedupe_frame(frame, id_column=id_column, threshold=threshold,
                                   min_weight=min_weight, seed=seed,
                                   source=str(path), with_pairs=pairs_out is not None)
    _write(clusters, Path(out))
    if pairs_out is not None:
        _write(pairs, Path(pairs_out))
    sizes = clusters["cluster_id"].map(clusters["cluster_id"].value_counts())
    return LinkResult(
        run_id=0, kind="file", model_version=0,
        threshold=clusters.attrs.get("threshold", min_weight if min_weight is not None else
                                     threshold if threshold is not None
                                     else UNCALIBRATED_THRESHOLD),
        threshold_kind="weight" if min_weight is not None else "probability",
        records=len(clusters), clusters=int(clusters["cluster_id"].nunique()),
        duplicates=int((sizes > 1).sum()), pairs_scored=clusters.attrs.get("pairs_scored", 0),
        links=clusters.attrs.get("links", 0), trained=True,
        calibration=(clusters.attrs["calibration"].to_dict()
                     if clusters.attrs.get("calibration") else None),
        out=Path(out), pairs_out=Path(pairs_out) if pairs_out else None,
        seconds=time.perf_counter() - started,
    )


def _header_only(path: Path) -> pd.DataFrame:
    """A file with a header row and no data rows: its columns, no rows."""
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        try:
            return pd.read_csv(path, dtype=str, nrows=0)
        except (pd.errors.EmptyDataError, UnicodeDecodeError):
            pass
    raise InputError("the file has no data rows.", file=str(path),
                     fix="Give a file with a header row and at least one data row.")


def _write(frame: pd.DataFrame, path: Path) -> None:
    write_table(path, frame, sheet=path.stem)  # formula-like text neutralised
