"""SQL of linkage: model versions, runs, scored pairs and the current clusters."""

from __future__ import annotations

import math

from workbench.ingest.standardise.phones import (
    PLACEHOLDER_NATIONAL,
    PLACEHOLDER_RUN_NUMBERS,
    PLACEHOLDER_RUNS,
)
from workbench.linkage.names import (
    name_cjk_sql,
    name_given_sql,
    name_key_sql,
    names_differ_sql,
    sound_sql,
)
from workbench.store.schema import LINK_FEATURE_COLUMNS

# --- preparing records for linkage ---------------------------------------------------------

# Values that say "nothing here" in any text field.
PLACEHOLDER_TEXT: tuple[str, ...] = (
    "无", "没有", "暂无", "未知", "不详", "空", "-", "--", "/", ".", "0", "null", "none", "n/a",
    "na", "nil", "test", "测试", "x", "xx", "xxx", "abc", "123", "123456",
)
PLACEHOLDER_EMAILS: tuple[str, ...] = (
    "test@test.com", "a@a.com", "abc@abc.com", "test@qq.com", "123@qq.com", "123456@qq.com",
    "none@none.com", "no@email.com", "xxx@xxx.com", "email@email.com",
)
PLACEHOLDER_DOMAINS: tuple[str, ...] = ("test.com", "example.com", "example.org", "xxx.com")
# Local parts of shared inboxes: many unrelated people give info@ their company.
ROLE_LOCAL_PARTS: tuple[str, ...] = (
    "info", "admin", "sales", "service", "support", "contact", "hr", "office", "marketing",
    "noreply", "no-reply", "webmaster", "kefu", "postmaster", "mail", "email", "hello", "team",
    "job", "jobs", "business", "market", "public", "test", "none", "null",
)

# Columns the linkage input table carries, with the standardised column each comes from.
LINK_SOURCE_COLUMNS: tuple[str, ...] = (
    "name", "name_pinyin", "name_family", "phone", "phones", "phone_type", "phone_last8",
    "phone_raw", "phone_masked",
    "email", "email_local", "email_domain", "wechat", "company_core", "company", "city",
    "province", "title", "address", "postcode", "birth_date", "id_number", "qq", "douyin",
    "kuaishou",
)


def _sql_list(values) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def generic_values_sql(source: str, min_names: int) -> str:
    """Contact values that are no one person's: carried by `min_names` or more different
    names (switchboards, shared inboxes, an agent's own number), or by two names that clearly
    differ (a couple's one mobile, a family's landline). The table reads `source` (columns
    name, name_pinyin and the contact fields); `min_names` is a literal int.
    """
    n = int(min_names)
    return f"""
CREATE OR REPLACE TEMP TABLE wb_generic_values AS
WITH k AS (
    -- The parts of every distinct name, computed once (sorting letters is slow).
    SELECT p AS name_pinyin, replace(p, ' ', '') AS name_flat, {name_key_sql("p")} AS name_key,
           {name_given_sql("p", "cjk")} AS name_given, cjk AS name_cjk
    FROM (SELECT DISTINCT name_pinyin AS p, {name_cjk_sql("name")} AS cjk FROM {source}
          WHERE name_pinyin IS NOT NULL AND name IS NOT NULL
          -- A surname alone (张先生 -> 张) says little: full names only.
            AND (contains(name_pinyin, ' ') OR length(name_pinyin) > 3))
),
n AS (
    -- Every number a record gives, not only the first: a switchboard in a second column.
    SELECT CASE WHEN len(s.phones) > 0 THEN s.phones ELSE [s.phone] END AS phone, s.email,
           s.email_local, s.wechat, k.*
    FROM {source} s JOIN k ON k.name_pinyin = s.name_pinyin
        AND {name_cjk_sql("s.name")} = k.name_cjk
),
v AS (
    SELECT 'phone' AS field, unnest(phone) AS value, * EXCLUDE (phone, email, email_local, wechat)
    FROM n WHERE phone IS NOT NULL
    UNION ALL
    SELECT 'email', email, * EXCLUDE (phone, email, email_local, wechat) FROM n WHERE email IS NOT NULL
    UNION ALL
    SELECT 'email_local', email_local, * EXCLUDE (phone, email, email_local, wechat)
    FROM n WHERE email_local IS NOT NULL
    UNION ALL
    SELECT 'wechat', wechat, * EXCLUDE (phone, email, email_local, wechat) FROM n WHERE wechat IS NOT NULL
),
c AS (SELECT field, value, count(DISTINCT name_key) AS names FROM v GROUP BY field, value
      HAVING count(DISTINCT name_key) >= 2),
two AS (SELECT DISTINCT v.* FROM v SEMI JOIN c ON c.field = v.field AND c.value = v.value
        AND c.names = 2),
differ AS (SELECT DISTINCT a.field, a.value FROM two a JOIN two b
           ON a.field = b.field AND a.value = b.value AND a.name_key < b.name_key
           WHERE {names_differ_sql("a", "b")})
SELECT c.field, c.value, c.names FROM c
WHERE c.names >= {n} OR (c.field, c.value) IN (SELECT (field, value) FROM differ)"""


# Text columns of the linkage input, each from one expression over the source.
_TEXT_COLUMNS: dict[str, str] = {
    "name": "name", "pinyin": "name_pinyin", "family": "name_family", "wechat": "wechat",
    "company_core": "coalesce(company_core, company)", "city": "coalesce(city, province)",
    "title": "title", "address": "address", "postcode": "postcode", "birth_date": "birth_date",
    "id_number": "id_number", "qq": "qq", "douyin": "douyin", "kuaishou": "kuaishou",
}


