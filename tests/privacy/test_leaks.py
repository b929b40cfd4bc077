"""Personal data where a person looks: exports, grants, history, events, written files, HTML.

Each test plays the outsider of issue 16 on a real pool through the real command line.
"""

import csv
import itertools
import re

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.errors import InputError
from workbench.ingest.importer import import_file
from workbench.leads.review import export_review
from workbench.privacy.masking import add_admin, authorise, check_unmasked_access
from workbench.store.pool import Pool

FULL_MOBILE = re.compile(r"1[3-9]\d{9}")
FULL_ID = re.compile(r"\d{17}[\dXx]")
HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "+cmd|' /C calc'!A0", "@SUM(1)",
           "-2+3", "\t=1+1", "\r=1+1"]
PEOPLE = [
    ("张伟", "13812345678", "zw@163.com", "110101199003071234", HOSTILE[0], "-12"),
    ("张伟", "13812345678", "zhangwei@qq.com", "", HOSTILE[1], "35"),
    ("王芳", "13900001111", "", "", HOSTILE[2], ""),
    ("李娜", "13700002222", "ln@126.com", "", HOSTILE[3], "-0.5"),
]


@pytest.fixture
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    path = tmp_path / "in.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "手机号", "邮箱", "身份证号", "备注", "金额"])
        writer.writerows(PEOPLE)
    import_file(pool, path, channel="官网")
    return pool


def _cli(pool, *args, user="mallory"):
    runner = CliRunner(env={"WORKBENCH_POOL": str(pool.path), "WORKBENCH_USER": user})
    return runner.invoke(main, list(args))


def _events(pool, kind):
    with pool.connect(read_only=True) as con:
        return con.execute("SELECT actor, target, reason, payload FROM events WHERE kind = ? "
                           "ORDER BY event_id", [kind]).fetchall()


def _propose(pool, ids):
    with pool.transaction() as con:
        for record_id in ids:
            con.execute("INSERT OR REPLACE INTO clusters VALUES (?, ?, 1)", [record_id, 10])
        for a, b in itertools.combinations(ids, 2):
            con.execute("INSERT INTO pairs (run_id, record_id_l, record_id_r, match_weight, "
                        "match_probability) VALUES (1, ?, ?, 10.0, 0.99)", [a, b])


@pytest.mark.parametrize("args", [("export", "records"), ("export", "rejects"),
                                  ("leads",), ("export", "leads")])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_unapproved_users_export_is_masked_and_recorded(pool, tmp_path, args, suffix):
    out = tmp_path / f"x{suffix}"
    result = _cli(pool, *args, "--out", str(out))
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        text = out.read_text(encoding="utf-8-sig")
    else:
        text = " ".join(str(c.value) for ws in openpyxl.load_workbook(out)
                        for row in ws.iter_rows() for c in row if c.value is not None)
    assert not FULL_MOBILE.search(text) and not FULL_ID.search(text)
    assert "zw@163.com" not in text
    if args[-1] != "rejects":  # no rejects in this pool: an empty but masked file
        assert "138****5678" in text
    (actor, target, _reason, payload), = _events(pool, "export")
    assert actor == "mallory" and target == args[-1] and '"masked": true' in payload


def test_an_unmasked_export_is_refused_to_the_unapproved_and_the_refusal_recorded(pool,
                                                                                  tmp_path):
    out = tmp_path / "x.csv"
    result = _cli(pool, "export", "records", "--out", str(out), "--unmasked",
                  "--reason", "想看看")
    assert result.exit_code == 2 and "'mallory' is not authorised" in result.output
    assert "Traceback" not in result.output and not out.exists()
    (actor, target, reason, payload), = _events(pool, "export_refused")
    assert (actor, target, reason) == ("mallory", "records", "想看看")
    for args in (("leads", "--out", str(out)), ("review", "export", str(tmp_path / "r.xlsx"))):
        assert _cli(pool, *args, "--unmasked").exit_code == 2
    assert len(_events(pool, "export_refused")) == 3
    assert _events(pool, "export") == []


def test_an_approved_user_exports_unmasked_and_it_is_recorded(pool, tmp_path):
    add_admin(pool, "数据负责人")
    authorise(pool, "赵工", actor="数据负责人", reason="渠道核对，经审批")
    out = tmp_path / "x.csv"
    result = _cli(pool, "export", "records", "--out", str(out), "--unmasked", "--reason", "核对",
                  user="赵工")
    assert result.exit_code == 0, result.output
    assert "13812345678" in out.read_text(encoding="utf-8-sig")
    (actor, _target, reason, payload), = _events(pool, "export")
    assert (actor, reason) == ("赵工", "核对") and '"masked": false' in payload


