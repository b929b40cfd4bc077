"""Lead batches with known defects, for the quality, channel and report tests.

Each kind of row has a known effect on the measures: which checked fields are present, how many
of them pass, whether the row is reachable and complete (a name and a contact present). A
batch is a list of kinds; its expected figures follow from this table, so a test can mix kinds
freely and still know every figure exactly.
"""

from __future__ import annotations

import csv
from pathlib import Path

from workbench.ingest.importer import import_file

HEADERS = ["姓名", "手机号", "邮箱", "公司", "年龄", "备注"]
FORMULA = '=HYPERLINK("http://evil.example/x","点我")'

# kind: (present values, valid values, reachable, complete, {field: present/valid}), where the
# per-field dict lists the fields present and whether each passes its check.
KINDS: dict[str, dict] = {
    # 张伟, a valid mobile, a valid email, a company
    "good": {"fields": {"name": True, "phone": True, "email": True, "company": True},
             "reachable": True, "complete": True},
    # a name and a phone number that is not a phone number: rejected, no valid contact
    "bad_phone": {"fields": {"name": True, "phone": False}, "reachable": False,
                  "complete": True},
    # no name, valid phone and email
    "no_name": {"fields": {"phone": True, "email": True}, "reachable": True, "complete": False},
    # a valid phone, an email that is not one
    "bad_email": {"fields": {"name": True, "phone": True, "email": False}, "reachable": True,
                  "complete": True},
    # a formula where the phone should be, a valid email
    "formula_phone": {"fields": {"name": True, "phone": False, "email": True},
                      "reachable": True, "complete": True},
    # age 200
    "abnormal_age": {"fields": {"name": True, "phone": True, "age": False}, "reachable": True,
                     "complete": True},
}
SURNAMES = "张王李赵刘陈杨黄周吴"
GIVEN = "伟芳娜敏静丽强磊军洋"


def mobile(n: int) -> str:
    """A distinct valid mainland mobile number for each n."""
    return f"138{n:08d}"


def row(kind: str, n: int) -> list[str]:
    name = SURNAMES[n % 10] + GIVEN[(n // 10) % 10]
    email = f"lead{n}@example.com"
    remark = f"回电 {mobile(n)}" if n % 2 else ""
    return {
        "good": [name, mobile(n), email, "华为技术有限公司", "", remark],
        "bad_phone": [name, f"1{n % 10}345", "", "", "", remark],
        "no_name": ["", mobile(n), email, "", "", remark],
        "bad_email": [name, mobile(n), "not-an-email", "", "", remark],
        "formula_phone": [name, FORMULA, email, "", "", remark],
        "abnormal_age": [name, mobile(n), "", "", "200", remark],
    }[kind]


def write_batch(path: Path, kinds: list[str], start: int) -> Path:
    """A CSV with one row per kind; row i gets lead number start + i."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i, kind in enumerate(kinds):
            writer.writerow(row(kind, start + i))
    return path


def import_batch(pool, tmp_path: Path, channel: str, kinds: list[str], start: int):
    """Write and import a batch; returns the ImportResult."""
    path = write_batch(tmp_path / f"{channel}-{start}.csv", kinds, start)
    return import_file(pool, path, channel=channel)


def expected(kinds: list[str]) -> dict:
    """The counts and rates a batch (or several together) of these kinds must have."""
    rows = len(kinds)
    present = sum(len(KINDS[k]["fields"]) for k in kinds)
    valid = sum(sum(KINDS[k]["fields"].values()) for k in kinds)
    reachable = sum(KINDS[k]["reachable"] for k in kinds)
    complete = sum(KINDS[k]["complete"] for k in kinds)
    reachability, validity, completeness = reachable / rows, valid / present, complete / rows
    return {
        "rows": rows, "present": present, "valid": valid, "reachable": reachable,
        "complete": complete, "rejected": rows - reachable,
        "reachability": round(reachability, 4), "validity": round(validity, 4),
        "completeness": round(completeness, 4),
        "score": round(0.4 * reachability + 0.3 * validity + 0.3 * completeness, 4),
    }


def expected_field(kinds: list[str], field: str) -> tuple[int, int]:
    """(present, valid) of one field over these kinds."""
    present = sum(field in KINDS[k]["fields"] for k in kinds)
    valid = sum(KINDS[k]["fields"].get(field, False) for k in kinds)
    return present, valid


GOOD = ["good"] * 10
# Score 0.4·0.7 + 0.3·(31/34) + 0.3·1 = 0.8535: below the 90% gate.
BAD = ["good"] * 7 + ["bad_phone"] * 3
