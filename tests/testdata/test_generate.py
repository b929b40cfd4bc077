"""Tests of the synthetic lead generator, the channel files it writes and the bundled sample."""

from __future__ import annotations

import json
import re
import unicodedata

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.errors import InputError
from workbench.sample import CHANNELS, SAMPLE_CHANNELS, sample_files, sample_truth
from workbench.testdata.generate import (
    LEAD_FIELDS,
    PEOPLE_COLUMNS,
    generate_leads,
    generate_people,
    write_channel_files,
    write_sample,
    write_truth,
)

CONTACTS = ["phone", "email", "wechat", "qq", "douyin", "kuaishou"]
SHARED_INBOXES = {"info", "hr", "sales", "service", "admin", "contact"}


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return generate_leads(6000, seed=11)


def digits_of(phone: str) -> str:
    """The phone's digits as a test reads them: full-width folded, '.0', '+86'/'86' dropped."""
    text = unicodedata.normalize("NFKC", phone).strip()
    text = text.removesuffix(".0")
    digits = re.sub(r"\D", "", text)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def is_mobile(digits: str) -> bool:
    return bool(re.fullmatch(r"1[3-9]\d{9}", digits)) and digits != "13800138000"


def plain_chinese_name(name: str) -> bool:
    return bool(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name)) and not name.endswith(("先生", "女士"))


# --- determinism and shape --------------------------------------------------------------------

def test_same_seed_gives_same_frame_and_other_seed_differs():
    first, again, other = (generate_leads(800, seed=s) for s in (5, 5, 6))
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    assert (first["name"] != other["name"]).mean() > 0.5


def test_columns_ids_and_channels(leads):
    assert list(leads.columns) == ["lead_id", "entity_id", "channel", *LEAD_FIELDS]
    assert leads["lead_id"].is_unique
    assert leads["lead_id"].iloc[0] == "L0000001"
    assert set(leads["channel"]) == set(CHANNELS)
    # Own channels outrank third parties.
    own = [c.priority for c in CHANNELS.values() if c.kind == "own"]
    third = [c.priority for c in CHANNELS.values() if c.kind == "third_party"]
    assert min(own) > max(third)
    # A channel sends only what it collects.
    for name, channel in CHANNELS.items():
        part = leads[leads["channel"] == name]
        for field in LEAD_FIELDS:
            if field not in channel.fields:
                assert (part[field] == "").all(), (name, field)


@pytest.mark.parametrize("share", [0.0, 0.2, 0.35, 0.6])
def test_declared_duplicate_share_is_met(share):
    frame = generate_leads(3000, seed=2, duplicate_share=share)
    measured = 1 - frame["entity_id"].nunique() / len(frame)
    assert measured == pytest.approx(share, abs=0.01)


def test_some_people_arrive_many_times_across_channels(leads):
    per_entity = leads.groupby("entity_id")["channel"].agg(["size", "nunique"])
    assert per_entity["size"].max() >= 5
    assert (per_entity["nunique"] >= 3).sum() > 20


def test_updates_run_forward_in_lead_id_order(leads):
    stamps = pd.to_datetime(leads["updated_at"])
    assert stamps.is_monotonic_increasing
    assert stamps.min() >= pd.Timestamp("2023-01-01")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_records": 0}, "Cannot generate 0"),
     ({"n_records": 10, "duplicate_share": 1.0}, "duplicate share of 1.0"),
     ({"n_records": 10, "channels": ["传真"]}, "Unknown channel")],
)
def test_bad_arguments_raise_input_error(kwargs, message):
    with pytest.raises(InputError, match=message):
        generate_leads(**kwargs)


# --- the hard cases -----------------------------------------------------------------------------

def test_namesakes_are_different_people_at_different_companies(leads):
    plain = leads[leads["name"].map(plain_chinese_name)]
    people = plain.groupby("name")["entity_id"].nunique()
    assert (people >= 3).sum() >= 5, "common names should recur among different people"
    top = people.idxmax()
    companies = plain[(plain["name"] == top) & (plain["company"].str.len() > 6)]
    assert companies.groupby("company")["entity_id"].nunique().size >= 2