def _cleaned(source: str) -> str:
    """`source` with `t_<column>` for each of _TEXT_COLUMNS: trimmed, lower-cased, and NULL
    for empty and placeholder values. Each is computed once and then referred to by name."""
    lowered = ",\n        ".join(f"lower(trim(CAST({expr} AS VARCHAR))) AS wb_raw_{col}"
                                  for col, expr in _TEXT_COLUMNS.items())
    cleaned = ",\n    ".join(
        f"CASE WHEN wb_raw_{col} IN {_sql_list(PLACEHOLDER_TEXT)} OR wb_raw_{col} = '' THEN NULL "
        f"ELSE wb_raw_{col} END AS t_{col}" for col in _TEXT_COLUMNS)
    return f"""SELECT * EXCLUDE ({", ".join(f"wb_raw_{c}" for c in _TEXT_COLUMNS)}),
    {cleaned}
FROM (SELECT *, {lowered} FROM {source})"""


def placeholder_phone_sql(e164: str) -> str:
    """SQL twin of `ingest.standardise.phones.is_placeholder_phone`: a number people type
    when they have none (13333333333, 13800000000, 12345678901); a vanity number
    (13988886666, 021-55556666) is a real one."""
    national = f"substr({e164}, 4)"
    distinct = "len(list_distinct(string_split({}, '')))"
    return f"""({distinct.format(national)} = 1
    OR {national} IN {_sql_list(PLACEHOLDER_NATIONAL)}
    OR {national} IN {_sql_list(PLACEHOLDER_RUN_NUMBERS)}
    OR length({national}) = 11 AND left({national}, 1) = '1' AND (
        {distinct.format(f"substr({national}, 3)")} = 1 OR substr({national}, 4) = '00000000'
        OR substr({national}, 4) IN {_sql_list(PLACEHOLDER_RUNS)}))"""


def link_input_sql(source: str, id_column: str) -> str:
    """The linkage input: one row per record with the columns the model compares, generic
    and placeholder contact values set to NULL so that they neither block nor agree.

    `source` must have every column of LINK_SOURCE_COLUMNS (NULL where unknown) and
    `id_column`; `wb_generic_values` must exist (see `generic_values_sql`).
    """
    g = "wb_generic_values"
    # A real number (not a placeholder) is a person's own, or shared: a 400/800 hotline, or a
    # switchboard that several names give.
    phone_real = (
        "s.phone IS NOT NULL AND coalesce(s.phone_type, '') <> 'invalid' "
        f"AND NOT {placeholder_phone_sql('s.phone')}"
    )
    phone_own = "coalesce(s.phone_type, '') <> 'special' AND gp.value IS NULL"
    email_real = (
        f"s.email IS NOT NULL AND s.email NOT IN {_sql_list(PLACEHOLDER_EMAILS)} "
        f"AND coalesce(s.email_domain, '') NOT IN {_sql_list(PLACEHOLDER_DOMAINS)}"
    )
    email_own = f"coalesce(s.email_local, '') NOT IN {_sql_list(ROLE_LOCAL_PARTS)} " \
                "AND ge.value IS NULL"
    # A surname alone (王先生 -> 王) is not a name: two of them agree without meaning anything.
    full = ("t_name IS NOT NULL AND t_pinyin IS NOT NULL AND t_name IS DISTINCT FROM t_family "
            "AND (contains(t_pinyin, ' ') OR length(t_name) >= 2)")
    return f"""
WITH f AS (
    SELECT s.*,
        CASE WHEN {full} THEN t_name END AS wb_name,
        CASE WHEN {full} THEN t_pinyin END AS wb_pinyin,
        {phone_real} AS wb_phone_real,
        {phone_real} AND {phone_own} AS wb_phone_ok,
        {email_real} AS wb_email_real,
        {email_real} AND {email_own} AS wb_email_ok,
        gl.value IS NULL AND length(s.email_local) >= 3 AS wb_local_ok,
        CASE WHEN gw.value IS NULL THEN t_wechat END AS wb_wechat,
        regexp_replace(regexp_replace(coalesce(s.phone_raw, ''), '[^0-9]', '', 'g'),
                       '^(0086|86)(1[0-9]{{10}})', '\\2') AS wb_digits
    FROM ({_cleaned(source)}) AS s
    LEFT JOIN (SELECT DISTINCT value FROM {g} WHERE field = 'phone') gp ON gp.value = s.phone
    LEFT JOIN (SELECT DISTINCT value FROM {g} WHERE field = 'email') ge ON ge.value = s.email
    LEFT JOIN (SELECT DISTINCT value FROM {g} WHERE field = 'email_local') gl
        ON gl.value = s.email_local
    LEFT JOIN (SELECT DISTINCT value FROM {g} WHERE field = 'wechat') gw
        ON gw.value = s.wechat
),
-- A record's other numbers without the generic ones: a switchboard in the 座机 column beside
-- each colleague's own mobile must not make them share a number.
ph AS (
    SELECT uid, list(p ORDER BY p) AS phones
    FROM (SELECT f.{id_column} AS uid, unnest(f.phones) AS p FROM f
          WHERE wb_phone_ok AND len(f.phones) > 1)
    WHERE p NOT IN (SELECT value FROM {g} WHERE field = 'phone')
    GROUP BY uid
),
-- The letters of the name in order: equal for 王俊轩, 'Wang Junxuan' and 'Junxuan Wang'.
-- Sorting letters is slow: done once per distinct name.
k AS (
    SELECT wb_pinyin,
        array_to_string(list_sort(string_split(replace(wb_pinyin, ' ', ''), '')), '') AS key
    FROM (SELECT DISTINCT wb_pinyin FROM f WHERE wb_pinyin IS NOT NULL)
)
SELECT
    {id_column} AS unique_id,
    wb_name AS name,
    f.wb_pinyin AS name_pinyin,
    replace(f.wb_pinyin, ' ', '') AS name_flat,
    k.key AS name_key,
    -- The surname in pinyin; a record that gives only 王先生 keeps this and nothing more.
    CASE WHEN f.wb_pinyin IS NOT NULL THEN split_part(f.wb_pinyin, ' ', 1) ELSE t_pinyin END
        AS name_family,
    {name_given_sql("f.wb_pinyin", name_cjk_sql("wb_name"))} AS name_given,
    {name_cjk_sql("wb_name")} AS name_cjk,
    -- Keys that survive one typo in a romanised name: the sound of its first and last word.
    {sound_sql("split_part(f.wb_pinyin, ' ', 1)")} AS name_sound_a,
    {sound_sql("string_split(f.wb_pinyin, ' ')[-1]")} AS name_sound_z,
    left(split_part(f.wb_pinyin, ' ', 1), 1) || left(string_split(f.wb_pinyin, ' ')[-1], 1)
        AS name_initials,
    CASE WHEN wb_phone_ok THEN phone END AS phone,
    CASE WHEN wb_phone_ok THEN right(phone, 8) END AS phone_last8,
    -- A mobile as channels send it masked (139****6789): its first three and last four digits,
    -- of a masked number and of a record's own full mobile alike; `phone_masked_key` only for
    -- a record that gives the masked form and no full number (what blocks with the others).
    CASE WHEN wb_phone_ok AND regexp_full_match(phone, '\\+861[3-9][0-9]{{9}}')
         THEN substr(phone, 4, 3) || right(phone, 4)
         WHEN phone IS NULL AND phone_masked IS NOT NULL
         THEN left(phone_masked, 3) || right(phone_masked, 4) END AS phone_mask_key,
    CASE WHEN phone IS NULL AND phone_masked IS NOT NULL
         THEN left(phone_masked, 3) || right(phone_masked, 4) END AS phone_masked_key,
    CASE WHEN wb_phone_ok THEN CASE WHEN len(f.phones) > 1 THEN ph.phones ELSE f.phones END
    END AS phones,
    -- The digits as typed, for a number with a typo that standardising had to drop.
    CASE WHEN wb_phone_ok THEN substr(phone, 4)
         WHEN phone IS NULL AND length(wb_digits) BETWEEN 10 AND 12 THEN wb_digits END
        AS phone_digits,
    -- A shared number or inbox is no one's own, but two records with one name behind the
    -- same switchboard are most likely one person: kept apart for that comparison alone.
    CASE WHEN wb_phone_real AND NOT wb_phone_ok THEN phone END AS phone_shared,
    CASE WHEN wb_email_ok THEN lower(email) END AS email,
    CASE WHEN wb_email_real AND NOT wb_email_ok THEN lower(email) END AS email_shared,
    CASE WHEN wb_email_ok AND wb_local_ok THEN lower(email_local) END AS email_local,
    wb_wechat AS wechat,
    CASE WHEN regexp_full_match(wb_wechat, '1[3-9][0-9]{{9}}') THEN '+86' || wb_wechat END
        AS wechat_phone,
    t_company_core AS company_core,
    t_city AS city,
    t_title AS title,
    t_address AS address,
    t_postcode AS postcode,
    t_birth_date AS birth_date,
    -- Birth date with one part wrong still blocks on the other two.
    left(t_birth_date, 4) AS birth_year,
    left(t_birth_date, 7) AS birth_ym,
    substr(t_birth_date, 6) AS birth_md,
    t_id_number AS id_number,
    t_qq AS qq,
    t_douyin AS douyin,
    t_kuaishou AS kuaishou
FROM f LEFT JOIN k ON k.wb_pinyin = f.wb_pinyin LEFT JOIN ph ON ph.uid = f.{id_column}"""


