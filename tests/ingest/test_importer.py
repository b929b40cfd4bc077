"""Import end to end: real files into a real pool, one atomic batch each."""

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from workbench.errors import ChannelPaused, InputError
from workbench.ingest.importer import add_record, import_file
from workbench.store.pool import Pool


@pytest.fixture
def pool(tmp_path):
    return Pool(tmp_path / "pool.duckdb")


def _counts(pool):
    with pool.connect() as con:
        return tuple(
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("records", "batches", "events", "channel_mappings")
        )


def _exhibition_xlsx(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "线索"
    sheet.append(["2024年5月展会线索"])
    sheet.merge_cells("A1:F1")
    sheet.append(["姓名", "手机号", "邮箱", "单位名称", "登记时间", "兴趣"])
    sheet.append(["张伟 ", 13812345678, "ZhangWei@163.COM", "深圳市华为技术有限公司",
                  dt.datetime(2024, 5, 3, 10, 0), "云服务"])
    sheet.append(["王先生", "１３９ １２３４ ５６７８", None, "腾讯", "2024/5/4", None])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["李娜", "12345", "not-an-email", "阿里巴巴", None, "电商"])
    book.save(path)
    return path


def _records(pool):
    with pool.connect() as con:
        return con.execute("SELECT * FROM records ORDER BY record_id").df()


def test_xlsx_lands_as_one_partial_batch_with_everything_traceable(pool, tmp_path):
    path = _exhibition_xlsx(tmp_path / "展会.xlsx")
    result = import_file(pool, path, channel="展会", handler="王专员")
    assert (result.rows, result.rejected, result.status) == (3, 1, "partial")
    assert "Batch 1" in result.summary() and "1 rejected" in result.summary()

    records = _records(pool)
    assert records["source_row"].tolist() == [3, 4, 6]
    assert records["source_sheet"].unique().tolist() == ["线索"]
    first, second, third = records.to_dict("records")
    assert first["phone"] == "+8613812345678" and first["phone_raw"] == "13812345678"
    assert first["email"] == "zhangwei@163.com"
    assert first["company_core"] == "华为技术"
    assert first["updated_at"].startswith("2024-05-03 10:00")
    assert first["channel"] == "展会" and first["entered_by"] == "王专员"
    assert '"兴趣":"云服务"' in first["extra"].replace(" ", "")  # unmapped, kept
    assert second["phone"] == "+8613912345678" and second["name"] == "王"
    assert second["reachable"] and not second["rejected"]
    assert third["rejected"] and "phone" in third["reject_reason"]
    assert third["phone_status"] == "invalid" and third["email_status"] == "invalid"

    with pool.connect() as con:
        batch = con.execute("SELECT channel, status, rows, error_rows, handler, file_sha256, "
                            "quality_score FROM batches").fetchone()
        event = con.execute("SELECT kind, target, actor FROM events").fetchone()
        mapping = dict(con.execute("SELECT header, field FROM channel_mappings").fetchall())
    assert batch[:5] == ("展会", "partial", 3, 1, "王专员") and len(batch[5]) == 64
    assert batch[6] is not None
    assert event == ("import", "batch:1", "王专员")
    assert mapping["手机号"] == "phone" and mapping["单位名称"] == "company"


def test_reimporting_the_same_file_does_nothing_unless_forced(pool, tmp_path):
    path = _exhibition_xlsx(tmp_path / "展会.xlsx")
    import_file(pool, path, channel="展会")
    before = _counts(pool)
    again = import_file(pool, path, channel="展会")
    assert again.skipped and again.duplicate_of == 1 and "already imported" in again.summary()
    assert _counts(pool) == before
    forced = import_file(pool, path, channel="展会", force=True)
    assert forced.batch_id == 2 and _counts(pool)[0] == before[0] + 3