def test_namesakes_grow_with_size():
    def namesake_people(n):
        frame = generate_leads(n, seed=3)
        plain = frame[frame["name"].map(plain_chinese_name)]
        counts = plain.groupby("name")["entity_id"].nunique()
        return counts[counts > 1].sum()

    assert namesake_people(8000) > 2 * namesake_people(1000)


def test_colleagues_share_a_switchboard(leads):
    frame = leads.assign(digits=leads["phone"].map(digits_of))
    boards = frame[frame["digits"].str.match(r"^(0\d{9,11}|400\d{7}|800\d{7})$")]
    shared = boards.groupby("digits")["entity_id"].nunique()
    assert (shared >= 2).any()
    assert boards["phone"].str.match(r"^0\d{2,3}-8\d{7}$").any()  # '0755-8xxxxxxx'
    assert boards["phone"].str.startswith(("400", "800")).any()


def test_a_person_changes_phone_and_keeps_the_rest(leads):
    frame = leads.assign(digits=leads["phone"].map(digits_of))
    mobiles = frame[frame["digits"].map(is_mobile)]
    numbers = mobiles.groupby("entity_id")["digits"].nunique()
    changed = numbers[numbers == 2].index
    assert len(changed) >= 10
    in_order = 0
    for entity in changed:
        rows = mobiles[mobiles["entity_id"] == entity]
        first_number = rows["digits"].iloc[0]
        # Once the new number appears, the old one does not come back.
        switched = (rows["digits"] != first_number).cummax()
        in_order += bool((rows.loc[switched, "digits"] != first_number).all())
    assert in_order == len(changed)
    # The other contacts stay: a changed person keeps one e-mail or WeChat.
    keeps = leads[leads["entity_id"].isin(changed)]
    emails = keeps[keeps["email"] != ""].groupby("entity_id")["email"].agg(
        lambda s: s.str.strip().str.lower().nunique())
    assert (emails == 1).mean() > 0.7


def test_wechat_only_records_exist(leads):
    only = leads[(leads["wechat"] != "") & (leads[["phone", "email", "qq", "douyin",
                                                    "kuaishou"]] == "").all(axis=1)]
    assert len(only) > 0.02 * len(leads)
    # Every record still carries some contact.
    assert not (leads[CONTACTS] == "").all(axis=1).any()


def test_pinyin_email_user_names_are_shared_by_different_people(leads):
    mail = leads[leads["email"].str.contains("@") & (leads["email"] != "test@test.com")].copy()
    parts = mail["email"].str.strip().str.lower().str.split("@", n=1)
    mail["local"], mail["domain"] = parts.str[0], parts.str[1]
    mail = mail[~mail["local"].isin(SHARED_INBOXES) & mail["local"].str.match(r"^[a-z.]+$")]
    shared = mail.groupby("local")["entity_id"].nunique()
    assert (shared >= 2).sum() >= 3
    # The full address stays one person's (apart from shared inboxes).
    addresses = mail.assign(address=mail["local"] + "@" + mail["domain"])
    assert (addresses.groupby("address")["entity_id"].nunique() == 1).all()


def test_shared_company_inboxes(leads):
    local = leads["email"].str.strip().str.lower().str.split("@").str[0]
    inbox = leads[local.isin(SHARED_INBOXES)]
    per_address = inbox.groupby(inbox["email"].str.strip().str.lower())["entity_id"].nunique()
    assert (per_address >= 2).any()


def test_format_variants_of_one_person(leads):
    phones = leads["phone"]
    assert phones.str.match(r"^1\d{2} \d{4} \d{4}$").any()
    assert phones.str.startswith("+86-").any()
    assert phones.str.endswith(".0").any()
    assert phones.map(lambda p: any("０" <= ch <= "９" for ch in p)).any()
    assert leads["name"].str.endswith(("先生", "女士")).any()
    assert leads["name"].str.match(r"^[A-Z][a-z]+ [A-Z][a-z]+$").any()
    # One person's company appears in full and in short form.
    companies = leads[leads["company"].str.len() > 1].groupby("entity_id")["company"].agg(
        lambda s: (s.str.endswith("公司").any() and (~s.str.endswith("公司")).any()))
    assert companies.sum() >= 10
    # E-mail case variants: same address, different case.
    emails = leads[leads["email"] != ""].groupby("entity_id")["email"].agg(
        lambda s: s.str.strip().str.lower().nunique() < s.str.strip().nunique())
    assert emails.any()