# The name blocks that capping limits, each key NULL where more than its cap of records share
# it: the name alone (a rare name needs nothing more), name + city, name + company (its first
# two characters: 鼎智 and 鼎智生物科技 are one company), and as the fallback for a common name
# whose city and company blocks are too big, name + city + company.
NAME_BLOCKS: dict[str, str] = {
    "name_only": "name_key",
    "name_city": ("CASE WHEN name_key IS NOT NULL AND city IS NOT NULL "
                  "THEN name_key || '|' || city END"),
    "name_company": ("CASE WHEN name_key IS NOT NULL AND company_core IS NOT NULL "
                     "THEN name_key || '|' || substr(company_core, 1, 2) END"),
    "name_place": ("CASE WHEN name_key IS NOT NULL AND city IS NOT NULL AND company_core IS NOT NULL "
                   "THEN name_key || '|' || city || '|' || company_core END"),
}
# The fallback block may be bigger: its records share a name, a city and a company.
FALLBACK_BLOCK_FACTOR = {"name_place": 4}


def _keyed(source: str) -> str:
    """`source` (a query) with its uncapped name-block keys wb_<block>."""
    keys = ", ".join(f"{expr} AS wb_{name}" for name, expr in NAME_BLOCKS.items())
    return f"SELECT *, {keys} FROM ({source})"


def _sizes(counted: str, restrict: str | None = None) -> str:
    """CTEs n_<block>: the size of each block of `counted` (a CTE with the wb_ keys), only for
    the keys `restrict` (a CTE with the wb_ keys) holds when given."""
    ctes = []
    for name in NAME_BLOCKS:
        where = f"wb_{name} IS NOT NULL"
        if restrict:
            where += f" AND wb_{name} IN (SELECT wb_{name} FROM {restrict})"
        ctes.append(f"n_{name} AS (SELECT wb_{name}, count(*) AS n FROM {counted} "
                    f"WHERE {where} GROUP BY wb_{name})")
    return ",\n".join(ctes)


def _capped(max_block: int) -> str:
    """The rows of `k` with each key kept where its block size is at most its cap. Block
    sizes come from GROUP BY and a join: a window over a million rows would sort them all."""
    keys = ", ".join(f"wb_{name}" for name in NAME_BLOCKS)
    kept = ",\n    ".join(
        f"CASE WHEN n_{name}.n <= {int(max_block) * FALLBACK_BLOCK_FACTOR.get(name, 1)} "
        f"THEN k.wb_{name} END AS {name}" for name in NAME_BLOCKS)
    joins = " ".join(f"LEFT JOIN n_{name} ON n_{name}.wb_{name} = k.wb_{name}"
                     for name in NAME_BLOCKS)
    return f"""
SELECT k.* EXCLUDE ({keys}),
    {kept}
FROM k {joins}"""


