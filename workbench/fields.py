"""The standard fields of a lead, and the columns derived from them.

These names are the column names of standardised values in the pool, in exports and in the
linkage model. Everything that needs the list of fields reads it from here.
"""

from __future__ import annotations

# Standard fields, in the order exports show them. Each is a text column holding the
# standardised value; the value as read from the file is kept beside it as `<field>_raw`.
STANDARD_FIELDS: tuple[str, ...] = (
    "name",
    "phone",
    "email",
    "wechat",
    "qq",
    "douyin",
    "kuaishou",
    "company",
    "title",
    "province",
    "city",
    "address",
    "postcode",
    "id_number",
    "birth_date",
    "gender",
    "age",
    "amount",
    *("registered_at", "last_order_at", "orders", "total_amount", "status", "tags"),  # customers
    "owner",
    "remark",
    "channel",
    "updated_at",
)

# Fields that reach a person. A lead is reachable with at least one valid one of these.
REACHABLE_FIELDS: tuple[str, ...] = ("phone", "email", "wechat")
# Every contact field: a record with no valid one of these cannot be used and is rejected.
CONTACT_FIELDS: tuple[str, ...] = ("phone", "email", "wechat", "qq", "douyin", "kuaishou")
# Fields whose values are personal data: masked on display and in exported reports.
PERSONAL_FIELDS: tuple[str, ...] = (
    "name", "phone", "email", "wechat", "qq", "douyin", "kuaishou", "address", "id_number",
    "birth_date",
)
# Fields that only help to assemble others: a surname and a given name in two columns
# become `name`.
HELPER_FIELDS: tuple[str, ...] = ("surname", "given_name")

# Columns the standardiser derives, beside the standard fields, with their DuckDB types.
DERIVED_COLUMNS: dict[str, str] = {
    "phone_type": "VARCHAR",  # mobile / landline / special (400, 800) / invalid / missing
    "phones": "VARCHAR[]",  # every valid number found in the cell, E.164
    "phone_last8": "VARCHAR",
    "email_local": "VARCHAR",
    "email_domain": "VARCHAR",
    "name_pinyin": "VARCHAR",  # 'zhang wei', surname first, lower case
    "name_family": "VARCHAR",  # 张 / zhang
    "company_core": "VARCHAR",  # 华为技术 for 深圳市华为技术有限公司
}

# Validation status values of `<field>_status`.
STATUS_OK, STATUS_MISSING, STATUS_INVALID, STATUS_ABNORMAL = "ok", "missing", "invalid", "abnormal"
STATUSES: tuple[str, ...] = (STATUS_OK, STATUS_MISSING, STATUS_INVALID, STATUS_ABNORMAL)

# Fields that get a `<field>_status` column.
CHECKED_FIELDS: tuple[str, ...] = (
    "name", "phone", "email", "wechat", "qq", "douyin", "kuaishou", "company", "title",
    "province", "city", "address", "postcode", "id_number", "birth_date", "gender", "age",
    "amount", "updated_at",
    *("registered_at", "last_order_at", "orders", "total_amount", "status", "tags"),
)


# What channels send about customers (registration, orders, status, their own tags): the
# inputs of workbench.analysis. `status` takes one of ingest.customer.STATUSES.
CUSTOMER_FIELDS: tuple[str, ...] = (
    "registered_at", "last_order_at", "orders", "total_amount", "status", "tags",
)


def record_columns() -> dict[str, str]:
    """Every column the standardiser hands to the pool, with its DuckDB type."""
    columns: dict[str, str] = {}
    for field in STANDARD_FIELDS:
        columns[field] = "VARCHAR"
        columns[f"{field}_raw"] = "VARCHAR"
    columns.update(DERIVED_COLUMNS)
    for field in CHECKED_FIELDS:
        columns[f"{field}_status"] = "VARCHAR"
    columns["reachable"] = "BOOLEAN"
    columns["rejected"] = "BOOLEAN"
    columns["reject_reason"] = "VARCHAR"
    columns["extra"] = "VARCHAR"  # JSON object of columns no standard field took
    return columns