def test_placeholders_invalid_and_abnormal_values(leads):
    assert (leads["phone"] == "13800138000").any()
    assert (leads["email"] == "test@test.com").any()
    assert leads["name"].isin(["无", "测试", "未知"]).any()
    assert (leads["age"] == "200").any()
    assert leads["amount"].str.startswith("-").any()
    digits = leads["phone"].map(digits_of)
    invalid = (digits != "") & ~digits.map(is_mobile) & ~digits.str.match(r"^(0|400|800)")
    assert 0.005 < invalid.mean() < 0.06


def test_id_numbers_carry_a_valid_check_digit(leads):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    ids = leads.loc[leads["id_number"] != "", "id_number"].str.upper()
    assert len(ids) > 50
    for number in ids:
        total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
        assert "10X98765432"[total % 11] == number[17]


# --- the person file ----------------------------------------------------------------------------

def test_people_file_has_damaged_duplicates():
    people = generate_people(4000, seed=4)
    assert list(people.columns) == list(PEOPLE_COLUMNS)
    assert 1 - people["entity_id"].nunique() / len(people) == pytest.approx(0.3, abs=0.01)
    pd.testing.assert_frame_equal(people, generate_people(4000, seed=4))
    groups = people.groupby("entity_id")
    assert (groups["given_name"].nunique() > 1).sum() > 20  # typos
    assert (groups["street_address"].nunique() > 1).sum() > 20
    swapped = people.merge(people, on="entity_id").query(
        "given_name_x == surname_y and surname_x == given_name_y and given_name_x != surname_x")
    assert len(swapped) > 0
    assert (people["id_number"] == "").any() and (people["postcode"] == "").any()
    # The first record of each person is whole; only repeats lose values.
    first = people.drop_duplicates("entity_id")
    assert (first[list(PEOPLE_COLUMNS)] != "").all().all()
    assert people["date_of_birth"].str.contains("/").any()


# --- the files channels send --------------------------------------------------------------------

@pytest.fixture(scope="module")
def written(tmp_path_factory, leads):
    out = tmp_path_factory.mktemp("channels")
    paths = write_channel_files(leads, out, seed=11)
    write_truth(leads, out / "truth.csv")
    return {p.name: p for p in paths}, out


def read_lead_ids(path):
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, header=1 if "trade_show" in path.name else 0, dtype=str,
                              engine="openpyxl")
    elif path.suffix == ".jsonl":
        frame = pd.read_json(path, lines=True, dtype=str)
    else:
        encoding = "gbk" if "douyin" in path.name else "utf-8-sig"
        frame = pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False)
    column = next(c for c in frame.columns if c.strip() in ("线索编号", "线索ID", "lead_id"))
    return frame[column].replace("", pd.NA).dropna()


def test_every_channel_file_keeps_its_lead_ids(written, leads):
    paths, out = written
    assert len(paths) == len(CHANNELS)
    ids = pd.concat([read_lead_ids(p) for p in paths.values()])
    assert ids.is_unique
    assert set(ids) == set(leads["lead_id"])
    truth = pd.read_csv(out / "truth.csv", dtype=str)
    assert list(truth.columns) == ["lead_id", "entity_id"]
    assert set(truth["lead_id"]) == set(ids)