def capped_blocks_sql(link_input: str, max_block: int) -> str:
    """Add the name-block keys (NAME_BLOCKS) to the linkage input, each NULL where more than
    its cap (`max_block`, times FALLBACK_BLOCK_FACTOR) of records share it."""
    return f"""
WITH k AS ({_keyed(link_input)}),
{_sizes("k")}
{_capped(max_block)}"""


def uncapped_blocks_sql(link_input: str) -> str:
    """The linkage input with the name-block keys however big their blocks: records that
    share a capped key share the uncapped one too."""
    keys = ", ".join(f"{expr} AS {name}" for name, expr in NAME_BLOCKS.items())
    return f"SELECT *, {keys} FROM ({link_input})"


def capped_subset_sql(subset: str, everything: str, max_block: int) -> str:
    """`capped_blocks_sql` for the rows of `subset` alone, with block sizes counted over
    `everything` (which holds `subset`): the same keys as capping `everything` whole, without
    counting the blocks no row of `subset` is in."""
    keys = ", ".join(f"{expr} AS wb_{name}" for name, expr in NAME_BLOCKS.items())
    return f"""
WITH k AS ({_keyed(subset)}),
-- Every key starts with the name: only records with one of the subset's names count.
a AS (SELECT {keys} FROM ({everything}) WHERE name_key IN (SELECT name_key FROM k)),
{_sizes("a", "k")}
{_capped(max_block)}"""


def candidate_ids_sql(pool: str, batch: str, rules: list[list[tuple[str, str]]]) -> str:
    """The ids of the `pool` records (a query) that some blocking rule pairs with a record of
    `batch` (a query). `rules` holds, per rule, its (left column, right column)
    equalities."""
    parts = []
    for rule in rules:
        for pairs in dict.fromkeys([tuple(rule), tuple((b, a) for a, b in rule)]):
            on = " AND ".join(f"b.{right} = p.{left}" for left, right in pairs)
            # One semi-join per rule: a hash join each, where an OR of EXISTS is not.
            parts.append(f"SELECT p.unique_id FROM ({pool}) p SEMI JOIN ({batch}) b ON {on}")
    return "\nUNION\n".join(parts) if parts else f"SELECT unique_id FROM ({pool})"


def candidates_sql(pool: str, batch: str, rules: list[list[tuple[str, str]]]) -> str:
    """`li_old`: the pool records (not in `batch`) that some blocking rule pairs with a batch
    record. `rules` holds, per rule, its (left column, right column) equalities."""
    return f"""
CREATE OR REPLACE TABLE li_old AS
SELECT p.* FROM {pool} p
WHERE p.unique_id NOT IN (SELECT unique_id FROM {batch})
  AND p.unique_id IN ({candidate_ids_sql(f"SELECT * FROM {pool}", f"SELECT * FROM {batch}",
                                         rules)})"""


def left_out_sql() -> str:
    """`wb_left_out`: the records a batch is not linked against: the batch in `wb_batch` (one
    row, batch_id) itself, and rejected records."""
    return """
CREATE OR REPLACE TEMP TABLE wb_left_out AS
SELECT record_id FROM records
WHERE batch_id = (SELECT batch_id FROM wb_batch) OR coalesce(rejected, false)"""


def pool_features_sql() -> str:
    """View `wb_pool_li`: the kept linkage input of every linked record not in `wb_left_out`,
    without its name blocks (they are capped again with the batch), the records in
    `wb_regeneric` (prepared again because the batch made one of their contact values
    generic) in place of their kept rows. Records are never deleted, so every kept row has
    its record."""
    return """
CREATE OR REPLACE TEMP VIEW wb_pool_li AS
SELECT * EXCLUDE (name_only, name_city, name_company, name_place) FROM link_features
WHERE unique_id NOT IN (SELECT record_id FROM wb_left_out)
  AND unique_id NOT IN (SELECT unique_id FROM wb_regeneric)
UNION ALL BY NAME SELECT * FROM wb_regeneric"""


GENERIC_FIELDS: tuple[str, ...] = ("phone", "email", "email_local", "wechat")
# Columns of the linkage input that hold a personal identifier.
_PERSONAL_EQUAL = ("email", "wechat", "qq", "douyin", "kuaishou", "id_number")


def _mobile(value: str) -> str:
    return f"regexp_full_match({value}, '\\+861[3-9][0-9]{{9}}')"


def personal_id_agrees_sql(left: str = "l", right: str = "r") -> str:
    """SQL: a personal identifier of the two rows agrees: one own mobile (a landline is an
    office's or a household's; generic and shared numbers are NULL in the linkage input),
    personal e-mail, WeChat, QQ, Douyin, Kuaishou or ID number."""
    equal = [f"{left}.{c} = {right}.{c}" for c in _PERSONAL_EQUAL]
    mobile = [f"{left}.phone = {right}.phone AND {_mobile(f'{left}.phone')}",
              f"{left}.phone_last8 = {right}.phone_last8 AND {_mobile(f'{left}.phone')} "
              f"AND {_mobile(f'{right}.phone')}",
              f"list_has_any(list_filter({left}.phones, lambda x: {_mobile('x')}), {right}.phones)",
              f"{left}.wechat_phone = {right}.phone", f"{left}.phone = {right}.wechat_phone"]
    return f"coalesce({' OR '.join(equal + mobile)}, false)"


NAME_PART_COLUMNS: tuple[str, ...] = ("name_pinyin", "name_flat", "name_key", "name_given",
                                      "name_cjk")


def ties_sql(pairs: str, features: str) -> str:
    """id_l, id_r, tie for the pairs in `pairs` (a table or view with id_l, id_r): whether a
    personal identifier of the two records agrees, read from `features` (linkage input rows
    by unique_id)."""
    return f"""
SELECT p.id_l, p.id_r, {personal_id_agrees_sql("a", "b")} AS tie
FROM {pairs} p JOIN {features} a ON a.unique_id = p.id_l JOIN {features} b ON b.unique_id = p.id_r"""


