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
    "source_id",  # the channel's own id of the customer (客户ID)
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
# Fields that only help to assemble others, as person files split them: a surname and a given
# name (each possibly in two columns, RLdata's lname_c1/lname_c2) become `name`; a street
# number and address lines become `address` (in this order); a birth year, month and day
# become `birth_date`. A field's own column wins over its parts.
HELPER_FIELDS: tuple[str, ...] = (
    "surname", "surname_2", "given_name", "given_name_2",
    "street_number", "address_1", "address_2",
    "birth_year", "birth_month", "birth_day",
)

# Columns the standardiser derives, beside the standard fields, with their DuckDB types.
DERIVED_COLUMNS: dict[str, str] = {
    "phone_type": "VARCHAR",  # mobile / landline / special (400, 800) / masked / invalid / missing
    "phones": "VARCHAR[]",  # every valid number found in the cell, E.164
    "phone_last8": "VARCHAR",
    # A masked mobile as channels send it (139****6789, 139-****-6789, 139xxxx6789), in the one
    # form '139****6789': the first 3 and last 4 digits are evidence to compare with full
    # numbers, but not a contact (phone stays None, phone_status 'masked').
    "phone_masked": "VARCHAR",
    # `email` holds the canonical inbox: plus-tags dropped (li.lei+crm@qq.com → li.lei@qq.com),
    # googlemail.com → gmail.com and, for gmail only, dots dropped from the local part.
    "email_local": "VARCHAR",
    "email_domain": "VARCHAR",
    "name_pinyin": "VARCHAR",  # 'zhang wei', surname first, lower case
    "name_family": "VARCHAR",  # 张 / zhang
    "company_core": "VARCHAR",  # 华为技术 for 深圳市华为技术有限公司
}

# Validation status values of `<field>_status`.
STATUS_OK, STATUS_MISSING, STATUS_INVALID, STATUS_ABNORMAL = "ok", "missing", "invalid", "abnormal"
# A phone given masked (139****6789): kept as evidence in `phone_masked`, not a contact.
STATUS_MASKED = "masked"
STATUSES: tuple[str, ...] = (
    STATUS_OK, STATUS_MISSING, STATUS_INVALID, STATUS_ABNORMAL, STATUS_MASKED,
)

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