def test_saved_mapping_is_reused_for_the_channel(pool, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("客户,号码\n张伟,13812345678\n", encoding="utf-8")
    import_file(pool, first, channel="门店", mapping={"客户": "name", "号码": "phone"})
    second = tmp_path / "b.csv"
    second.write_text("客户,号码\n王芳,13912345678\n", encoding="utf-8")
    import_file(pool, second, channel="门店")  # no mapping given this time
    assert _records(pool)["name"].tolist() == ["张伟", "王芳"]


def test_two_phone_columns_are_both_kept(pool, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("姓名,手机,电话\n张伟,13812345678,0755-86001234\n", encoding="utf-8")
    import_file(pool, path, channel="官网")
    row = _records(pool).iloc[0]
    assert list(row["phones"]) == ["+8613812345678", "+8675586001234"]


def test_unreadable_file_leaves_the_pool_exactly_as_it_was(pool, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("姓名,手机\n张伟,13812345678\n", encoding="utf-8")
    import_file(pool, good, channel="官网")
    before = _counts(pool)
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,手机\n张伟,138,多,余\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2"):
        import_file(pool, bad, channel="官网")
    assert _counts(pool) == before


def test_sheet_without_contact_column_says_what_to_do(pool, tmp_path):
    path = tmp_path / "no_contact.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "线索"
    book.active.append(["姓名", "联系号", "公司"])
    book.active.append(["张伟", "abc", "华为"])
    book.save(path)
    with pytest.raises(InputError) as err:
        import_file(pool, path, channel="展会")
    message = str(err.value)
    for part in ("no_contact.xlsx", "'线索'", "联系号", "--map"):
        assert part in message
    assert not pool.exists() or _counts(pool)[0] == 0
    result = import_file(pool, path, channel="展会", mapping={"联系号": "phone"})
    assert result.status == "failed" and result.rejected == 1


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [1.0, 2.5])
def test_killed_import_leaves_the_batch_whole_or_absent(pool, tmp_path, kill_after):
    import signal
    import subprocess
    import sys
    import time

    rows = 150_000
    path = tmp_path / "big.csv"
    phones = pd.Series(range(rows)).map(lambda i: f"1380{i:07d}")
    pd.DataFrame({"姓名": "张伟", "手机": phones}).to_csv(path, index=False)
    code = (
        "import sys; from workbench.ingest.importer import import_file; from workbench.store.pool import Pool;"
        "import_file(Pool(sys.argv[1]), sys.argv[2], channel='官网')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(pool.path), str(path)])
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if not pool.path.exists():
        return  # killed before the pool was created: nothing half-written
    records, batches, events, _ = _counts(pool)
    assert (records, batches, events) in ((0, 0, 0), (rows, 1, 1))


def test_paused_channel_is_refused(pool, tmp_path):
    from workbench.ingest.channels import pause_channel
    path = tmp_path / "a.csv"
    path.write_text("姓名,手机\n张伟,13812345678\n", encoding="utf-8")
    import_file(pool, path, channel="抖音广告")
    pause_channel(pool, "抖音广告", reason="质量连续不达标")
    before = _counts(pool)
    other = tmp_path / "b.csv"
    other.write_text("姓名,手机\n王芳,13912345678\n", encoding="utf-8")
    with pytest.raises(ChannelPaused):
        import_file(pool, other, channel="抖音广告")
    assert _counts(pool)[:2] == before[:2]


def test_manual_entry_goes_through_the_same_path(pool):
    result = add_record(pool, "线下门店", {"name": "张伟", "phone": "138-1234-5678",
                                        "公司": "华为"}, entered_by="王专员")
    assert result.status == "success" and result.rows == 1
    row = _records(pool).iloc[0]
    assert (row["phone"], row["company"], row["entered_by"]) == ("+8613812345678", "华为",
                                                                   "王专员")
    with pool.connect() as con:
        kind = con.execute("SELECT kind FROM batches").fetchone()[0]
    assert kind == "manual"
    with pytest.raises(InputError, match="phone"):
        add_record(pool, "线下门店", {"name": "张伟"})


def test_gbk_csv_and_jsonl_import(pool, tmp_path):
    csv_path = tmp_path / "call.csv"
    csv_path.write_bytes("联系人,联系电话,QQ\n赵敏,13712345678,123456\n".encode("gbk"))
    jsonl = tmp_path / "douyin.jsonl"
    jsonl.write_text('{"昵称":"小周","抖音号":"zhou_123","手机":"13612345678"}\n',
                     encoding="utf-8")
    import_file(pool, csv_path, channel="呼叫中心")
    import_file(pool, jsonl, channel="抖音广告")
    records = _records(pool)
    assert records["name"].tolist()[0] == "赵敏"
    assert records["qq"].tolist()[0] == "123456"
    assert records["douyin"].tolist()[1] == "zhou_123"
    assert isinstance(records, pd.DataFrame)