def name_parts_of_sql(ids: str, features: str) -> str:
    """unique_id and the name parts (NAME_PART_COLUMNS) of the records in `ids` (a table or
    view with column record_id) that give a full name, from `features`."""
    return f"""
SELECT unique_id, {", ".join(NAME_PART_COLUMNS)} FROM {features}
WHERE name_key IS NOT NULL AND unique_id IN (SELECT record_id FROM {ids})"""


def term_frequencies_sql(column: str, link_input: str, needed: str | None = None,
                         total: int | None = None) -> str:
    """The term frequency of each value of `column` over `link_input` (a query), as Splink's
    lookup table wants it; only for the values `needed` (a query) holds, when given; `total`
    is the count of `column`'s values in `link_input` when the caller has it."""
    where = (f"{column} IN (SELECT {column} FROM ({needed}))" if needed
             else f"{column} IS NOT NULL")
    denominator = int(total) if total is not None else f"(SELECT count({column}) FROM li)"
    return f"""
WITH li AS ({link_input})
SELECT {column}, CAST(count(*) AS DOUBLE) / {denominator} AS tf_{column}
FROM li WHERE {where} GROUP BY {column}"""


def batch_values_sql() -> str:
    """`wb_batch_values`: the contact values (field, value) that the batch's records
    (`wb_link_source`) give."""
    parts = " UNION ".join(f"SELECT '{f}' AS field, {f} AS value FROM wb_link_source "
                           f"WHERE {f} IS NOT NULL" for f in GENERIC_FIELDS)
    parts += (" UNION SELECT 'phone', unnest(phones) FROM wb_link_source "
              "WHERE len(phones) > 1")
    return f"CREATE OR REPLACE TEMP TABLE wb_batch_values AS {parts}"


def records_giving_sql(projection: str, values: str, source: str = "records") -> str:
    """The records of `source` (`projection` of their columns) outside `wb_left_out` that
    give one of the contact values in `values` (field, value), as generic values are matched:
    on the standardised columns."""
    # One semi-join per field: a hash join each, where an OR of IN lists is not.
    ids = " UNION ".join(
        f"SELECT s.record_id FROM {source} s SEMI JOIN {values} v "
        f"ON v.field = '{f}' AND v.value = s.{f}" for f in GENERIC_FIELDS)
    # A number a record gives beside its first one.
    ids += (f" UNION SELECT s.record_id FROM (SELECT record_id, unnest(phones) AS number "
            f"FROM {source} WHERE len(phones) > 1) s SEMI JOIN {values} v "
            f"ON v.field = 'phone' AND v.value = s.number")
    return f"""
SELECT {projection} FROM {source}
WHERE record_id IN ({ids}) AND record_id NOT IN (SELECT record_id FROM wb_left_out)"""


def newly_generic_sql() -> str:
    """`wb_newly_generic`: the batch's contact values that `wb_generic_values` (counted over
    the batch and the pool records that give the batch's values) finds generic and the pool's
    stored list does not hold yet."""
    return """
CREATE OR REPLACE TEMP TABLE wb_newly_generic AS
SELECT g.field, g.value, g.names FROM wb_generic_values g
WHERE EXISTS (SELECT 1 FROM wb_batch_values b WHERE b.field = g.field AND b.value = g.value)
  AND NOT EXISTS (SELECT 1 FROM link_generic_values s
                  WHERE s.field = g.field AND s.value = g.value)"""


# --- models --------------------------------------------------------------------------------

def insert_model_sql() -> str:
    """Store a new model version (the next number): $created_by, $settings, $threshold,
    $threshold_kind, $training, $note."""
    return """
INSERT INTO models (version, created_at, created_by, settings, threshold, threshold_kind,
                    training, note)
SELECT coalesce(max(version), 0) + 1, now(), $created_by, $settings, $threshold,
       $threshold_kind, $training, $note FROM models
RETURNING version"""


def latest_model_sql() -> str:
    return """
SELECT version, settings, threshold, threshold_kind, training FROM models
ORDER BY version DESC LIMIT 1"""


def model_version_sql() -> str:
    """One stored model: $version."""
    return ("SELECT version, settings, threshold, threshold_kind, training FROM models "
            "WHERE version = $version")


def active_labels_sql() -> str:
    """Reviewers' labels in force (the review area's `current_labels` view), smaller id left."""
    return """
SELECT least(record_id_l, record_id_r) AS id_l, greatest(record_id_l, record_id_r) AS id_r,
       is_match
FROM current_labels"""


def active_constraints_sql() -> str:
    """The link constraints in force (latest row per pair wins; undone ones drop out)."""
    return """
SELECT least(record_id_l, record_id_r) AS id_l, greatest(record_id_l, record_id_r) AS id_r, kind
FROM current_constraints"""


def linkable_records_sql(columns: list[str], batch_only: bool = False) -> str:
    """Records that take part in linkage (not rejected), optionally those of one batch
    (`batch_only`: $batch_id)."""
    cols = ", ".join(f'"{c}"' for c in columns)
    where = "WHERE NOT coalesce(rejected, false)"
    if batch_only:
        where += " AND batch_id = $batch_id"
    return f"SELECT record_id, {cols} FROM records {where}"


def batch_record_ids_sql() -> str:
    """The linkable records of one batch: $batch_id."""
    return ("SELECT record_id FROM records WHERE batch_id = $batch_id "
            "AND NOT coalesce(rejected, false)")


def current_clusters_sql() -> str:
    return "SELECT record_id, cluster_id FROM clusters"


def update_features_sql(frame: str) -> str:
    """Put the linkage input of `frame` (records prepared again) in place of the kept one;
    their name blocks stay as kept."""
    cols = [c for c in LINK_FEATURE_COLUMNS if c != "unique_id" and c not in NAME_BLOCKS]
    sets = ", ".join(f"{c} = r.{c}" for c in cols)
    return f"UPDATE link_features SET {sets} FROM {frame} r WHERE link_features.unique_id = r.unique_id"


