"""The lead linkage model: blocking rules, comparisons, training, and saved versions.

The model is a Splink 5 settings dictionary with trained m and u probabilities, plus the
threshold at which pairs link. It compares the columns of the linkage input table (see
`prepare_link_input`): standardised values with placeholders and generic contact values
(switchboards, shared inboxes, 400 numbers) set to NULL, so that they neither block nor agree.

Splink runs in a private in-memory DuckDB connection (`splink_connection`); the pool is only
read and written by our own statements, so Splink's working tables never land in it.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
import tempfile
import weakref
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from workbench.errors import LinkageError
from workbench.linkage import sql
from workbench.linkage.names import names_agree_sql, names_differ_sql
from workbench.store import sql as store_sql
from workbench.store.pool import current_actor, run
from workbench.store.sql import quote_ident

log = logging.getLogger(__name__)

# A contact value carried by this many different names belongs to no one person.
GENERIC_MIN_NAMES = 3
# A name blocks together with a city or company only where few records share the two: 王伟 in
# 北京市 would otherwise make millions of pairs that a name and a city could never decide.
MAX_NAME_BLOCK = 60
# Below this many records, sampling and EM learn noise: the model keeps its prior m and u.
MIN_TRAIN_RECORDS = 300
# DuckDB's memory for Splink's working tables (the rest spills to a temporary folder).
LINK_MEMORY_LIMIT = "1500MB"
# Above this many records, training reads a sample of them (see `_training_sample`).
TRAIN_SAMPLE_RECORDS = 250_000
# Match probability a model links at until its threshold is chosen on scored pairs (see
# `linkage.calibration`), and where too few pairs are scored to choose one.
UNCALIBRATED_THRESHOLD = 0.5
# u of agreeing on a personal identifier (mobile, e-mail, WeChat, ID number) once generic values
# are gone: random sampling overstates it, because the sample's own duplicates agree.
ID_U = 1e-8
MOBILE = "regexp_full_match(l.phone, '\\+861[3-9][0-9]{9}')"
# Columns of the linkage input table, as `prepare_link_input` makes them.
LINK_COLUMNS: tuple[str, ...] = (
    "unique_id", "name", "name_pinyin", "name_flat", "name_key", "name_family", "phone",
    "phone_last8", "phone_digits", "phone_shared", "name_only", "name_city", "name_company",
    "name_place", "name_given", "name_cjk", "name_sound_a", "name_sound_z", "name_initials",
    "birth_year", "birth_ym", "birth_md", "phone_mask_key", "phone_masked_key",
    "phones", "email", "email_local", "email_shared", "wechat", "wechat_phone", "company_core",
    "city", "title",
    "address", "postcode", "birth_date", "id_number", "qq", "douyin", "kuaishou",
)


@dataclass
class LinkageModel:
    """A trained model: Splink settings with m/u, the threshold, and how it was trained.

    Example:
        >>> model = LinkageModel(settings={"comparisons": []}, threshold=0.95)
        >>> round(model.threshold_weight, 6)  # the same threshold as a match weight
        4.247928
    """

    settings: dict[str, Any]
    threshold: float = UNCALIBRATED_THRESHOLD
    threshold_kind: str = "probability"  # or 'weight'
    training: dict[str, Any] = field(default_factory=dict)
    version: int | None = None

    @property
    def threshold_weight(self) -> float:
        """The threshold as a match weight (log2 of the Bayes factor)."""
        if self.threshold_kind == "weight":
            return float(self.threshold)
        p = min(max(self.threshold, 1e-12), 1 - 1e-12)
        return math.log2(p / (1 - p))

    @property
    def person_file(self) -> bool:
        """Whether the model was trained on a person file: no personal identifier and no
        company (see `person_comparison`). There no identifier can tie different names in, so
        clustering does not keep clearly different names apart."""
        coverage = self.training.get("coverage", {})
        return bool(coverage) and not any(coverage.get(c, 0) >= PERSON_FILE_MIN_COVERAGE
                                          for c in ORGANISATION_OR_ID_COLUMNS)

    def comparisons(self) -> list[str]:
        """Names of the comparisons the model makes, in order."""
        return [c["output_column_name"] for c in self.settings["comparisons"]]

    def with_threshold(self, threshold: float | None = None,
                       min_weight: float | None = None) -> LinkageModel:
        """A copy that links at match probability `threshold` (0 < p < 1) or at match weight
        `min_weight` (any number); at most one of the two, neither gives the model itself.

        Example:
            >>> model = LinkageModel(settings={"comparisons": []}, threshold=0.95)
            >>> model.with_threshold(0.99).threshold_kind, model.with_threshold(min_weight=8).threshold_kind
            ('probability', 'weight')
        """
        if threshold is not None and min_weight is not None:
            raise ValueError("阈值只能给一种 give either threshold (a match probability) or "
                             "min_weight (a match weight), not both.")
        if min_weight is not None:
            return LinkageModel(self.settings, float(min_weight), "weight", self.training,
                                self.version)
        if threshold is None:
            return self
        if not 0 < threshold < 1:
            raise ValueError(f"匹配概率阈值须在 0 与 1 之间 threshold={threshold:g} is not a match "
                             f"probability in (0, 1); for a match weight pass "
                             f"min_weight={threshold:g}.")
        return LinkageModel(self.settings, float(threshold), "probability", self.training,
                            self.version)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def splink_connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB connection for Splink's working tables."""
    con = duckdb.connect()
    # The machine is shared; DuckDB would otherwise take every core and most of the memory.
    # Splink's tables beyond the memory limit spill to disk: a million records then link in
    # under 3 GiB. Each connection spills into a folder of its own (two runs must not share
    # spill files), removed when the connection is gone.
    spill = tempfile.mkdtemp(prefix="workbench-linkage-")
    for statement in sql.connection_settings_sql(LINK_MEMORY_LIMIT, Path(spill).as_posix()):
        con.execute(statement)
    weakref.finalize(con, shutil.rmtree, spill, ignore_errors=True)
    return con