def test_nobody_grants_themselves_and_only_an_administrator_grants(pool):
    result = _cli(pool, "privacy", "authorise", "mallory", "--reason", "我自己")
    assert result.exit_code == 2 and "not a privacy administrator" in result.output
    with pool.connect(read_only=True) as con, pytest.raises(InputError):
        check_unmasked_access(con, "mallory")
    # The pool file's owner (this test's own account) names the first administrator ...
    assert add_admin(pool, "数据负责人", reason="数据负责人") == ["数据负责人"]
    # ... who may not approve themselves, and whom nobody else can make or unmake.
    with pytest.raises(InputError, match="may not authorise themselves"):
        authorise(pool, "数据负责人", actor="数据负责人")
    assert _cli(pool, "privacy", "admin", "mallory").exit_code == 2
    assert _cli(pool, "privacy", "authorise", "mallory", "--reason", "x").exit_code == 2
    assert _cli(pool, "privacy", "authorise", "赵工", "--reason", "经审批",
                user="数据负责人").exit_code == 0
    with pool.connect(read_only=True) as con:
        check_unmasked_access(con, "赵工")
        with pytest.raises(InputError):
            check_unmasked_access(con, "mallory")
    granted, = _events(pool, "privacy_authorised")
    assert granted[:3] == ("数据负责人", "user:赵工", "经审批")


def test_review_export_is_masked_recorded_and_still_round_trips(pool, tmp_path):
    _propose(pool, [1, 2])
    out, clusters = export_review(pool, tmp_path / "review.xlsx", actor="mallory")
    assert clusters == 1
    sheet = openpyxl.load_workbook(out)["审核 review"]
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert not FULL_MOBILE.search(text) and "张*" in text
    (actor, target, _r, payload), = _events(pool, "export")
    assert (actor, target) == ("mallory", "review") and '"masked": true' in payload
    # Choose 'merge' in the masked file and apply it: the row checks hold.
    book = openpyxl.load_workbook(out)
    review = book["审核 review"]
    header = [c.value for c in review[1]]
    review.cell(row=2, column=header.index("决定 decision") + 1, value="merge")
    book.save(out)
    result = _cli(pool, "review", "apply", str(out), user="王审核")
    assert result.exit_code == 0, result.output
    assert "edited in the file" not in result.output


def test_history_and_events_mask_edited_values_and_reasons(pool):
    with pool.connect(read_only=True) as con:
        lead = con.execute("SELECT lead_id FROM current_membership WHERE record_id = 1"
                           ).fetchone()[0]
    for field, value in [("phone", "13655556666"), ("email", "secret.person@corp.cn"),
                         ("id_number", "310101198812120011"), ("wechat", "wxid_secret99")]:
        result = _cli(pool, "edit", str(lead), field, value, "--reason",
                      f"客户来电改为 {value}", user="王专员")
        assert result.exit_code == 0, result.output
    for args in (("history", str(lead)), ("events", "--limit", "50")):
        shown = _cli(pool, *args).output
        assert "13655556666" not in shown and "secret.person@corp.cn" not in shown, shown
        assert "310101198812120011" not in shown and "wxid_secret99" not in shown.split(
            "客户来电改为")[0], shown
        assert "136****6666" in shown
    history = _cli(pool, "history", str(lead)).output
    assert "wechat = wx*********99" in history and "phone = 136****6666" in history


def test_exports_neutralise_formulas_and_keep_numbers(pool, tmp_path):
    add_admin(pool, "数据负责人")
    authorise(pool, "赵工", actor="数据负责人", reason="核对")
    csv_out, xlsx_out = tmp_path / "leads.csv", tmp_path / "leads.xlsx"
    for out in (csv_out, xlsx_out):
        assert _cli(pool, "leads", "--out", str(out), "--unmasked", user="赵工").exit_code == 0
    frame = pd.read_csv(csv_out, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    remarks = set(frame["remark"]) - {""}
    assert remarks and all(r.startswith("'") for r in remarks), remarks
    assert {"'" + h for h in HOSTILE[:4]} <= remarks
    sheet = openpyxl.load_workbook(xlsx_out).active
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("remark")] for row in sheet.iter_rows(min_row=2)]
    hostile = [c for c in cells if c.value]
    assert hostile and all(c.data_type == "s" and c.quotePrefix for c in hostile)
    assert {c.value for c in hostile} >= set(HOSTILE[:4])  # the value itself unchanged
    for out in (tmp_path / "records.csv", tmp_path / "records.xlsx"):
        assert _cli(pool, "export", "records", "--out", str(out)).exit_code == 0
    records = pd.read_csv(tmp_path / "records.csv", dtype=str, encoding="utf-8-sig",
                          keep_default_na=False)
    assert {"-12", "-0.5"} <= set(records["amount_raw"])  # a negative number is no formula
    text = (tmp_path / "records.csv").read_text(encoding="utf-8-sig")
    for row in csv.reader(text.splitlines()):
        assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row), row