def clusters_touching_sql(ids_table: str) -> str:
    """Every member of the clusters that the records in `ids_table` are in."""
    return f"""
SELECT record_id, cluster_id FROM clusters
WHERE cluster_id IN (SELECT cluster_id FROM clusters
                     WHERE record_id IN (SELECT record_id FROM {ids_table}))"""


def max_cluster_id_sql() -> str:
    return "SELECT coalesce(max(cluster_id), 0) FROM clusters"


def next_run_id_sql() -> str:
    return "SELECT coalesce(max(run_id), 0) + 1 FROM linkage_runs"


def insert_run_sql() -> str:
    """Record one linkage run: $run_id, $started_at, $kind, $model_version, $threshold,
    $batch_id, $pairs, $clusters."""
    return """
INSERT INTO linkage_runs (run_id, started_at, finished_at, kind, model_version, threshold,
                          batch_id, pairs, clusters)
VALUES ($run_id, $started_at, now(), $kind, $model_version, $threshold, $batch_id, $pairs,
        $clusters)"""


def insert_pairs_sql(frame: str) -> str:
    """Pairs from a registered frame (run_id, id_l, id_r, weight, probability, gammas, weights)."""
    return f"""
INSERT INTO pairs (run_id, record_id_l, record_id_r, match_weight, match_probability, gammas,
                   weights)
SELECT run_id, id_l, id_r, match_weight, match_probability, gammas, weights FROM {frame}"""


def pairs_among_sql(ids_table: str) -> str:
    """The latest score of every stored pair whose two records are both in `ids_table`."""
    return f"""
SELECT record_id_l AS id_l, record_id_r AS id_r, arg_max(match_weight, run_id) AS match_weight
FROM pairs
WHERE record_id_l IN (SELECT record_id FROM {ids_table})
  AND record_id_r IN (SELECT record_id FROM {ids_table})
GROUP BY ALL"""


def replace_clusters_sql(frame: str) -> str:
    return f"INSERT INTO clusters (record_id, cluster_id, run_id) SELECT record_id, cluster_id, run_id FROM {frame}"


def delete_clusters_of_sql(frame: str) -> str:
    return f"DELETE FROM clusters WHERE record_id IN (SELECT record_id FROM {frame})"


def pair_sql() -> str:
    """The latest stored score of one pair: $id_l, $id_r (in either order)."""
    return """
SELECT match_weight, match_probability, gammas, weights, run_id FROM pairs
WHERE record_id_l = least($id_l, $id_r) AND record_id_r = greatest($id_l, $id_r)
ORDER BY run_id DESC LIMIT 1"""


def latest_pairs_sql() -> str:
    """Every stored pair with its latest score: id_l, id_r, match_weight, match_probability,
    gammas (JSON {comparison: level})."""
    return """
SELECT record_id_l AS id_l, record_id_r AS id_r,
       arg_max(match_weight, run_id) AS match_weight,
       arg_max(match_probability, run_id) AS match_probability,
       arg_max(gammas, run_id) AS gammas
FROM pairs GROUP BY record_id_l, record_id_r ORDER BY id_l, id_r"""


def labelled_pairs_sql() -> str:
    """Reviewers' labels in force: id_l, id_r, is_match."""
    return """
SELECT record_id_l AS id_l, record_id_r AS id_r, is_match FROM current_labels"""


def cluster_pairs_sql() -> str:
    """The latest scored pairs among the records $record_ids (a list of ids), weakest first."""
    return """
SELECT record_id_l, record_id_r, arg_max(match_probability, run_id) AS match_probability,
       arg_max(match_weight, run_id) AS match_weight
FROM pairs
WHERE record_id_l IN (SELECT unnest($record_ids::BIGINT[]))
  AND record_id_r IN (SELECT unnest($record_ids::BIGINT[]))
GROUP BY record_id_l, record_id_r ORDER BY match_probability, record_id_l, record_id_r"""


# --- working tables of one run (Splink's in-memory connection or the pool's) -------------------

def table_rows_sql(table: str) -> str:
    """Every row of `table`."""
    return f"SELECT * FROM {table}"


def describe_sql(table: str) -> str:
    """The columns of `table` (name first)."""
    return f"DESCRIBE {table}"


def drop_table_sql(table: str, *, if_exists: bool = False) -> str:
    """Drop a working table."""
    return f"DROP TABLE {'IF EXISTS ' if if_exists else ''}{table}"


def connection_settings_sql(memory_limit: str, spill_folder: str) -> list[str]:
    """The settings of Splink's private connection: insertion order not kept, `memory_limit`,
    and where tables beyond it spill."""
    return ["SET preserve_insertion_order = false",
            f"SET memory_limit = '{memory_limit}'",
            f"SET temp_directory = '{spill_folder}'"]


def copy_table_sql(table: str, view: str, select: str = "*") -> str:
    """A new table `table` (quoted) holding `select` over the registered `view` (quoted)."""
    return f"CREATE TABLE {table} AS SELECT {select} FROM {view}"


def link_source_view_sql(projection: str, source: str) -> str:
    """The view `wb_link_source`: `projection` (`source_projection`) over `source`."""
    return f"CREATE OR REPLACE TEMP VIEW wb_link_source AS SELECT {projection} FROM {source}"


def capped_link_input_sql(table: str, id_column: str, max_block: int) -> str:
    """The linkage input `table` made from `wb_link_source`, name blocks capped at `max_block`."""
    return (f"CREATE OR REPLACE TABLE {table} AS "
            + capped_blocks_sql(link_input_sql("wb_link_source", f'"{id_column}"'), max_block))


def generic_counts_sql() -> str:
    """Generic contact values per field (of `wb_generic_values`)."""
    return "SELECT field, count(*) FROM wb_generic_values GROUP BY 1"