def load_table(con: duckdb.DuckDBPyConnection, table: str, data, select: str = "*") -> None:
    """Copy a DataFrame or Arrow table into a new table of `con` (its own copy, not a view);
    `select` is the SELECT list over `data`'s columns."""
    view = f"{table}_incoming"
    con.register(view, data)
    try:
        run(con, sql.copy_table_sql(quote_ident(table), quote_ident(view), select))
    finally:
        con.unregister(view)


# --- the linkage input ------------------------------------------------------------------------

def source_projection(columns: list[str], id_column: str) -> str:
    """SELECT list that gives every column `link_input_sql` reads, NULL where the source lacks it."""
    have = set(columns)
    parts = [f'"{id_column}"']
    for col in sql.LINK_SOURCE_COLUMNS:
        if col in have:
            parts.append(f'"{col}"')
        elif col == "phones":
            parts.append("CAST(NULL AS VARCHAR[]) AS phones")
        else:
            parts.append(f"CAST(NULL AS VARCHAR) AS {col}")
    return ", ".join(parts)


def prepare_link_input(
    con: duckdb.DuckDBPyConnection,
    source: str,
    *,
    id_column: str = "record_id",
    table: str = "link_input",
    generic_min_names: int = GENERIC_MIN_NAMES,
) -> int:
    """Build the linkage input table from a table of standardised records.

    Args:
        con: the connection that holds `source` (Splink's in-memory one).
        source: a table or view with the standardised columns and `id_column`.
        id_column: the column that identifies a record; it becomes `unique_id`.
        table: the name of the table to create.
        generic_min_names: a phone, e-mail or WeChat ID given with this many different names
            is generic (a switchboard, a shared inbox) and is kept out of blocking and agreement.

    Returns:
        The number of rows.

    Example:
        >>> con = splink_connection()
        >>> records = pd.DataFrame({"record_id": [1, 2, 3], "name": ["张伟", "张伟", "李娜"],
        ...                         "phone": ["+8613912345671", "+8613912345671", "+8613712345672"]})
        >>> load_table(con, "records_std", records)
        >>> prepare_link_input(con, "records_std", id_column="record_id")
        3
    """
    columns = [r[0] for r in run(con, sql.describe_sql(source)).fetchall()]
    if id_column not in columns:
        raise LinkageError(
            f"The records to link have no id column '{id_column}'. Columns found: "
            f"{', '.join(columns)}. Pass the name of the id column."
        )
    run(con, sql.link_source_view_sql(source_projection(columns, id_column), source))
    run(con, sql.generic_values_sql("wb_link_source", generic_min_names))
    run(con, sql.capped_link_input_sql(table, id_column, MAX_NAME_BLOCK))
    n = run(con, store_sql.count_rows_sql(table)).fetchall()[0][0]
    generic = run(con, sql.generic_counts_sql()).fetchall()
    if generic:
        log.info("generic contact values kept out of linkage: %s", dict(generic))
    return n


def column_coverage(con: duckdb.DuckDBPyConnection, table: str = "link_input") -> dict[str, float]:
    """The share of rows with a value, per linkage column."""
    cols = [c for c in LINK_COLUMNS if c != "unique_id"]
    row = run(con, sql.coverage_sql(cols, table)).fetchall()[0]
    return {c: float(v or 0.0) for c, v in zip(cols, row, strict=True)}


# --- settings: comparisons and blocking --------------------------------------------------------