def test_trade_show_workbook_has_title_merged_cells_numbers_and_serials(written):
    paths, _ = written
    sheet = openpyxl.load_workbook(paths["trade_show.xlsx"]).active
    title = sheet.cell(1, 1).value
    assert re.fullmatch(r"\d{4}年\d{1,2}月展会线索", title)
    assert any(str(r).startswith("A1:") for r in sheet.merged_cells.ranges)
    headers = [c.value for c in sheet[2]]
    assert headers[:5] == ["线索编号", "姓名", "手机号", "电话", "电子邮件"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    phones = [r[2] for r in rows if r[2] is not None]
    assert any(isinstance(p, int) and 13_000_000_000 <= p < 20_000_000_000 for p in phones)
    landlines = [r[3] for r in rows if r[3]]
    assert landlines and all(not str(v).startswith("1") for v in landlines)
    serials = [r[headers.index("登记时间")] for r in rows if r[0]]
    assert all(isinstance(v, float) and 44_000 < v < 47_000 for v in serials)
    assert any(all(v is None for v in r) for r in rows), "an empty row now and then"


def test_store_workbook_has_date_cells(written):
    paths, _ = written
    sheet = openpyxl.load_workbook(paths["store.xlsx"]).active
    headers = [c.value for c in sheet[1]]
    assert {"客户姓名", "联系电话", "微信", "详细地址", "更新时间"} <= set(headers)
    stamps = [r[headers.index("更新时间")] for r in sheet.iter_rows(min_row=2, values_only=True)
              if r[0]]
    assert all(hasattr(v, "year") for v in stamps)


def test_douyin_csv_is_really_gbk(written):
    paths, _ = written
    raw = paths["douyin_ads.csv"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert text.splitlines()[0].split(",") == [
        "线索ID", "联系人", "手机 ", "抖音号", "性别", "年龄", "省份", "城市", "留资时间"]
    assert "\r\n" in text
    assert re.search(r"\d{4}/\d{1,2}/\d{1,2} \d{2}:\d{2}", text)


def test_web_form_csv_has_a_bom_and_empty_rows(written):
    paths, _ = written
    raw = paths["web_form.csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("线索编号,姓名,手机号,邮箱,微信号")
    assert any(set(line) <= {","} for line in lines[1:])


def test_wechat_feed_is_json_lines_without_empty_keys(written):
    paths, _ = written
    records = [json.loads(line) for line in
               paths["wechat_mp.jsonl"].read_text(encoding="utf-8").splitlines()]
    assert all("lead_id" in r for r in records)
    assert all("" not in r.values() for r in records)
    assert all(r["update_time"].endswith("+08:00") for r in records)


# --- the bundled sample and the command -------------------------------------------------------

def test_bundled_sample_is_small_complete_and_current(tmp_path):
    files = sample_files()
    assert [channel for _, channel in files] == list(SAMPLE_CHANNELS)
    assert 4 <= len(files) <= 5
    total = sum(p.stat().st_size for p, _ in files) + sample_truth().stat().st_size
    assert total < 1_000_000
    ids = pd.concat([read_lead_ids(p) for p, _ in files])
    truth = pd.read_csv(sample_truth(), dtype=str)
    assert 2000 <= len(ids) <= 3000
    assert set(ids) == set(truth["lead_id"])
    # Regenerating gives the committed bytes: the sample is what the code makes.
    for path in write_sample(tmp_path):
        bundled = sample_truth().parent / path.name
        assert path.read_bytes() == bundled.read_bytes(), path.name


def test_generate_command_writes_files_and_truth(tmp_path):
    result = CliRunner().invoke(main, ["generate", "--rows", "400", "--seed", "9",
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = [line for line in result.output.splitlines() if line.startswith(str(tmp_path))]
    assert len(written) == len(CHANNELS) + 1
    truth = pd.read_csv(tmp_path / "out" / "truth.csv", dtype=str)
    assert len(truth) == 400
    assert truth.equals(generate_leads(400, seed=9)[["lead_id", "entity_id"]])


def test_generate_command_people(tmp_path):
    result = CliRunner().invoke(main, ["generate", "--rows", "300", "--out", str(tmp_path),
                                       "--people"])
    assert result.exit_code == 0, result.output
    people = pd.read_csv(tmp_path / "people.csv", dtype=str, keep_default_na=False)
    assert list(people.columns) == [c for c in PEOPLE_COLUMNS if c != "entity_id"]
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str)
    assert list(truth.columns) == ["rec_id", "entity_id"] and len(truth) == 300