def coverage_sql(columns: list[str], table: str) -> str:
    """The share of rows of `table` with a value, one column per name in `columns`."""
    select = ", ".join(f"avg(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns)
    return f"SELECT {select} FROM {table}"


def training_sample_sql(sample: str, table: str, seed: int, keep: int, labelled: bool) -> str:
    """`sample`: the rows of `table` whose hash with `seed` falls in the `keep` millionths, and
    (`labelled`) every record in `wb_labelled_ids`."""
    extra = " OR unique_id IN (SELECT unique_id FROM wb_labelled_ids)" if labelled else ""
    return (f"CREATE OR REPLACE TABLE {sample} AS SELECT * FROM {table} "
            f"WHERE hash(unique_id, {int(seed)}) % 1000000 < {keep}{extra}")


def label_pairs_table_sql(table: str) -> str:
    """`wb_labels`: the registered label pairs `wb_label_pairs` whose two records are in `table`."""
    return ("CREATE OR REPLACE TABLE wb_labels AS SELECT l.* FROM wb_label_pairs l "
            f"JOIN {table} a ON a.unique_id = l.unique_id_l "
            f"JOIN {table} b ON b.unique_id = l.unique_id_r")


def empty_link_input_sql(columns: str) -> str:
    """An empty `link_input` with `columns` (name and type each) and the phones list."""
    return f"CREATE TABLE link_input ({columns}, phones VARCHAR[])"


def file_pairs_sql(predictions: str) -> str:
    """A file's scored pairs out of Splink's `predictions`, smaller id left."""
    return (f"SELECT least(unique_id_l, unique_id_r) AS id_l, "
            f"greatest(unique_id_l, unique_id_r) AS id_r, match_probability, "
            f"match_weight FROM {predictions}")


# --- scored pairs of one run -------------------------------------------------------------------

def gammas_json_sql(comparisons: list[dict]) -> str:
    """SQL that recovers each comparison's level from its weight, as JSON {comparison: level}.

    Splink numbers levels from the top: the first non-null level has the highest number, the
    last (else) 0, the null level -1.
    """
    parts = []
    for comp in comparisons:
        name = comp["output_column_name"]
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        cases = []
        for i, lv in enumerate(levels):
            m, u = lv.get("m_probability"), lv.get("u_probability")
            if not m or not u:
                continue
            w = math.log2(m / u)
            cases.append(f"WHEN abs(mw_{name} - ({w!r})) < 1e-6 THEN {len(levels) - 1 - i}")
        case = f"CASE WHEN mw_{name} = 0 THEN -1 {' '.join(cases)} ELSE -1 END"
        parts.append(f"'{name}', {case}")
    return f"json_object({', '.join(parts)})" if parts else "NULL"


def weights_json_sql(comparisons: list[dict], columns: set[str]) -> str:
    """SQL for each comparison's weight (term frequency included when `columns` has it), as
    JSON {comparison: weight}."""
    parts = []
    for comp in comparisons:
        name = comp["output_column_name"]
        tf = f" + coalesce(mw_tf_adj_{name}, 0)" if f"mw_tf_adj_{name}" in columns else ""
        parts.append(f"'{name}', round(mw_{name}{tf}, 3)")
    return f"json_object({', '.join(parts)})" if parts else "NULL"


def scored_pairs_sql(table: str, run_id: int, gammas: str, weights: str) -> str:
    """`wb_pairs`: Splink's predictions in `table`, smaller id left, with the explanation
    columns (`gammas`, `weights`: SQL expressions)."""
    return f"""
CREATE OR REPLACE TABLE wb_pairs AS
SELECT {int(run_id)} AS run_id,
       least(unique_id_l, unique_id_r) AS id_l, greatest(unique_id_l, unique_id_r) AS id_r,
       match_weight, match_probability,
       CAST({gammas} AS VARCHAR) AS gammas,
       CAST({weights} AS VARCHAR) AS weights
FROM {table}"""


def run_pairs_sql() -> str:
    """The run's scored pairs (`wb_pairs`): id_l, id_r, match_weight, match_probability."""
    return "SELECT id_l, id_r, match_weight, match_probability FROM wb_pairs"


def run_pair_weights_sql() -> str:
    """The run's scored pairs (`wb_pairs`): id_l, id_r, match_weight."""
    return "SELECT id_l, id_r, match_weight FROM wb_pairs"


def pairs_to_store_sql(run_id: int, min_weight: float) -> str:
    """The run's scored pairs worth keeping in the pool (at least `min_weight`), as run `run_id`."""
    return (f"SELECT * REPLACE ({int(run_id)} AS run_id) FROM wb_pairs "
            f"WHERE match_weight >= {float(min_weight)!r}")


def link_input_ids_sql() -> str:
    """The ids of the linkage input."""
    return "SELECT unique_id FROM link_input"


def term_frequency_table_sql(name: str, column: str) -> str:
    """`name`: Splink's term-frequency lookup of `column`, counted over `link_input`."""
    return (f"CREATE OR REPLACE TABLE {name} AS "
            + term_frequencies_sql(column, "SELECT * FROM link_input"))


def predictions_union_sql(tables: list[str]) -> str:
    """`wb_predictions`: the rows of Splink's prediction `tables`, matched by column name."""
    union = " UNION ALL BY NAME ".join(f"SELECT * FROM {t}" for t in tables)
    return f"CREATE OR REPLACE TABLE wb_predictions AS {union}"


def new_link_input_sql() -> str:
    """`li_new`: the rows of `link_input` that are the batch's records (`wb_batch_ids`)."""
    return ("CREATE TABLE li_new AS SELECT * FROM link_input "
            "WHERE unique_id IN (SELECT record_id FROM wb_batch_ids)")


def affected_table_sql(frame: str) -> str:
    """`wb_affected`: the record ids of the registered `frame`."""
    return f"CREATE TEMP TABLE wb_affected AS SELECT * FROM {frame}"


def run_model_version_sql() -> str:
    """The model version a linkage run used: $run_id."""
    return "SELECT model_version FROM linkage_runs WHERE run_id = $run_id"


def delete_all_pairs_sql() -> str:
    return "DELETE FROM pairs"


def delete_all_clusters_sql() -> str:
    return "DELETE FROM clusters"


# --- the kept linkage input (link_features, link_generic_values) ------------------------------

def feature_rows_sql(table: str) -> str:
    """The kept columns of the linkage input rows in `table`."""
    cols = ", ".join(LINK_FEATURE_COLUMNS)
    return f"SELECT {cols} FROM (SELECT * FROM {table})"


def insert_features_sql(frame: str) -> str:
    """Keep the linkage input rows of the registered `frame`."""
    cols = ", ".join(LINK_FEATURE_COLUMNS)
    return f"INSERT INTO link_features ({cols}) SELECT {cols} FROM {frame}"


def delete_features_of_sql(frame: str) -> str:
    """Forget the kept linkage input of the records in `frame`."""
    return f"DELETE FROM link_features WHERE unique_id IN (SELECT unique_id FROM {frame})"


def drop_features_sql() -> str:
    return "DROP TABLE link_features"


def generic_rows_sql(table: str) -> str:
    """field, value, names of the generic values in `table`."""
    return f"SELECT field, value, names FROM {table}"


def delete_generic_values_sql() -> str:
    return "DELETE FROM link_generic_values"


def replace_generic_values_sql(frame: str) -> str:
    """The stored generic values: every row of the registered `frame`."""
    return f"INSERT INTO link_generic_values SELECT * FROM {frame}"


def add_generic_values_sql(frame: str) -> str:
    """Add the generic values of the registered `frame` (field, value, names)."""
    return f"INSERT INTO link_generic_values SELECT field, value, names FROM {frame}"


# --- one batch's linkage input, prepared inside the pool ---------------------------------------

def batch_table_sql() -> str:
    """`wb_batch`: the batch being linked, $batch_id."""
    return "CREATE OR REPLACE TEMP TABLE wb_batch AS SELECT CAST($batch_id AS BIGINT) AS batch_id"


def batch_records_sql(columns: list[str]) -> str:
    """`wb_batch_records`: the linkable records of batch $batch_id, with `columns`."""
    return ("CREATE OR REPLACE TEMP TABLE wb_batch_records AS "
            + linkable_records_sql(columns, batch_only=True))


def givers_sql(projection: str) -> str:
    """`wb_givers`: the records that give one of the batch's values (`wb_batch_values`)."""
    return ("CREATE OR REPLACE TEMP TABLE wb_givers AS "
            + records_giving_sql(projection, "wb_batch_values"))


def generic_source_view_sql() -> str:
    """`wb_generic_source`: the givers and the batch, where generic values are counted."""
    return ("CREATE OR REPLACE TEMP VIEW wb_generic_source AS "
            "SELECT * FROM wb_givers UNION ALL SELECT * FROM wb_link_source")


def batch_generic_values_sql() -> str:
    """`wb_generic_values`: the stored generic values and those the batch adds."""
    return ("CREATE OR REPLACE TEMP TABLE wb_generic_values AS SELECT field, value, names "
            "FROM link_generic_values UNION ALL SELECT * FROM wb_newly_generic")


def batch_link_input_sql() -> str:
    """`wb_batch_li`: the batch's linkage input (from `wb_link_source`)."""
    return ("CREATE OR REPLACE TEMP TABLE wb_batch_li AS "
            + link_input_sql("wb_link_source", '"record_id"'))


def regeneric_source_view_sql() -> str:
    """`wb_regeneric_source`: kept pool records that give a value the batch made generic."""
    return ("CREATE OR REPLACE TEMP VIEW wb_regeneric_source AS "
            + records_giving_sql("*", "wb_newly_generic", "wb_givers")
            + " AND record_id IN (SELECT unique_id FROM link_features)")


def regeneric_sql() -> str:
    """`wb_regeneric`: those pool records prepared again."""
    return ("CREATE OR REPLACE TEMP TABLE wb_regeneric AS "
            + link_input_sql("wb_regeneric_source", '"record_id"'))


def everything_sql(columns: str) -> str:
    """`wb_everything`: `columns` of pool and batch linkage input together."""
    return (f"CREATE OR REPLACE TEMP TABLE wb_everything AS SELECT {columns} FROM wb_pool_li "
            f"UNION ALL SELECT {columns} FROM wb_batch_li")


def batch_capped_sql(max_block: int) -> str:
    """`wb_batch_capped`: the batch's linkage input, name blocks capped over pool and batch."""
    return ("CREATE OR REPLACE TEMP TABLE wb_batch_capped AS " + capped_subset_sql(
        "SELECT * FROM wb_batch_li", "SELECT * FROM wb_everything", max_block))


def candidate_ids_table_sql(rules: list[list[tuple[str, str]]]) -> str:
    """`wb_candidate_ids`: pool records that share a blocking key (of `rules`) with the batch."""
    return ("CREATE OR REPLACE TEMP TABLE wb_candidate_ids AS " + candidate_ids_sql(
        uncapped_blocks_sql("SELECT * FROM wb_pool_li"), "SELECT * FROM wb_batch_capped",
        rules))


def batch_with_candidates_sql(max_block: int) -> str:
    """`wb_link_input`: the candidate pool records (capped) and the batch's records."""
    return ("CREATE OR REPLACE TEMP TABLE wb_link_input AS " + capped_subset_sql(
        "SELECT * FROM wb_pool_li WHERE unique_id IN (SELECT unique_id FROM wb_candidate_ids)",
        "SELECT * FROM wb_everything", max_block)
        + " UNION ALL BY NAME SELECT * FROM wb_batch_capped")


def value_totals_sql(columns: list[str]) -> str:
    """How many values each of `columns` has over pool and batch (`wb_everything`)."""
    return ("SELECT " + ", ".join(f"count({c})" for c in columns)
            + " FROM (SELECT * FROM wb_everything)")


def batch_term_frequencies_sql(column: str, total: int) -> str:
    """Term frequencies of `column` over pool and batch, for the rows of `wb_link_input`."""
    return term_frequencies_sql(column, "SELECT * FROM wb_everything",
                                "SELECT * FROM wb_link_input", total)