def _level(
    condition: str,
    label: str,
    m: float | None = None,
    u: float | None = None,
    *,
    tf: str | None = None,
    null: bool = False,
    fix_u: bool = False,
    fix_m: bool = False,
) -> dict:
    # Written as l.col / r.col for reading; Splink's comparison SQL names them col_l / col_r.
    condition = re.sub(r"\b([lr])\.(\w+)", r"\2_\1", condition)
    level: dict[str, Any] = {"sql_condition": condition, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    else:
        # Priors: the model predicts sensibly before training, and levels that training never
        # observes (a rare swap of given and family name) keep a reasonable value.
        level["m_probability"], level["u_probability"] = m, u
        if fix_u:
            level["fix_u_probability"] = True
        if fix_m:
            level["fix_m_probability"] = True
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


def _null(col: str) -> dict:
    return _level(f"l.{col} IS NULL OR r.{col} IS NULL", "null", null=True)


def _else(m: float, u: float) -> dict:
    return _level("ELSE", "else", m, u)


def _comparison(name: str, levels: list[dict]) -> dict:
    return {"output_column_name": name, "comparison_description": name,
            "comparison_levels": levels}


def _rule(label: str, condition: str, weight: float) -> dict:
    """A level whose match weight is set by a rule, not learnt: training leaves it alone."""
    return _level(condition, label, 0.5 * 2.0 ** weight, 0.5, fix_m=True, fix_u=True)


# One of the two gives its mobile masked (139****6789) and the visible digits agree.
MASKED_AGREES = ("(l.phone_masked_key IS NOT NULL OR r.phone_masked_key IS NOT NULL) "
                 "AND l.phone_mask_key = r.phone_mask_key")
# Match weights the person rule sets (see `person_comparison`).
CLEARLY_DIFFERENT_NAMES = -20.0
NO_PERSONAL_EVIDENCE = -20.0
NAMES_ONLY_ALIKE = -4.0


# Columns that hold organisation evidence or a personal identifier: a file with none of them
# is a person file (name, birth date, home address), where no colleague shares an office and
# no identifier can confirm a person; the rule then only weighs names, and less.
ORGANISATION_OR_ID_COLUMNS = ("phone", "email", "wechat", "qq", "douyin", "kuaishou",
                              "id_number", "company_core")
PERSON_FILE_WEIGHTS = {"differ": -6.0, "alike": 0.0, "none": -6.0}
PERSON_FILE_MIN_COVERAGE = 0.01


def person_comparison(coverage: dict[str, float] | None = None,
                      min_coverage: float = PERSON_FILE_MIN_COVERAGE) -> dict:
    """The rule that organisation evidence never makes two records one person on its own.

    Colleagues share a company, an office address, a city, an e-mail domain and a switchboard;
    households share an address and a landline. Learnt weights add those up, so this
    comparison, whose weights are set rather than learnt, holds a pair back unless a person
    is in it: a personal identifier agrees, or the names agree (see `linkage.names`), or they
    are alike and the birth date agrees. Two clearly different full names with no personal
    identifier in common are two people, however much else they share.
    """
    weights = {"differ": CLEARLY_DIFFERENT_NAMES, "alike": NAMES_ONLY_ALIKE,
               "none": NO_PERSONAL_EVIDENCE}
    if coverage is not None and not any(coverage.get(c, 0) >= min_coverage
                                        for c in ORGANISATION_OR_ID_COLUMNS):
        weights = PERSON_FILE_WEIGHTS
    return _comparison("person", [
        _rule("a personal identifier agrees", sql.personal_id_agrees_sql("l", "r"), 0.0),
        _rule("clearly different names", names_differ_sql("l", "r"), weights["differ"]),
        _rule("a masked number agrees", MASKED_AGREES, 0.0),
        _rule("the names agree", names_agree_sql("l", "r"), 0.0),
        _rule("alike names, same birth date",
              "l.name_flat IS NOT NULL AND r.name_flat IS NOT NULL AND "
              "levenshtein(l.birth_date, r.birth_date) <= 1", 0.0),
        _rule("alike names, nothing personal agrees",
              "l.name_flat IS NOT NULL AND r.name_flat IS NOT NULL", weights["alike"]),
        _rule("no personal evidence", "ELSE", weights["none"]),
    ])


def lead_comparisons(coverage: dict[str, float], min_coverage: float = 0.005) -> list[dict]:
    """The comparisons for the columns that hold data (share of rows ≥ `min_coverage`).

    Each level carries a prior m and u (m: share among true matches, u: among non-matches)
    that training replaces where it observes the level.
    """
    has = {c for c, v in coverage.items() if v >= min_coverage}
    comps: list[dict] = []
    if "name_family" in has:
        comps.append(_comparison("name", [
            _null("name_family"),
            _level("l.name = r.name", "exact name", 0.75, 0.001, tf="name"),
            _level("l.name_flat = r.name_flat", "same pinyin", 0.1, 2e-4, tf="name_flat"),
            _level("l.name_key = r.name_key", "given and family swapped", 0.03, 2e-5),
            _level("jaro_winkler_similarity(l.name_flat, r.name_flat) >= 0.92", "similar",
                   0.04, 0.004),
            _level("(l.name_flat IS NULL OR r.name_flat IS NULL) AND l.name_family = r.name_family",
                   "same surname, one gives no given name", 0.1, 0.02),
            _level("(l.name_flat IS NULL OR r.name_flat IS NULL)", "one gives only a surname",
                   0.02, 0.6),
            _level("jaro_winkler_similarity(l.name_key, r.name_key) >= 0.9", "alike", 0.03, 0.015),
            _else(0.005, 0.98),
        ]))
    if "phone" in has or "phone_mask_key" in has:
        comps.append(_comparison("phone", [
            _level("(l.phone_digits IS NULL AND l.phone_mask_key IS NULL) OR "
                   "(r.phone_digits IS NULL AND r.phone_mask_key IS NULL)", "null", null=True),
            _level(f"l.phone = r.phone AND {MOBILE}", "same mobile", 0.7, ID_U, fix_u=True),
            _level("l.phone = r.phone", "same landline", 0.05, 1e-4, tf="phone"),
            _level("l.phone_last8 = r.phone_last8", "same last 8 digits", 0.02, 1e-5),
            _level("list_has_any(l.phones, r.phones)", "shares a number", 0.02, 1e-5),
            _level("levenshtein(l.phone_digits, r.phone_digits) <= 1", "one digit off",
                   0.02, 1e-6),
            _level(MASKED_AGREES, "a masked number agrees", 0.05, 1e-4),
            _else(0.21, 0.9999),
        ]))
    if "email" in has:
        comps.append(_comparison("email", [
            _null("email"),
            _level("l.email = r.email", "exact", 0.85, ID_U, fix_u=True),
            _level("levenshtein(l.email, r.email) <= 1", "one typo", 0.05, 5e-5),
            _level("l.email_local = r.email_local", "same user name", 0.05, 2e-4,
                   tf="email_local"),
            _else(0.05, 0.9997),
        ]))
    shared = [f"l.{c} = r.{c}" for c in ("phone_shared", "email_shared") if c in has]
    if shared and "name_key" in has:
        # Colleagues share a switchboard or info@; one name behind the same one is one person.
        same = f"coalesce({' OR '.join(shared)}, false)"
        comps.append(_comparison("shared_contact", [
            _level(f"NOT {same}", "null", null=True),
            _level(f"{same} AND l.name_key = r.name_key", "same name at a shared number or inbox",
                   0.02, 1e-7, fix_u=True),
            _else(0.3, 0.7),
        ]))
    if "wechat" in has:
        cross = "(l.wechat_phone = r.phone OR l.phone = r.wechat_phone)"
        comps.append(_comparison("wechat", [
            _level(f"(l.wechat IS NULL OR r.wechat IS NULL) AND NOT coalesce({cross}, false)",
                   "null", null=True),
            _level("l.wechat = r.wechat", "exact", 0.85, ID_U, fix_u=True),
            _level(cross, "WeChat is the other's phone", 0.1, ID_U, fix_u=True),
            _else(0.05, 0.9999),
        ]))
    for col in ("qq", "douyin", "kuaishou"):
        if col in has:
            comps.append(_comparison(col, [
                _null(col), _level(f"l.{col} = r.{col}", "exact", 0.9, ID_U, fix_u=True), _else(0.1, 0.9999),
            ]))
    if "company_core" in has:
        comps.append(_comparison("company", [
            _null("company_core"),
            _level("l.company_core = r.company_core", "exact", 0.6, 0.003, tf="company_core"),
            _level("contains(l.company_core, r.company_core) OR "
                   "contains(r.company_core, l.company_core)", "one contains the other",
                   0.2, 0.002),
            _level("jaro_winkler_similarity(l.company_core, r.company_core) >= 0.9", "similar",
                   0.1, 0.003),
            _else(0.1, 0.992),
        ]))
    if "city" in has:
        comps.append(_comparison("city", [
            _null("city"), _level("l.city = r.city", "exact", 0.9, 0.05, tf="city"),
            _else(0.1, 0.95),
        ]))
    if "title" in has:
        comps.append(_comparison("title", [
            _null("title"), _level("l.title = r.title", "exact", 0.7, 0.05),
            _level("jaro_winkler_similarity(l.title, r.title) >= 0.88", "similar", 0.05, 0.01),
            _else(0.25, 0.94),
        ]))
    if "address" in has:
        comps.append(_comparison("address", [
            _null("address"),
            _level("l.address = r.address", "exact", 0.5, 1e-4, tf="address"),
            _level("ends_with(l.address, r.address) OR ends_with(r.address, l.address)",
                   "one ends with the other", 0.2, 1e-4),
            _level("jaro_winkler_similarity(l.address, r.address) >= 0.9", "similar", 0.15, 0.001),
            _level("jaro_winkler_similarity(l.address, r.address) >= 0.75", "alike", 0.1, 0.02),
            _else(0.05, 0.98),
        ]))
    if "postcode" in has:
        comps.append(_comparison("postcode", [
            _null("postcode"), _level("l.postcode = r.postcode", "exact", 0.9, 0.01, tf="postcode"),
            _level("levenshtein(l.postcode, r.postcode) <= 1", "one digit off", 0.05, 0.05),
            _else(0.05, 0.94),
        ]))
    if "birth_date" in has:
        comps.append(_comparison("birth_date", [
            _null("birth_date"), _level("l.birth_date = r.birth_date", "exact", 0.9, 3e-4),
            _level("levenshtein(l.birth_date, r.birth_date) <= 1", "one digit off", 0.05, 0.002),
            _level("levenshtein(l.birth_date, r.birth_date) <= 2", "two digits off", 0.03, 0.02),
            _else(0.02, 0.98),
        ]))
    if "id_number" in has:
        comps.append(_comparison("id_number", [
            _null("id_number"), _level("l.id_number = r.id_number", "exact", 0.95, ID_U / 10, fix_u=True),
            _level("levenshtein(l.id_number, r.id_number) <= 2", "one or two typos", 0.04, 1e-4),
            _else(0.01, 0.9999),
        ]))
    if comps:
        comps.append(person_comparison(coverage))
    if not comps:
        raise LinkageError(
            "None of the columns the model compares holds data (name, phone, e-mail, WeChat, "
            "company, address, birth date, ID number). Map the file's headers to standard "
            "fields before deduplicating."
        )
    return comps


def lead_blocking_rules(coverage: dict[str, float], min_coverage: float = 0.01) -> list[str]:
    """Blocking rules for prediction, for the columns that hold data.

    Contact identifiers block alone; names only together with a city, company or birth date,
    because a common name (张伟) alone makes blocks of thousands.
    """
    has = {c for c, v in coverage.items() if v >= min_coverage}
    rules: list[str] = []

    def add(*cols: str) -> None:
        if all(c in has for c in cols):
            rules.append(" AND ".join(f"l.{c} = r.{c}" for c in cols))

    add("phone_last8")
    add("email")
    add("wechat")
    add("qq")
    add("douyin")
    add("kuaishou")
    if "wechat" in has and "phone" in has:
        rules += ["l.wechat_phone = r.phone", "l.phone = r.wechat_phone"]
    if coverage.get("phone_masked_key", 0) > 0:  # few records, small blocks
        rules += ["l.phone_masked_key = r.phone_mask_key", "l.phone_mask_key = r.phone_masked_key"]
    # Keys of name + city and name + company (its first two characters: 鼎智 and 鼎智生物科技
    # are one company), NULL where the block would be too big (see MAX_NAME_BLOCK).
    add("name_only")
    add("name_city")
    add("name_company")
    add("name_place")
    add("name_key", "phone_shared")
    add("name_key", "email_shared")
    add("id_number")
    add("name_family", "birth_date")
    # Person files without contacts: one typo in a name, or one wrong part of a birth date,
    # still leaves one of these keys in common.
    add("name_sound_a", "name_sound_z", "birth_year")
    add("name_sound_a", "birth_date")
    add("name_sound_z", "birth_date")
    add("name_key", "birth_year")
    add("name_sound_a", "name_sound_z", "birth_md")
    add("name_initials", "birth_year", "postcode")
    add("birth_date", "postcode")
    add("name_key", "postcode")
    add("address")
    if not rules:
        add("name_key")
    return rules


def training_rules(coverage: dict[str, float], min_coverage: float = 0.01) -> list[str]:
    """Blocking rules for the EM passes: each leaves out the columns the others block on."""
    has = {c for c, v in coverage.items() if v >= min_coverage}
    candidates = [
        # Loose keys first: a pass blocked on the same name sees only the true pairs whose
        # error is elsewhere (on RLdata, one error per duplicate, it learnt that true pairs
        # rarely share a birth date); the sound of a name with the birth year holds true pairs
        # with a typo in either.
        ("name_sound_a", "birth_year"), ("name_sound_z", "birth_year"),
        ("name_flat",), ("phone_last8",), ("email",), ("birth_date",), ("postcode",),
        ("company_core", "city"),
    ]
    chosen = [cols for cols in candidates if all(c in has for c in cols)]
    if ("name_sound_a", "birth_year") in chosen:
        # With the loose keys, the exact ones only add their bias.
        chosen = [cols for cols in chosen if cols not in (("name_flat",), ("birth_date",))]
    return [" AND ".join(f"l.{c} = r.{c}" for c in cols) for cols in chosen]


def lead_settings(coverage: dict[str, float]) -> dict[str, Any]:
    """The untrained Splink settings for data with this column coverage."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": lead_comparisons(coverage),
        "blocking_rules_to_generate_predictions": lead_blocking_rules(coverage),
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "probability_two_random_records_match": 1e-4,
        "em_convergence": 0.001,
        "max_iterations": 20,
    }


# --- training ----------------------------------------------------------------------------------

def make_linker(con: duckdb.DuckDBPyConnection, settings: dict, table: str = "link_input"):
    """A Splink linker over `table` in `con` (a fresh DuckDBAPI each time)."""
    from splink import DuckDBAPI, Linker

    splink_log = logging.getLogger("splink")
    if splink_log.level == logging.NOTSET:
        # Splink narrates every step at INFO and warns about levels a small pool never shows;
        # our own log says what matters. `-v` on the CLI still lets them through.
        splink_log.setLevel(logging.INFO if log.isEnabledFor(logging.INFO) else logging.ERROR)
    db_api = DuckDBAPI(con)
    frame = db_api.register(table)
    return Linker(frame, json.loads(json.dumps(settings)), log_level=None)


def blocking_counts(linker) -> pd.DataFrame:
    """How many comparisons each prediction blocking rule adds, before prediction runs.

    Example:
        >>> con = splink_connection()
        >>> records = pd.DataFrame({"record_id": [1, 2, 3], "name": ["张伟", "张伟", "李娜"],
        ...                         "phone": ["+8613912345671", "+8613912345671", "+8613712345672"],
        ...                         "phone_last8": ["12345671", "12345671", "12345672"]})
        >>> load_table(con, "records_std", records)
        >>> prepare_link_input(con, "records_std")
        3
        >>> with pool.connect(read_only=True) as pool_con:
        ...     model = load_model(pool_con)
        >>> counts = blocking_counts(make_linker(con, model.settings))
        >>> counts.set_index("blocking_rule")["marginal_comparison_count"].head(2)
        blocking_rule
        l.phone_last8 = r.phone_last8    1
        l.email = r.email                0
        Name: marginal_comparison_count, dtype: int64
    """
    records = linker.blocking_analysis.count_comparisons_from_blocking_rules(
        record_sample_proportion=1.0
    )
    frame = pd.DataFrame(records)
    keep = ["blocking_rule", "marginal_comparison_count", "cumulative_comparison_count"]
    return frame[[c for c in keep if c in frame.columns]]


def train_model(
    con: duckdb.DuckDBPyConnection,
    table: str = "link_input",
    *,
    seed: int = 42,
    labels: pd.DataFrame | None = None,
    threshold: float = UNCALIBRATED_THRESHOLD,
    threshold_kind: str = "probability",
    max_u_pairs: float = 5e5,
    max_em_pairs: float = 2e5,
    sample_records: int = TRAIN_SAMPLE_RECORDS,
) -> LinkageModel:
    """Train a model on the linkage input table: u by random sampling, m by EM over several
    blocking passes, and m from reviewers' labels when there are any.

    Args:
        con: the connection that holds `table`.
        table: the linkage input (see `prepare_link_input`).
        seed: seeds the sampling, so the same data gives the same model.
        labels: reviewers' decisions, columns id_l, id_r, is_match (record ids).
        threshold: the threshold stored with the model.
        threshold_kind: 'probability' or 'weight'.
        max_u_pairs: pairs sampled to estimate u.
        max_em_pairs: pairs per EM pass.
        sample_records: above this many records, train on a seeded sample of about this many
            (and every labelled record).

    Returns:
        The trained `LinkageModel` (not yet saved).

    Example:
        >>> from workbench.ingest.standardise import standardise_frame
        >>> from workbench.testdata.generate import generate_leads
        >>> records = standardise_frame(generate_leads(200, seed=1)).assign(record_id=range(200))
        >>> con = splink_connection()
        >>> load_table(con, "records_std", records)
        >>> prepare_link_input(con, "records_std")
        200
        >>> model = train_model(con, "link_input", seed=7)
        >>> model.comparisons()[:4], model.threshold_kind
        (['name', 'phone', 'email', 'shared_contact'], 'probability')
    """
    n = run(con, store_sql.count_rows_sql(table)).fetchall()[0][0]
    if n < 2:
        raise LinkageError(
            f"A model cannot be trained on {n} record(s). Import more records, or link with a "
            "saved model."
        )
    coverage = column_coverage(con, table)
    settings = lead_settings(coverage)
    whole = table
    table, trained_on = _training_sample(con, table, n, seed, labels, sample_records)
    linker = make_linker(con, settings, table)
    deterministic = [r for r in ("l.phone = r.phone", "l.email = r.email", "l.wechat = r.wechat",
                                 "l.id_number = r.id_number")
                     if coverage.get(r.split(".")[1].split(" ")[0], 0) > 0.01]
    passes: list[str] = []
    try:
        if n >= MIN_TRAIN_RECORDS:
            linker.training.estimate_u_using_random_sampling(
                max_pairs=max_u_pairs, seed=seed, num_chunks=1
            )
            for rule in training_rules(coverage):
                # A pass that fails (a level's m underflows) can leave the linker without the
                # comparisons it set aside: go on from the model as it was before the pass.
                before = linker.misc.save_model_to_json()
                try:
                    linker.training.estimate_parameters_using_expectation_maximisation(
                        rule, max_pairs=max_em_pairs, estimate_without_term_frequencies=True
                    )
                    passes.append(rule)
                except Exception as err:
                    log.warning("EM pass on %s skipped: %s", rule, err)
                    linker = make_linker(con, before, table)
        else:
            log.info("%d records are too few to train on; the model keeps its priors", n)
        # After EM: starting EM passes from a prior of one match in a million pairs makes
        # levels' m underflow to 0 in Splink (each pass estimates its own share of matches).
        if deterministic:
            before = linker.misc.save_model_to_json()
            try:
                linker.training.estimate_probability_two_random_records_match(
                    deterministic, recall=0.7
                )
            except Exception as err:  # no pair agrees exactly: keep the prior
                log.info("prior probability of a match not estimated: %s", err)
            prior = linker.misc.save_model_to_json()["probability_two_random_records_match"]
            if not 0 < prior < 1:  # a file too small for any pair to agree
                linker = make_linker(con, before, table)
        used_labels = 0
        if labels is not None and len(labels) and bool(labels["is_match"].any()):
            used_labels = _train_from_labels(linker, con, labels, table)
    except LinkageError:
        raise
    except Exception as err:
        raise LinkageError(
            f"Training the linkage model failed on {n} records: {err}. Check that the records "
            "have names and contact fields, or train on a larger pool."
        ) from err
    finally:
        if table != whole:
            run(con, sql.drop_table_sql(table, if_exists=True))
    trained = linker.misc.save_model_to_json()
    clamped = clamp_levels(trained)
    for c in clamped:
        log.info("%s / %s: learnt weight %.2f kept at %.2f", c["comparison"], c["level"],
                 c["learnt"], c["kept"])
    trained = _rounded(trained)
    return LinkageModel(
        settings=trained,
        threshold=threshold,
        threshold_kind=threshold_kind,
        training={"seed": seed, "records": n, "trained_on": trained_on, "em_passes": passes,
                  "labels": used_labels, "clamped": clamped,
                  "coverage": {k: round(v, 3) for k, v in coverage.items()}},
    )


# Match weights a person can defend, per kind of level: EM on one pool can learn that the same
# city is worth more than the same name, or that a different name says nothing. A learnt weight
# outside its bounds is moved to the nearest bound (m changes, u stays) and the training notes
# it; the tune screen shows each such level with its learnt weight.
ORGANISATION_COMPARISONS = ("company", "city", "address", "postcode", "title")
MAX_ORGANISATION_WEIGHT = 10.0  # an office agreeing: at most about a thousand to one
MAX_NAME_DISAGREEMENT = -2.0  # a completely different name always counts against
MIN_WEIGHT, MAX_WEIGHT = -15.0, 30.0  # any level


def _bounds(comparison: str, index: int, levels: int) -> tuple[float, float]:
    """(lowest, highest) match weight of level `index` (0 = the first, most alike; the last is
    'else') of a comparison with `levels` non-null levels."""
    low, high = MIN_WEIGHT, MAX_WEIGHT
    if comparison in ORGANISATION_COMPARISONS:
        high = MAX_ORGANISATION_WEIGHT
    if index == levels - 1:  # else: disagreement never counts for a match
        high = min(high, 0.0)
        if comparison == "name":
            high = MAX_NAME_DISAGREEMENT
    elif index == 0:  # exact agreement never counts against
        low = 0.0
    return low, high


def clamp_levels(settings: dict) -> list[dict]:
    """Move learnt weights into their bounds (see `_bounds`), in place; returns what moved:
    comparison, level label, learnt and kept weight.

    Example:
        >>> settings = {"comparisons": [{"output_column_name": "city", "comparison_levels": [
        ...     {"sql_condition": "city_l = city_r", "label_for_charts": "exact",
        ...      "m_probability": 0.9, "u_probability": 0.0001},
        ...     {"sql_condition": "ELSE", "label_for_charts": "else",
        ...      "m_probability": 0.1, "u_probability": 0.9999}]}]}
        >>> [(c["level"], c["learnt"], c["kept"]) for c in clamp_levels(settings)]
        [('exact', 13.14, 10.0)]
    """
    moved = []
    for comparison in settings.get("comparisons", []):
        name = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for index, level in enumerate(levels):
            m, u = level.get("m_probability"), level.get("u_probability")
            if not m or not u or level.get("fix_m_probability"):
                continue
            weight = math.log2(m / u)
            low, high = _bounds(name, index, len(levels))
            kept = min(max(weight, low), high)
            if abs(kept - weight) > 1e-9:
                level["m_probability"] = min(u * 2.0 ** kept, 1.0)
                moved.append({"comparison": name, "level": level.get("label_for_charts", ""),
                              "learnt": round(weight, 2), "kept": round(kept, 2)})
    return moved


def _rounded(settings: dict, digits: int = 12) -> dict:
    """Trained m and u to `digits` significant digits.

    DuckDB sums in parallel in whatever order its threads finish, so two trainings with the
    same seed can differ in the last bit; rounding makes the same data give the same model.
    """
    for comparison in settings.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            for key in ("m_probability", "u_probability"):
                value = level.get(key)
                if isinstance(value, float) and value:
                    level[key] = float(f"{value:.{digits}g}")
    return settings


def _training_sample(con: duckdb.DuckDBPyConnection, table: str, n: int, seed: int,
                     labels: pd.DataFrame | None, size: int) -> tuple[str, int]:
    """The table to train on and its number of records: `table` itself, or above `size`
    records a sample of about that many chosen by a hash of the record id and the seed (and
    every labelled record).

    Every estimate is a share of pairs (of all pairs, of random pairs, of pairs blocked on a
    rule), and the pairs among a random sample of records keep those shares; each training
    pass over a million records costs seconds, over a sample a fraction of that.
    """
    if n <= size:
        return table, n
    keep = int(1_000_000 * size / n)
    labelled = labels is not None and len(labels) > 0
    if labelled:
        ids = pd.concat([labels["id_l"], labels["id_r"]]).astype("int64").unique()
        run(con, sql.drop_table_sql("wb_labelled_ids", if_exists=True))
        load_table(con, "wb_labelled_ids", pd.DataFrame({"unique_id": ids}))
    sample = f"{table}_training_sample"
    run(con, sql.training_sample_sql(sample, table, seed, keep, labelled))
    count = run(con, store_sql.count_rows_sql(sample)).fetchall()[0][0]
    log.info("training on a sample of %d of %d records", count, n)
    return sample, int(count)


def _train_from_labels(linker, con: duckdb.DuckDBPyConnection, labels: pd.DataFrame,
                       table: str = "link_input") -> int:
    """m from the pairs reviewers called a match (Splink reads every label row as a match)."""
    matches = labels[labels["is_match"].astype(bool)]
    frame = pd.DataFrame({
        "unique_id_l": matches["id_l"].to_numpy(),
        "unique_id_r": matches["id_r"].to_numpy(),
    })
    con.register("wb_label_pairs", frame)
    run(con, sql.label_pairs_table_sql(table))
    con.unregister("wb_label_pairs")
    count = run(con, store_sql.count_rows_sql("wb_labels")).fetchall()[0][0]
    if count:
        linker.training.estimate_m_from_pairwise_labels("wb_labels")
    return int(count)


# --- saved versions ----------------------------------------------------------------------------

def save_model(con: duckdb.DuckDBPyConnection, model: LinkageModel, note: str | None = None) -> int:
    """Store the model as a new version in the pool's `models` table; returns the version.

    Example:
        >>> with pool.transaction() as con:
        ...     version = save_model(con, load_model(con).with_threshold(0.9), note="stricter")
        >>> version
        2
    """
    version = run(con, sql.insert_model_sql(), {
        "created_by": current_actor(),
        "settings": json.dumps(model.settings, ensure_ascii=False),
        "threshold": float(model.threshold), "threshold_kind": model.threshold_kind,
        "training": json.dumps(model.training, ensure_ascii=False), "note": note,
    }).fetchall()[0][0]
    model.version = int(version)
    log.info("saved linkage model version %d", version)
    return int(version)


def load_model(con: duckdb.DuckDBPyConnection, version: int | None = None) -> LinkageModel | None:
    """The saved model of that version, or the latest; None when the pool has none.

    Example:
        >>> with pool.connect(read_only=True) as con:
        ...     model = load_model(con)
        >>> model.version, model.threshold_kind
        (1, 'probability')
    """
    if version is None:
        row = _first(run(con, sql.latest_model_sql()).fetchall())
    else:
        row = _first(run(con, sql.model_version_sql(), {"version": version}).fetchall())
        if row is None:
            raise LinkageError(
                f"The pool has no linkage model version {version}. Run `workbench dedupe` to "
                "train one, or choose a version listed in the models table."
            )
    if row is None:
        return None
    return LinkageModel(
        settings=json.loads(row[1]), threshold=float(row[2]), threshold_kind=row[3],
        training=json.loads(row[4]) if row[4] else {}, version=int(row[0]),
    )


def _first(rows: list) -> Any:
    return rows[0] if rows else None
