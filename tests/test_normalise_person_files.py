"""Person files as others write them (issue 11, point 5): FEBRL, RLdata and PatentsView
layouts and the common English headers map to the standard fields, with a name, an address and
a birth date built from their parts. Each layout is a small file written here and read back."""

import csv

import openpyxl
import pytest

from workbench.ingest.headers import map_headers, match_header
from workbench.ingest.importer import prepare_file
from workbench.ingest.read import read_file
from workbench.ingest.standardise import standardise_frame
from workbench.linkage.standalone import mapped_frame


def _csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _xlsx(path, rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _standardised(path, id_column):
    (sheet,) = read_file(path)
    return standardise_frame(mapped_frame(sheet.frame, id_column))


FEBRL = [
    ["rec_id", "given_name", "surname", "street_number", "address_1", "address_2", "suburb",
     "postcode", "state", "date_of_birth", "soc_sec_id"],
    ["rec-1-org", "mitchell", "green", "7", "wallaby place", "delmar", "wollongong", "2541",
     "nsw", "19560409", "1804974"],
    ["rec-2-org", "harley", "mccarthy", "177", "pridham street", "", "milton", "4525", "qld",
     "19080419", "6089216"],
]


@pytest.mark.parametrize("write", [_csv, _xlsx])
def test_febrl_layout(tmp_path, write):
    path = write(tmp_path / f"febrl.{'csv' if write is _csv else 'xlsx'}", FEBRL)
    fields = {m.header: m.field for m in map_headers(FEBRL[0][1:])}
    assert fields == {
        "given_name": "given_name", "surname": "surname", "street_number": "street_number",
        "address_1": "address_1", "address_2": "address_2", "suburb": "city",
        "postcode": "postcode", "state": "province", "date_of_birth": "birth_date",
        "soc_sec_id": "id_number",
    }
    std = _standardised(path, "rec_id")
    assert std["name"].tolist() == ["mitchell GREEN", "harley MCCARTHY"]
    assert std["name_family"].tolist() == ["green", "mccarthy"]
    # The address from its parts, in order: number, line 1, line 2.
    assert std["address"].tolist() == ["7 wallaby place delmar", "177 pridham street"]
    assert std["birth_date"].tolist() == ["1956-04-09", "1908-04-19"]
    # soc_sec_id is another country's ID: kept, compared exactly, not read for a birth date.
    assert std["id_number"].tolist() == ["1804974", "6089216"]


RLDATA = [
    ["id", "fname_c1", "fname_c2", "lname_c1", "lname_c2", "by", "bm", "bd"],
    ["r1", "CARSTEN", "", "MEIER", "", "1949", "7", "22"],
    ["r2", "KARL", "HEINZ", "MUELLER", "SCHMIDT", "1968", "12", "3"],
    ["r3", "GERD", "", "BAUER", "", "1968", "", "27"],
]


@pytest.mark.parametrize("write", [_csv, _xlsx])
def test_rldata_layout(tmp_path, write):
    path = write(tmp_path / f"rl.{'csv' if write is _csv else 'xlsx'}", RLDATA)
    std = _standardised(path, "id")
    # Given names title-cased, the surname's parts in capitals: name_family finds the surname.
    assert std["name"].tolist() == ["Carsten MEIER", "Karl Heinz MUELLER-SCHMIDT", "Gerd BAUER"]
    assert std["name_family"].tolist() == ["meier", "mueller-schmidt", "bauer"]
    assert std["name_pinyin"].tolist() == ["carsten meier", "karl heinz mueller schmidt",
                                           "gerd bauer"]
    # by/bm/bd make the birth date; a missing month leaves it invalid, its text kept.
    assert std["birth_date"].tolist() == ["1949-07-22", "1968-12-03", None]
    assert std["birth_date_raw"].tolist() == ["1949-07-22", "1968-12-03", "1968-?-27"]


def test_patentsview_layout(tmp_path):
    rows = [
        ["mention_id", "raw_inventor_name_first", "raw_inventor_name_last", "raw_city",
         "raw_state", "raw_country"],
        ["US1-0", "John", "Smith", "Beijing", "", "CN"],
        ["US2-1", "Wei", "Zhang", "Shenzhen", "", "CN"],
    ]
    std = _standardised(_csv(tmp_path / "pv.csv", rows), "mention_id")
    assert std["name"].tolist() == ["John SMITH", "Wei ZHANG"]
    assert std["name_family"].tolist() == ["smith", "zhang"]
    assert std["city"].tolist() == ["北京市", "深圳市"]


@pytest.mark.parametrize(("header", "field"), [
    ("first", "given_name"), ("given", "given_name"), ("given_name", "given_name"),
    ("forename", "given_name"), ("fname", "given_name"), ("First Name", "given_name"),
    ("surname", "surname"), ("last", "surname"), ("last_name", "surname"),
    ("family", "surname"), ("family_name", "surname"), ("lname", "surname"),
    ("street", "address_1"), ("street_number", "street_number"), ("address_1", "address_1"),
    ("address_2", "address_2"), ("suburb", "city"), ("town", "city"), ("locality", "city"),
    ("state", "province"), ("postcode", "postcode"), ("zip", "postcode"),
    ("zipcode", "postcode"), ("post_code", "postcode"), ("dob", "birth_date"),
    ("date_of_birth", "birth_date"), ("birth_date", "birth_date"), ("birthdate", "birth_date"),
    ("soc_sec_id", "id_number"), ("ssn", "id_number"),
    ("social_security_number", "id_number"), ("by", "birth_year"), ("bm", "birth_month"),
    ("bd", "birth_day"), ("fname_c2", "given_name_2"), ("lname_c2", "surname_2"),
])
def test_person_file_header(header, field):
    assert match_header(header).field == field


@pytest.mark.parametrize("header", ["created by", "updated_by", "first visit", "last order"])
def test_short_aliases_are_not_found_inside_other_headers(header):
    assert match_header(header).field not in {"birth_year", "given_name", "surname"}


def test_import_builds_name_address_and_birth_date(tmp_path):
    # The importer takes the same parts (here beside a phone, which an import needs).
    path = _xlsx(tmp_path / "展会.xlsx", [
        ["first_name", "last_name", "mobile", "street_number", "address_1", "address_2",
         "town", "birth_year", "birth_month", "birth_day", "address"],
        ["Wei", "Zhang", "13912346789", "88", "Jianguo Road", "Chaoyang", "Beijing", "1985",
         "3", "9", None],
        ["娜", "李", "13912346780", None, "南山区", "科技园", "深圳", None, None, None,
         "广东省深圳市福田区"],
        ["伟", "王", "13912346781", "1号", "南山区", "科技园", "深圳", None, None, None, None],
    ])
    records, _failures = prepare_file(path, channel="展会").check()
    assert records["name"].tolist() == ["Wei ZHANG", "李娜", "王伟"]
    # A row's own address wins over the parts; parts in Chinese join without spaces.
    assert records["address"].tolist() == [
        "88 Jianguo Road Chaoyang", "广东省深圳市福田区", "1号南山区科技园"]
    assert records["city"].tolist() == ["北京市", "深圳市", "深圳市"]
    assert records["birth_date"].tolist() == ["1985-03-09", None, None]
