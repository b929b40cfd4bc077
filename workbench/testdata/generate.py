"""Seeded synthetic Chinese lead data with ground truth, and the files channels send.

`generate_leads` builds a frame of raw-looking lead records in which one person (an entity)
arrives several times across channels, with the traps real lead pools hold: namesakes (张伟),
colleagues behind one switchboard number, changed phones, WeChat-only records, pinyin e-mail
user names shared by different people, placeholders and abnormal values. `write_channel_files`
writes that frame the way each channel really sends it (titles above headers, GBK CSV, numbers
stored as numbers), so that import, standardisation and linkage can be tested against the truth
(`lead_id` -> `entity_id`).

Everything is vectorised with numpy so that a million records take seconds, and everything is
drawn from one `numpy.random.Generator`, so a seed gives the same data on every machine.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import InputError
from workbench.sample import CHANNELS, SAMPLE_CHANNELS

log = logging.getLogger(__name__)


# Columns of the frame `generate_leads` returns, after lead_id, entity_id and channel.
LEAD_FIELDS: tuple[str, ...] = (
    "name", "phone", "email", "wechat", "qq", "douyin", "kuaishou", "company", "title",
    "province", "city", "address", "id_number", "birth_date", "gender", "age", "amount", "owner",
    "updated_at",
)
PEOPLE_COLUMNS: tuple[str, ...] = (
    "rec_id", "entity_id", "given_name", "surname", "street_address", "postcode",
    "date_of_birth", "id_number",
)
SAMPLE_SEED = 20240501
SAMPLE_ROWS = 2500


# --- reference tables -------------------------------------------------------------------------

# Surname, pinyin, share in percent (close to the 2020 census order).
_SURNAMES = [
    ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.4), ("刘", "liu", 5.4),
    ("陈", "chen", 4.6), ("杨", "yang", 3.1), ("黄", "huang", 2.6), ("赵", "zhao", 2.3),
    ("吴", "wu", 2.0), ("周", "zhou", 1.9), ("徐", "xu", 1.6), ("孙", "sun", 1.5),
    ("马", "ma", 1.4), ("朱", "zhu", 1.3), ("胡", "hu", 1.3), ("郭", "guo", 1.2),
    ("何", "he", 1.2), ("林", "lin", 1.1), ("高", "gao", 1.1), ("罗", "luo", 1.0),
    ("郑", "zheng", 1.0), ("梁", "liang", 0.9), ("谢", "xie", 0.8), ("宋", "song", 0.8),
    ("唐", "tang", 0.8), ("许", "xu", 0.7), ("韩", "han", 0.7), ("冯", "feng", 0.7),
    ("邓", "deng", 0.7), ("曹", "cao", 0.6), ("彭", "peng", 0.6), ("曾", "zeng", 0.6),
    ("肖", "xiao", 0.6), ("田", "tian", 0.5), ("董", "dong", 0.5), ("袁", "yuan", 0.5),
    ("潘", "pan", 0.5), ("于", "yu", 0.5), ("蒋", "jiang", 0.5), ("蔡", "cai", 0.5),
    ("余", "yu", 0.5), ("杜", "du", 0.4), ("叶", "ye", 0.4), ("程", "cheng", 0.4),
    ("苏", "su", 0.4), ("魏", "wei", 0.4), ("吕", "lv", 0.4), ("丁", "ding", 0.4),
    ("任", "ren", 0.3), ("沈", "shen", 0.3), ("姚", "yao", 0.3), ("卢", "lu", 0.3),
    ("姜", "jiang", 0.3), ("崔", "cui", 0.3), ("钟", "zhong", 0.3), ("谭", "tan", 0.3),
    ("陆", "lu", 0.3), ("汪", "wang", 0.3), ("范", "fan", 0.3), ("金", "jin", 0.3),
    ("石", "shi", 0.3), ("廖", "liao", 0.3), ("贾", "jia", 0.3), ("夏", "xia", 0.3),
    ("韦", "wei", 0.3), ("付", "fu", 0.3), ("方", "fang", 0.2), ("白", "bai", 0.2),
    ("邹", "zou", 0.2), ("孟", "meng", 0.2), ("熊", "xiong", 0.2), ("秦", "qin", 0.2),
    ("邱", "qiu", 0.2), ("江", "jiang", 0.2), ("尹", "yin", 0.2), ("薛", "xue", 0.2),
    ("段", "duan", 0.2), ("雷", "lei", 0.2), ("侯", "hou", 0.2), ("龙", "long", 0.2),
    ("欧阳", "ouyang", 0.05), ("上官", "shangguan", 0.02), ("司马", "sima", 0.02),
]
# The most common given names carry most of the weight, so 张伟, 王芳 and 李娜 recur.
_GIVEN_TOP = {
    "M": ["伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏",
          "浩", "建华", "建国", "志强", "海涛", "建军"],
    "F": ["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "桂英", "婷", "玉兰", "丹",
          "萍", "红", "玲", "燕", "雪", "琳", "颖"],
}
_GIVEN_FIRST = {"M": "子浩宇俊文志建国晓家天明永海博思", "F": "欣梓雨诗晓丽秀海佳思雅梦美慧春"}
_GIVEN_SECOND = {"M": "轩然杰博强明华军东涛辉鹏宇阳峰龙", "F": "怡涵琪瑶燕娟兰梅婷雪萱静颖欣妍"}

# Province, city, phone area code, ID-card region code, postcode, districts; weight.
_CITIES = [
    ("北京", "北京", "010", "110105", "100020", "朝阳区|海淀区|东城区|丰台区", 8),
    ("上海", "上海", "021", "310115", "200120", "浦东新区|徐汇区|静安区|闵行区", 8),
    ("广东", "广州", "020", "440106", "510630", "天河区|越秀区|海珠区|番禺区", 6),
    ("广东", "深圳", "0755", "440305", "518057", "南山区|福田区|宝安区|龙岗区", 7),
    ("广东", "东莞", "0769", "441900", "523000", "南城街道|东城街道|长安镇", 2),
    ("广东", "佛山", "0757", "440604", "528000", "禅城区|南海区|顺德区", 2),
    ("浙江", "杭州", "0571", "330106", "310012", "西湖区|滨江区|余杭区|拱墅区", 5),
    ("浙江", "宁波", "0574", "330212", "315100", "鄞州区|海曙区|江北区", 2),
    ("江苏", "南京", "025", "320106", "210008", "鼓楼区|玄武区|建邺区|江宁区", 3),
    ("江苏", "苏州", "0512", "320508", "215000", "姑苏区|工业园区|吴中区", 3),
    ("江苏", "无锡", "0510", "320213", "214000", "梁溪区|滨湖区|新吴区", 1),
    ("四川", "成都", "028", "510107", "610041", "武侯区|锦江区|高新区|青羊区", 4),
    ("湖北", "武汉", "027", "420106", "430071", "武昌区|洪山区|江汉区|江岸区", 3),
    ("陕西", "西安", "029", "610113", "710061", "雁塔区|碑林区|未央区", 2),
    ("重庆", "重庆", "023", "500103", "400010", "渝中区|江北区|渝北区|南岸区", 3),
    ("天津", "天津", "022", "120103", "300040", "河西区|南开区|和平区", 2),
    ("山东", "济南", "0531", "370102", "250000", "历下区|市中区|槐荫区", 1),
    ("山东", "青岛", "0532", "370202", "266000", "市南区|崂山区|黄岛区", 2),
    ("福建", "厦门", "0592", "350203", "361000", "思明区|湖里区|集美区", 1),
    ("福建", "福州", "0591", "350102", "350001", "鼓楼区|台江区|仓山区", 1),
    ("湖南", "长沙", "0731", "430104", "410006", "岳麓区|芙蓉区|天心区", 2),
    ("河南", "郑州", "0371", "410105", "450000", "金水区|中原区|二七区", 2),
    ("安徽", "合肥", "0551", "340104", "230001", "蜀山区|包河区|庐阳区", 1),
    ("辽宁", "沈阳", "024", "210102", "110001", "和平区|沈河区|浑南区", 1),
    ("辽宁", "大连", "0411", "210202", "116001", "中山区|西岗区|甘井子区", 1),
    ("云南", "昆明", "0871", "530102", "650000", "五华区|盘龙区|官渡区", 1),
]
_MUNICIPALITIES = {"北京", "上海", "重庆", "天津"}
_ROADS = ["人民路", "中山路", "解放路", "建设路", "和平路", "新华路", "科技园路", "创业路",
          "文化路", "长江路", "黄河路", "青年路", "胜利路", "滨江大道", "世纪大道", "工业大道"]
_COMPANY_CHARS = "华信达通盛恒泰创新远博宏安瑞丰鼎嘉联云智天海中金鑫润德誉启明辉腾飞星光源易众汇"
_INDUSTRIES = ["科技", "信息技术", "网络科技", "电子", "贸易", "商贸", "实业", "医疗器械",
               "教育咨询", "文化传媒", "建筑工程", "物流", "食品", "生物科技", "新能源",
               "机械设备", "软件", "广告", "餐饮管理", "投资咨询"]
_SUFFIXES = (["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"], [0.7, 0.15, 0.1, 0.05])
_TITLES = (["经理", "总经理", "销售经理", "采购经理", "市场总监", "技术总监", "工程师", "行政主管",
            "人事经理", "财务经理", "市场专员", "销售代表", "项目经理", "总监", "董事长",
            "CEO", "采购", "助理", "店长", "运营主管"])
_SALES = ["李强", "王磊", "陈静", "张敏", "刘洋", "杨帆", "赵磊", "黄蕾", "周杰", "吴迪",
          "徐静", "孙丽"]
_FREE_DOMAINS = (["qq.com", "163.com", "126.com", "sina.com", "gmail.com", "139.com",
                  "foxmail.com", "hotmail.com"], [0.34, 0.26, 0.12, 0.06, 0.08, 0.05, 0.05, 0.04])
_MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
     166, 173, 177, 180, 181, 182, 185, 186, 187, 188, 189, 191, 198, 199], dtype=np.int64)
_SHARED_INBOXES = ["info", "hr", "sales", "service", "admin", "contact"]
_PLACEHOLDER_NAMES = ["无", "测试", "test", "未知", "-"]
# Homophones and look-alikes a typist swaps in (for the person file's typos).
_TYPO_CHARS = {"伟": "玮", "芳": "方", "娜": "那", "敏": "民", "静": "净", "丽": "莉", "强": "墙",
               "磊": "垒", "军": "君", "杰": "洁", "涛": "滔", "明": "铭", "华": "化", "建": "健",
               "英": "瑛", "婷": "亭", "红": "虹", "玲": "铃", "燕": "艳", "雪": "血", "辉": "晖",
               "王": "汪", "张": "章", "陈": "程", "刘": "柳", "李": "黎", "杨": "扬", "黄": "王",
               "林": "材", "周": "州", "吴": "伍", "徐": "许", "孙": "荪"}


# --- small vectorised helpers -----------------------------------------------------------------

def _pick(rng: np.random.Generator, values, n: int, p=None) -> np.ndarray:
    """Draws n values (an object array) from a list, optionally with weights."""
    arr = np.empty(len(values), dtype=object)
    arr[:] = list(values)
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return arr[rng.choice(len(arr), size=n, p=p)]


def _decode(matrix: np.ndarray) -> np.ndarray:
    """Rows of a uint8 matrix of UTF-8 bytes as an object array of str."""
    width = matrix.shape[1]
    rows = np.ascontiguousarray(matrix).view(f"S{width}").ravel().tolist()
    out = np.empty(len(rows), dtype=object)
    out[:] = [b.decode() for b in rows]
    return out


def _fixed(numbers, width: int) -> np.ndarray:
    """Zero-padded decimal digits of integers as a uint8 matrix (n, width)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((np.asarray(numbers, dtype=np.int64)[:, None] // powers) % 10 + 48).astype(np.uint8)


def _join(*parts) -> np.ndarray:
    """Joins digit matrices and literal separators column-wise into strings.

    Building bytes in numpy and decoding once is many times faster than formatting a
    million timestamps or phone numbers one by one.
    """
    n = next(len(p) for p in parts if not isinstance(p, str))
    cols = []
    for part in parts:
        if isinstance(part, str):
            raw = np.frombuffer(part.encode(), dtype=np.uint8)
            cols.append(np.broadcast_to(raw, (n, len(raw))))
        else:
            cols.append(part)
    return _decode(np.concatenate(cols, axis=1))


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """n strings of `width` random digits."""
    return _decode(rng.integers(48, 58, size=(n, width)).astype(np.uint8))


def _letters(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """n strings of `width` random lower-case letters and digits."""
    table = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)
    return _decode(table[rng.integers(0, len(table), size=(n, width))])


def _str(values) -> np.ndarray:
    """An object array of str from integers (without numpy's slow astype)."""
    values = np.asarray(values, dtype=np.int64)
    low, high = (int(values.min()), int(values.max())) if len(values) else (0, 0)
    if high - low < 100_000:
        # Small ranges (ages, house numbers): look the text up instead of formatting each.
        table = np.array([str(i) for i in range(low, high + 1)], dtype=object)
        return table[values - low]
    out = np.empty(len(values), dtype=object)
    out[:] = list(map(str, values.tolist()))
    return out


def _date_parts(stamps: np.ndarray) -> tuple[np.ndarray, ...]:
    """Year, month, day, hour, minute, second of datetime64 values."""
    stamps = stamps.astype("datetime64[s]")
    days = stamps.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    secs = (stamps - days).astype(np.int64)
    return (days.astype("datetime64[Y]").astype(np.int64) + 1970,
            months.astype(np.int64) % 12 + 1, (days - months).astype(np.int64) + 1,
            secs // 3600, secs // 60 % 60, secs % 60)


def _format_stamps(stamps: np.ndarray) -> np.ndarray:
    """'YYYY-MM-DD HH:MM:SS' strings of datetime64 values."""
    y, mo, d, h, mi, s = _date_parts(stamps)
    return _join(_fixed(y, 4), "-", _fixed(mo, 2), "-", _fixed(d, 2), " ", _fixed(h, 2), ":",
                 _fixed(mi, 2), ":", _fixed(s, 2))


def _apply(values: np.ndarray, mask: np.ndarray, func) -> None:
    """Applies `func` to the masked values in place; only the chosen few pay the Python call."""
    idx = np.flatnonzero(mask)
    if len(idx):
        values[idx] = [func(v) for v in values[idx]]


def _make_unique(values: np.ndarray, owners: np.ndarray, keep: np.ndarray | None = None) -> None:
    """Appends the owner's number to values that another owner already holds (in place).

    Real addresses and account IDs belong to one person; `keep` marks values that are shared
    on purpose (a shared inbox) and stay as they are.
    """
    keep = np.zeros(len(values), dtype=bool) if keep is None else keep
    while True:
        clash = pd.Series(values, dtype=object).duplicated().to_numpy() & ~keep & (values != "")
        idx = np.flatnonzero(clash)
        if not len(idx):
            return
        values[idx] = [f"{v.split('@')[0]}{o % 1000}" + (f"@{v.split('@')[1]}" if "@" in v else "")
                       for v, o in zip(values[idx], owners[idx], strict=True)]


_FULL_WIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


@cache
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text))


def _given_names() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every given name with its gender, pinyin and weight (top names weigh far more)."""
    names, genders, weights = [], [], []
    for g in ("M", "F"):
        for rank, name in enumerate(_GIVEN_TOP[g]):
            names.append(name)
            genders.append(g)
            weights.append(6.0 / (rank + 1) ** 0.8)
        for a in _GIVEN_FIRST[g]:
            for b in _GIVEN_SECOND[g]:
                if a != b and a + b not in names:
                    names.append(a + b)
                    genders.append(g)
                    weights.append(0.05)
    pinyins = [_pinyin(n) for n in names]
    w = np.array(weights)
    return (np.array(names, dtype=object), np.array(genders, dtype=object),
            np.array(pinyins, dtype=object), w / w.sum())


# --- leads ------------------------------------------------------------------------------------

def _companies(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """n companies with full and short names, city, domain, switchboard and hotline."""
    chars = list(_COMPANY_CHARS)
    a = rng.integers(0, len(chars), size=n)
    b = (a + rng.integers(1, len(chars), size=n)) % len(chars)
    core = np.array([chars[i] + chars[j] for i, j in zip(a, b, strict=True)], dtype=object)
    core_py = np.array([_pinyin(chars[i]) + _pinyin(chars[j]) for i, j in zip(a, b, strict=True)],
                       dtype=object)
    industry = _pick(rng, _INDUSTRIES, n)
    city_idx = rng.choice(len(_CITIES), size=n, p=_city_weights())
    city = np.array([_CITIES[i][1] for i in city_idx], dtype=object)
    suffix = _pick(rng, _SUFFIXES[0], n, _SUFFIXES[1])
    full = city + "市" + core + industry + suffix
    area = np.array([_CITIES[i][2] for i in city_idx], dtype=object)
    # Switchboards are 8-digit landlines starting 8 ('0755-8xxxxxxx'); a few firms give a
    # 400/800 hotline instead.
    switchboard = area + "-8" + _digits(rng, n, 7)
    hotline = np.where(rng.random(n) < 0.15,
                       _pick(rng, ["400-", "800-"], n, [0.8, 0.2]) + _digits(rng, n, 3) + "-"
                       + _digits(rng, n, 4), "")
    domain = core_py + _pick(rng, ["", "tech", "group", "-cn"], n) + _pick(
        rng, [".com", ".com.cn", ".cn", ".net"], n, [0.55, 0.25, 0.15, 0.05])
    # Each firm has one shared inbox (info@, hr@ ...) that colleagues leave as their e-mail.
    inbox = _pick(rng, _SHARED_INBOXES, n)
    return {"full": full, "core": core, "short": core + industry, "city_idx": city_idx,
            "switchboard": switchboard, "hotline": hotline, "domain": domain, "inbox": inbox}


@cache
def _city_weights() -> np.ndarray:
    w = np.array([c[6] for c in _CITIES], dtype=float)
    return w / w.sum()


def _id_numbers(region: np.ndarray, birth: np.ndarray, male: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
    """18-digit resident ID numbers with a correct check digit (GB 11643)."""
    n = len(region)
    seq = rng.integers(0, 500, size=n) * 2 + male.astype(int)  # odd sequence numbers are men
    y, m, d = _date_parts(birth)[:3]
    body = region + _join(_fixed(y, 4), _fixed(m, 2), _fixed(d, 2), _fixed(seq, 3))
    digits = np.frombuffer("".join(body).encode(), dtype=np.uint8).reshape(n, 17) - 48
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.array(list("10X98765432"), dtype=object)[(digits @ weights) % 11]
    return body + check


def _entities(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The true people: one row per entity with every attribute they could give."""
    given, given_gender, given_py, given_w = _given_names()
    sur_idx = rng.choice(len(_SURNAMES), size=n, p=_surname_weights())
    surname = np.array([s[0] for s in _SURNAMES], dtype=object)[sur_idx]
    sur_py = np.array([s[1] for s in _SURNAMES], dtype=object)[sur_idx]
    g_idx = rng.choice(len(given), size=n, p=given_w)
    g_name, gender, g_py = given[g_idx], given_gender[g_idx], given_py[g_idx]

    # Companies: colleagues cluster because a few firms send many leads.
    n_comp = max(20, n // 6)
    comp = _companies(rng, n_comp)
    comp_w = 1.0 / np.arange(1, n_comp + 1) ** 0.7
    c_idx = rng.choice(n_comp, size=n, p=comp_w / comp_w.sum())
    # A person's city is mostly the company's.
    city_idx = np.where(rng.random(n) < 0.85, comp["city_idx"][c_idx],
                        rng.choice(len(_CITIES), size=n, p=_city_weights()))

    mobile = _unique_mobiles(rng, n)
    new_mobile = _unique_mobiles(rng, n, avoid=mobile)

    # E-mail: pinyin user names at free domains (the namesake trap), QQ numbers, company mail.
    qq = _str(rng.integers(10_000, 3_000_000_000, size=n))
    style = rng.choice(6, size=n, p=[0.22, 0.16, 0.10, 0.14, 0.14, 0.24])
    two = _digits(rng, n, 2)
    year = _str(rng.integers(1970, 2001, size=n))
    initials = np.array([s[0] for s in sur_py], dtype=object) + np.array(
        [g[0] for g in g_py], dtype=object)
    local = np.select(
        [style == 0, style == 1, style == 2, style == 3, style == 4],
        [sur_py + g_py, g_py + "." + sur_py, sur_py + "." + g_py, sur_py + g_py + two,
         initials + year], default=qq)
    free = _pick(rng, _FREE_DOMAINS[0], n, _FREE_DOMAINS[1])
    work = rng.random(n) < 0.25
    domain = np.where(style == 5, "qq.com", np.where(work, comp["domain"][c_idx], free))
    email = local + "@" + domain
    shared = rng.random(n) < 0.04
    email = np.where(shared, comp["inbox"][c_idx] + "@" + comp["domain"][c_idx], email)
    owners = np.arange(n)
    _make_unique(email, owners, keep=shared)

    wx_style = rng.choice(4, size=n, p=[0.3, 0.35, 0.2, 0.15])
    wechat = np.select(
        [wx_style == 0, wx_style == 1, wx_style == 2],
        ["wxid_" + _letters(rng, n, 10), sur_py + g_py + _pick(rng, ["", "_", "-"], n) + two,
         _str(mobile)], default=initials + _letters(rng, n, 6))
    _make_unique(wechat, owners)

    born = np.datetime64("1960-01-01") + rng.integers(0, 365 * 42, size=n).astype("timedelta64[D]")
    region = np.array([c[3] for c in _CITIES], dtype=object)[city_idx]
    id_number = _id_numbers(region, born, gender == "M", rng)
    roads = _pick(rng, _ROADS, n)
    # 12 slots per city cycling through its districts: one draw picks a district anywhere.
    slots = np.array([[c[5].split("|")[k % len(c[5].split("|"))] for k in range(12)]
                      for c in _CITIES], dtype=object)
    district = slots[city_idx, rng.integers(0, 12, size=n)]
    building = np.select(
        [rng.random(n) < 0.4, rng.random(n) < 0.5],
        [_str(rng.integers(1, 30, size=n)) + "栋" + _str(rng.integers(101, 2800, size=n)) + "室",
         _pick(rng, ["国际", "金融", "科技", "商务"], n) + "大厦" + _str(rng.integers(2, 40, size=n))
         + "楼"], default="")
    address = district + roads + _str(rng.integers(1, 999, size=n)) + "号" + building
    return {
        "surname": surname, "sur_py": sur_py, "given": g_name, "given_py": g_py, "gender": gender,
        "company_idx": c_idx, "company": comp["full"][c_idx],
        "company_core": comp["core"][c_idx], "company_short": comp["short"][c_idx],
        "switchboard": comp["switchboard"][c_idx], "hotline": comp["hotline"][c_idx],
        "city_idx": city_idx, "mobile": _str(mobile), "new_mobile": _str(new_mobile),
        "email": email, "has_email": rng.random(n) < 0.7, "wechat": wechat,
        "has_wechat": rng.random(n) < 0.6, "qq": qq, "has_qq": rng.random(n) < 0.3,
        "douyin": "dy" + _letters(rng, n, 8), "has_douyin": rng.random(n) < 0.5,
        "kuaishou": "ks" + _digits(rng, n, 9), "has_kuaishou": rng.random(n) < 0.3,
        "title": _pick(rng, _TITLES, n), "address": address, "born": born,
        "id_number": id_number, "owner": _pick(rng, _SALES, n),
        "amount": np.round(rng.lognormal(9.5, 1.0, size=n), -2),
        # Some people give only the company switchboard; some change phones later.
        "postcode_tail": rng.integers(0, 100, size=n),
        "switchboard_only": rng.random(n) < 0.08, "changes_phone": rng.random(n) < 0.12,
    }


@cache
def _surname_weights() -> np.ndarray:
    w = np.array([s[2] for s in _SURNAMES])
    return w / w.sum()


def _unique_mobiles(rng: np.random.Generator, n: int, avoid: np.ndarray | None = None) -> np.ndarray:
    """n distinct mobile numbers (int64), none equal to the placeholder or to `avoid`."""
    numbers = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), size=n)] * 10**8 + \
        rng.integers(0, 10**8, size=n)
    taken = set() if avoid is None else set(avoid.tolist())
    taken.add(13800138000)
    while True:
        bad = pd.Series(numbers).duplicated().to_numpy() | np.isin(numbers, np.array(sorted(taken)))
        if not bad.any():
            return numbers
        numbers[bad] = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), size=bad.sum())] \
            * 10**8 + rng.integers(0, 10**8, size=bad.sum())


def generate_leads(
    n_records: int,
    seed: int = 0,
    *,
    duplicate_share: float = 0.35,
    channels: list[str] | None = None,
    start: str = "2023-01-01",
    end: str = "2024-12-31",
) -> pd.DataFrame:
    """Generates raw-looking lead records of known people, with ground truth.

    Args:
        n_records: How many records (rows) to make.
        seed: The random seed; the same seed gives the same frame.
        duplicate_share: The share of records that repeat a person already seen
            (1 - entities / records).
        channels: Names from `CHANNELS` the leads arrive through; all of them by default.
        start: The earliest update time.
        end: The latest first-arrival time (later records of a person may run past it).

    Returns:
        One row per record: `lead_id` ('L0000001', in order of update time), `entity_id` (the
        true person), `channel`, and the fields of `LEAD_FIELDS` as strings ('' when absent).

    Example:
        >>> leads = generate_leads(1000, seed=7)
        >>> leads["entity_id"].nunique()
        650
    """
    if n_records < 1 or not 0 <= duplicate_share < 1:
        raise InputError(
            f"Cannot generate {n_records} records with a duplicate share of {duplicate_share}.",
            fix="Give at least one record and a duplicate share from 0 up to (not including) 1.")
    names = list(CHANNELS) if channels is None else list(channels)
    unknown = [c for c in names if c not in CHANNELS]
    if unknown:
        raise InputError(f"Unknown channel(s): {', '.join(unknown)}.",
                         fix=f"Choose from: {', '.join(CHANNELS)}.")
    rng = np.random.default_rng(seed)
    n = n_records
    n_ent = max(1, min(n, round(n * (1 - duplicate_share))))
    ent = _entities(rng, n_ent)

    # Every person arrives once; the repeats go to a skewed few, so some come five times.
    activity = rng.gamma(0.6, size=n_ent)
    e = np.concatenate([np.arange(n_ent), rng.choice(n_ent, size=n - n_ent,
                                                     p=activity / activity.sum())])
    order = np.lexsort((rng.random(n), e))
    e = e[order]
    rank = pd.Series(e).groupby(e).cumcount().to_numpy()
    count = np.bincount(e, minlength=n_ent)[e]

    # Later records of a person are later in time: gaps of about a month after a first arrival.
    t_start, t_end = np.datetime64(start, "s").astype(np.int64), np.datetime64(end, "s").astype(
        np.int64)
    t0 = t_start + rng.random(n_ent) * (t_end - t_start - 90 * 86_400)
    gaps = np.where(rank == 0, 0.0, rng.exponential(30 * 86_400, size=n))
    offset = pd.Series(gaps).groupby(e).cumsum().to_numpy()
    when = (t0[e] + offset).astype(np.int64).astype("datetime64[s]")
    # From here on records are in order of arrival, as lead ids count them.
    order = np.argsort(when, kind="stable")
    e, rank, count, when = e[order], rank[order], count[order], when[order]

    cw = np.array([CHANNELS[c].weight for c in names])
    channel = np.array(names, dtype=object)[rng.choice(len(names), size=n, p=cw / cw.sum())]

    def col(name: str) -> np.ndarray:
        return ent[name][e]

    u = rng.random  # one draw per decision keeps the variants independent
    f: dict[str, np.ndarray] = {}
    f["name"] = _names(rng, col("surname"), col("given"), col("sur_py"), col("given_py"),
                       col("gender"))

    # Phones: the person's mobile, after a change the new one; the switchboard for some.
    # One change point per person (not per record), so the old number never comes back.
    per_entity = np.bincount(e, minlength=n_ent)
    changed_at = (1 + rng.random(n_ent) * np.maximum(per_entity - 1, 1)).astype(np.int64)[e]
    new = col("changes_phone") & (count > 1) & (rank >= changed_at)
    mobile = np.where(new, col("new_mobile"), col("mobile"))
    hotline = col("hotline")
    board = np.where(hotline != "", hotline, col("switchboard"))
    phone = _phone_formats(rng, mobile, board, col("switchboard_only"))
    draw = u(n)
    phone[draw < 0.005] = "13800138000"
    _apply(phone, (draw >= 0.005) & (draw < 0.025), _break_phone)
    phone[u(n) < 0.05] = ""
    f["phone"] = phone

    email = col("email").copy()
    draw = u(n)
    _apply(email, draw < 0.04, str.upper)
    _apply(email, (draw >= 0.04) & (draw < 0.08), str.capitalize)
    _apply(email, (draw >= 0.08) & (draw < 0.09), _break_email)
    _apply(email, (draw >= 0.09) & (draw < 0.11), lambda v: v + " ")
    email[u(n) < 0.005] = "test@test.com"
    f["email"] = np.where(col("has_email") & (u(n) > 0.15), email, "")

    f["wechat"] = np.where(col("has_wechat") & (u(n) > 0.15), col("wechat"), "")
    f["qq"] = np.where(col("has_qq") & (u(n) > 0.2), col("qq"), "")
    f["douyin"] = np.where(col("has_douyin"), col("douyin"), "")
    f["kuaishou"] = np.where(col("has_kuaishou"), col("kuaishou"), "")

    draw = u(n)
    company = np.select([draw < 0.55, draw < 0.80, draw < 0.88, draw < 0.885],
                        [col("company"), col("company_core"), col("company_short"), "无"],
                        default="")
    _apply(company, u(n) < 0.02, lambda v: v + " ")
    f["company"] = company
    f["title"] = np.where(u(n) < 0.7, col("title"), "")

    city_idx = col("city_idx")
    prov = np.array([c[0] for c in _CITIES], dtype=object)[city_idx]
    city = np.array([c[1] for c in _CITIES], dtype=object)[city_idx]
    muni = np.isin(prov, list(_MUNICIPALITIES))
    prov_full = np.where(muni, prov + "市", prov + "省")
    province = np.where(u(n) < 0.5, prov_full, prov)
    f["province"] = np.where(u(n) < 0.15, "", province)
    city_full = city + "市"
    city = np.where(u(n) < 0.5, city_full, city)
    f["city"] = np.where(u(n) < 0.1, "", city)
    # Half the addresses start with province and city, half with the district only.
    prefix = np.where(muni, prov_full, prov_full + city_full)
    address = np.where(u(n) < 0.5, prefix + col("address"), col("address"))
    f["address"] = np.where(u(n) < 0.55, address, "")

    id_number = col("id_number").copy()
    _apply(id_number, u(n) < 0.1, str.lower)
    f["id_number"] = np.where(u(n) < 0.3, id_number, "")
    f["birth_date"] = np.where(u(n) < 0.4, _birth_formats(rng, col("born")), "")
    draw = u(n)
    male = col("gender") == "M"
    gender = np.select([draw < 0.7, draw < 0.85], [np.where(male, "男", "女"),
                                                  np.where(male, "M", "F")],
                       default=np.where(male, "先生", "女士"))
    f["gender"] = np.where(u(n) < 0.6, gender, "")
    years = when.astype("datetime64[Y]").astype(np.int64) - col("born").astype(
        "datetime64[Y]").astype(np.int64)
    draw = u(n)
    years = np.select([draw < 0.01, draw < 0.015], [200, -3], default=years)
    f["age"] = np.where(u(n) < 0.5, _str(years), "")
    amt = col("amount").astype(np.int64) * np.where(u(n) < 0.01, -1, 1)
    draw = u(n)
    text = _str(amt)
    amount = np.select([draw < 0.6, draw < 0.85], [text, text + ".00"],
                       default=np.where(amt < 0, "-¥", "¥") + _str(np.abs(amt)))
    f["amount"] = np.where(u(n) < 0.5, amount, "")
    f["owner"] = np.where(u(n) < 0.8, col("owner"), "")

    # A channel sends only the fields it collects.
    for cname in names:
        rows = channel == cname
        for field in LEAD_FIELDS:
            if field != "updated_at" and field not in CHANNELS[cname].fields:
                f[field][rows] = ""
    # WeChat-only records: the person left nothing but a WeChat ID.
    wechat_channels = [c for c in names if "wechat" in CHANNELS[c].fields]
    only = np.isin(channel, wechat_channels) & (u(n) < 0.06)
    for field in ("phone", "email", "qq", "douyin", "kuaishou"):
        f[field][only] = ""
    f["wechat"][only] = col("wechat")[only]
    # Nobody sends a lead without any contact: fall back to the mobile the person gave.
    none = np.ones(n, dtype=bool)
    for field in ("phone", "email", "wechat", "qq", "douyin", "kuaishou"):
        none &= f[field] == ""
    f["phone"][none] = mobile[none]

    f["updated_at"] = _format_stamps(when)
    frame = pd.DataFrame({
        "lead_id": _join("L", _fixed(np.arange(1, n + 1), 7)),
        "entity_id": _join("E", _fixed(e + 1, 7)),
        "channel": channel,
        **{field: f[field] for field in LEAD_FIELDS},
    })
    log.info("Generated %d lead records of %d people (seed %d)", n, n_ent, seed)
    return frame


def _names(rng, surname, given, sur_py, given_py, gender) -> np.ndarray:
    """Names as people type them: plain, with an honorific, in pinyin, spaced, or missing."""
    n = len(surname)
    kind = rng.choice(9, size=n, p=[0.80, 0.05, 0.04, 0.02, 0.02, 0.02, 0.02, 0.005, 0.025])
    name = surname + given
    variants = {
        1: lambda i: surname[i] + np.where(gender[i] == "M", "先生", "女士"),
        2: lambda i: _capital(sur_py[i]) + " " + _capital(given_py[i]),  # Wang Fang
        3: lambda i: _capital(given_py[i]) + " " + _capital(sur_py[i]),  # Fang Wang
        4: lambda i: surname[i] + " " + given[i],
        5: lambda i: name[i] + " ",
        6: lambda i: np.full(len(i), "", dtype=object),
        7: lambda i: _pick(rng, _PLACEHOLDER_NAMES, len(i)),
    }
    for k, variant in variants.items():
        idx = np.flatnonzero(kind == k)
        if len(idx):
            name[idx] = variant(idx)
    return name


def _capital(values: np.ndarray) -> np.ndarray:
    return np.array([v.capitalize() for v in values], dtype=object)


def _phone_formats(rng: np.random.Generator, mobile: np.ndarray, board: np.ndarray,
                   use_board: np.ndarray) -> np.ndarray:
    """Writes mobiles and landlines in the many ways people and systems do.

    Args:
        rng: The generator.
        mobile: Mobile numbers as 11-digit strings.
        board: Switchboard or hotline numbers ('0755-81234567', '400-123-4567').
        use_board: Where the board number is given instead of the mobile.
    """
    n = len(mobile)
    digits = np.frombuffer("".join(mobile).encode(), dtype=np.uint8).reshape(n, 11)
    a, b, c = digits[:, :3], digits[:, 3:7], digits[:, 7:]
    kind = rng.choice(8, size=n, p=[0.55, 0.10, 0.08, 0.07, 0.05, 0.05, 0.03, 0.07])
    out = mobile.copy()
    formats = {
        1: lambda i: _join(a[i], " ", b[i], " ", c[i]),
        2: lambda i: _join(a[i], "-", b[i], "-", c[i]),
        3: lambda i: _join("+86-", digits[i]),
        4: lambda i: _join("+86 ", a[i], " ", b[i], " ", c[i]),
        5: lambda i: _join(digits[i], ".0"),  # a number column that went through a float
        6: lambda i: np.array([v.translate(_FULL_WIDTH) for v in mobile[i]], dtype=object),
        7: lambda i: _join("86", digits[i]),
    }
    for k, fmt in formats.items():
        idx = np.flatnonzero((kind == k) & ~use_board)
        if len(idx):
            out[idx] = fmt(idx)
    idx = np.flatnonzero(use_board)
    out[idx] = [_board_format(v, k) for v, k in zip(board[idx], kind[idx], strict=True)]
    return out


def _board_format(number: str, kind: int) -> str:
    """A landline or hotline as typed: '0755-81234567', '0755 81234567', '(0755)81234567'."""
    if kind == 1:
        return number.replace("-", " ")
    if kind == 2:
        return number.replace("-", "")
    if kind == 3 and not number.startswith(("400", "800")):
        area, rest = number.split("-", 1)
        return f"({area}){rest}"
    return number


def _birth_formats(rng: np.random.Generator, born: np.ndarray) -> np.ndarray:
    """Birth dates as '1985-03-12', '1985/03/12', '19850312' or '1985年03月12日'."""
    y, m, d = (_fixed(v, w) for v, w in zip(_date_parts(born)[:3], (4, 2, 2), strict=True))
    kind = rng.choice(4, size=len(born))
    out = np.empty(len(born), dtype=object)
    for k, (s1, s2, s3) in enumerate((("-", "-", ""), ("/", "/", ""), ("", "", ""),
                                      ("年", "月", "日"))):
        idx = np.flatnonzero(kind == k)
        if len(idx):
            out[idx] = _join(y[idx], s1, m[idx], s2, d[idx], s3)
    return out


def _break_phone(value: str) -> str:
    """A mistyped phone: a digit lost or doubled, or a prefix no carrier uses."""
    digits = "".join(ch for ch in value if ch.isdigit()) or "1380013800"
    k = sum(map(ord, value)) % 3
    if k == 0:
        return digits[:-1]
    if k == 1:
        return digits + digits[-1]
    return "12" + digits[2:]


def _break_email(value: str) -> str:
    """A mistyped e-mail: the @ lost, doubled, or a Chinese full stop."""
    k = len(value) % 3
    if k == 0:
        return value.replace("@", "", 1)
    if k == 1:
        return value.replace("@", "@@", 1)
    return value.replace(".", "。", 1)


# --- a generic person file -------------------------------------------------------------------

def generate_people(n_records: int, seed: int = 0, *, duplicate_share: float = 0.3) -> pd.DataFrame:
    """Generates a person file (not leads) with typos, swaps and gaps in its duplicates.

    Args:
        n_records: How many records to make.
        seed: The random seed; the same seed gives the same frame.
        duplicate_share: The share of records that repeat a person already seen.

    Returns:
        Columns of `PEOPLE_COLUMNS`: `rec_id` ('P0000001'), `entity_id`, `given_name`,
        `surname`, `street_address`, `postcode`, `date_of_birth` (YYYY-MM-DD in originals),
        `id_number`, all strings ('' when missing).

    Example:
        >>> people = generate_people(200, seed=1)
        >>> list(people.columns)[:4]
        ['rec_id', 'entity_id', 'given_name', 'surname']
    """
    if n_records < 1 or not 0 <= duplicate_share < 1:
        raise InputError(
            f"Cannot generate {n_records} people with a duplicate share of {duplicate_share}.",
            fix="Give at least one record and a duplicate share from 0 up to (not including) 1.")
    rng = np.random.default_rng(seed)
    n = n_records
    n_ent = max(1, min(n, round(n * (1 - duplicate_share))))
    ent = _entities(rng, n_ent)
    e = np.concatenate([np.arange(n_ent), rng.choice(n_ent, size=n - n_ent)])
    e = e[rng.permutation(n)]
    first = ~pd.Series(e).duplicated().to_numpy()

    def col(name: str) -> np.ndarray:
        return ent[name][e]

    city_idx = col("city_idx")
    # A postcode shares the city's first four digits; the last two name the delivery area.
    postcode = np.array([c[4][:4] for c in _CITIES], dtype=object)[city_idx] + _join(
        _fixed(ent["postcode_tail"][e], 2))
    f = {
        "given_name": col("given").copy(), "surname": col("surname").copy(),
        "street_address": np.array([c[1] for c in _CITIES], dtype=object)[city_idx] + "市"
        + col("address"),
        "postcode": postcode, "date_of_birth": _format_stamps(col("born"))[0:n].copy(),
        "id_number": col("id_number").copy(),
    }
    f["date_of_birth"] = np.array([v[:10] for v in f["date_of_birth"]], dtype=object)
    dup = ~first
    u = rng.random
    # Duplicates carry the damage: typos, swapped name parts, other formats, gaps.
    for column in ("given_name", "surname", "street_address"):
        _apply(f[column], dup & (u(n) < 0.15), _typo)
    swap = np.flatnonzero(dup & (u(n) < 0.05))
    f["given_name"][swap], f["surname"][swap] = f["surname"][swap], f["given_name"][swap].copy()
    _apply(f["date_of_birth"], dup & (u(n) < 0.08), lambda v: f"{v[:4]}-{v[8:10]}-{v[5:7]}")
    _apply(f["date_of_birth"], dup & (u(n) < 0.1), lambda v: v.replace("-", "/"))
    _apply(f["postcode"], dup & (u(n) < 0.05), lambda v: v[:5] + str((int(v[5]) + 1) % 10))
    _apply(f["id_number"], dup & (u(n) < 0.05), lambda v: v[:10] + v[11] + v[10] + v[12:])
    for column, share in (("street_address", 0.1), ("postcode", 0.1), ("date_of_birth", 0.1),
                          ("id_number", 0.25), ("given_name", 0.02)):
        f[column][dup & (u(n) < share)] = ""
    frame = pd.DataFrame({
        "rec_id": _join("P", _fixed(np.arange(1, n + 1), 7)),
        "entity_id": _join("E", _fixed(e + 1, 7)),
        **f,
    })
    log.info("Generated %d person records of %d people (seed %d)", n, n_ent, seed)
    return frame


def _typo(value: str) -> str:
    """One typist's slip: a homophone, a dropped character or two swapped ones."""
    for i, ch in enumerate(value):
        if ch in _TYPO_CHARS:
            return value[:i] + _TYPO_CHARS[ch] + value[i + 1:]
    if len(value) > 3:
        k = len(value) // 2
        return value[:k] + value[k + 1] + value[k] + value[k + 2:]
    return value + value[-1:]


# --- the files channels send -----------------------------------------------------------------

@dataclass(frozen=True)
class _FileStyle:
    """How a channel writes its export: format, headers and habits."""

    suffix: str  # .xlsx, .csv, .jsonl
    headers: dict[str, str]  # standard field -> the channel's header
    encoding: str = "utf-8"
    title: str | None = None  # a title row above the header, '{month}' filled in
    dates: str = "text"  # text / excel (date cells) / serial (plain numbers) / iso
    phone_numbers: bool = False  # plain mobiles stored as numbers
    landline_header: str | None = None  # landlines go into a column of their own


_STYLES: dict[str, _FileStyle] = {
    "官网表单": _FileStyle(".csv", {
        "lead_id": "线索编号", "name": "姓名", "phone": "手机号", "email": "邮箱", "wechat": "微信号",
        "qq": "QQ", "company": "公司", "title": "职务", "province": "省份", "city": "城市",
        "updated_at": "提交时间"}, encoding="utf-8-sig"),
    "微信公众号": _FileStyle(".jsonl", {
        "lead_id": "lead_id", "name": "name", "phone": "mobile", "wechat": "wechat_id",
        "gender": "sex", "province": "province", "city": "city", "updated_at": "update_time"},
        dates="iso"),
    "线下门店": _FileStyle(".xlsx", {
        "lead_id": "线索编号", "name": "客户姓名", "phone": "联系电话", "wechat": "微信",
        "gender": "性别", "age": "年龄", "birth_date": "出生日期", "id_number": "身份证号",
        "city": "城市", "address": "详细地址", "amount": "意向金额", "owner": "负责人",
        "updated_at": "更新时间"}, dates="excel"),
    "展会": _FileStyle(".xlsx", {
        "lead_id": "线索编号", "name": "姓名", "phone": "手机号", "email": "电子邮件",
        "company": "单位名称", "title": "职位", "province": "省份", "city": "城市", "address": "地址",
        "owner": "跟进人", "updated_at": "登记时间"}, title="{month}展会线索", dates="serial",
        phone_numbers=True, landline_header="电话"),
    "呼叫中心": _FileStyle(".xlsx", {
        "lead_id": "线索编号", "name": "联系人", "phone": "来电号码", "company": "单位名称",
        "title": "职务", "city": "城市", "amount": "意向金额", "owner": "坐席",
        "updated_at": "通话时间"}, dates="excel", phone_numbers=True),
    "抖音广告": _FileStyle(".csv", {
        "lead_id": "线索ID", "name": "联系人", "phone": "手机 ", "douyin": "抖音号", "gender": "性别",
        "age": "年龄", "province": "省份", "city": "城市", "updated_at": "留资时间"},
        encoding="gbk"),
    "第三方平台": _FileStyle(".csv", {
        "lead_id": "lead_id", "name": "name", "phone": "mobile", "email": "email", "qq": "qq",
        "kuaishou": "kuaishou_id", "company": "company", "title": "title", "province": "province",
        "city": "city", "address": "address", "amount": "amount", "updated_at": "update_time"}),
}

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def write_channel_files(frame: pd.DataFrame, out_dir: str | Path, *, seed: int = 0) -> list[Path]:
    """Writes one file per channel in `frame`, the way that channel really sends it.

    The trade-show workbook has a merged title row above its header, a separate 电话 column
    for landlines, mobiles stored as numbers and dates as Excel serials; the store and call
    centre workbooks hold real date cells; the Douyin export is GBK, the web form UTF-8 with a
    BOM, the WeChat feed JSON lines. Empty rows and trailing spaces appear here and there.
    Every file keeps the lead id so that `write_truth` joins.

    Args:
        frame: Records as `generate_leads` returns them.
        out_dir: The folder to write into (created if missing).
        seed: Seeds where empty rows and trailing spaces go.

    Returns:
        The paths written, in the order of `CHANNELS`.

    Example:
        >>> paths = write_channel_files(generate_leads(500), "out")
        >>> sorted(p.name for p in paths)[0]
        'call_centre.xlsx'
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for name, channel in CHANNELS.items():
        part = frame[frame["channel"] == name]
        if part.empty:
            continue
        style = _STYLES[name]
        path = out / f"{channel.slug}{style.suffix}"
        # Customer activity (add_customer_activity) goes out under the template's headers.
        extra = {c: h for c, h in CUSTOMER_HEADERS.items() if c in part.columns}
        style = replace(style, headers={**style.headers, **extra})
        table = part[list(style.headers)].copy()
        # Trailing spaces where people paste into cells.
        spaced = rng.random(len(table)) < 0.03
        table.loc[spaced, "name"] = table.loc[spaced, "name"] + " "
        blank_after = set(np.flatnonzero(rng.random(len(table)) < 0.01).tolist())
        if style.suffix == ".xlsx":
            _write_xlsx(table, path, style)
        elif style.suffix == ".jsonl":
            _write_jsonl(table, path, style)
        else:
            _write_csv(table, path, style, blank_after)
        log.info("Wrote %d %s leads to %s", len(table), name, path)
        paths.append(path)
    return paths


def _write_csv(table: pd.DataFrame, path: Path, style: _FileStyle, blank_after: set[int]) -> None:
    when = pd.to_datetime(table["updated_at"])
    table = table.copy()
    # Exports from Chinese Windows tools write dates with slashes and no leading zeros.
    table["updated_at"] = (when.dt.year.astype(str) + "/" + when.dt.month.astype(str) + "/"
                           + when.dt.day.astype(str) + " " + when.dt.strftime("%H:%M"))
    table = table.rename(columns=style.headers)
    empty = pd.DataFrame([[""] * table.shape[1]], columns=table.columns)
    pieces, last = [], 0
    for i in sorted(blank_after):
        pieces += [table.iloc[last:i + 1], empty]
        last = i + 1
    pieces.append(table.iloc[last:])
    pd.concat(pieces).to_csv(path, index=False, encoding=style.encoding, lineterminator="\r\n")


def _write_jsonl(table: pd.DataFrame, path: Path, style: _FileStyle) -> None:
    when = pd.to_datetime(table["updated_at"]).dt.strftime("%Y-%m-%dT%H:%M:%S+08:00")
    table = table.assign(updated_at=when).rename(columns=style.headers)
    with path.open("w", encoding="utf-8") as fh:
        for row in table.to_dict("records"):
            # APIs leave out keys they have no value for.
            fh.write(json.dumps({k: v for k, v in row.items() if v != ""}, ensure_ascii=False))
            fh.write("\n")


def _write_xlsx(table: pd.DataFrame, path: Path, style: _FileStyle) -> None:
    import xlsxwriter

    fields = list(style.headers)
    headers = [style.headers[f] for f in fields]
    phone_at = fields.index("phone")
    if style.landline_header:
        headers.insert(phone_at + 1, style.landline_header)
    when = pd.to_datetime(table["updated_at"])
    month = f"{when.max().year}年{when.max().month}月"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    # A fixed creation time keeps the file the same for the same seed.
    wb.set_properties({"created": dt.datetime(2024, 5, 1)})
    ws = wb.add_worksheet("线索")
    bold = wb.add_format({"bold": True})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    row = 0
    if style.title:
        ws.merge_range(0, 0, 0, len(headers) - 1, style.title.format(month=month), bold)
        row = 1
    ws.write_row(row, 0, headers, bold)
    row += 1
    serial = ((when - _EXCEL_EPOCH) / pd.Timedelta(days=1)).round(6).to_numpy()
    stamps = [stamp.to_pydatetime() for stamp in when]
    at = fields.index("updated_at")
    shift = 1 if style.landline_header else 0
    # Ages and amounts typed into Excel are numbers (a '¥' or '.00' keeps a cell text).
    numeric = {fields.index(f) + (shift if fields.index(f) > phone_at else 0)
               for f in ("age", "amount") if f in fields}
    for k, values in enumerate(table.itertuples(index=False, name=None)):
        cells = list(values)
        phone = cells[phone_at]
        if style.landline_header:
            is_land = "-" in phone and not phone.startswith("+") and phone[:1] in "0478("
            cells.insert(phone_at + 1, phone if is_land else "")
            if is_land:
                cells[phone_at] = ""
        col_at = at + shift
        for c, v in enumerate(cells):
            if c == col_at:
                if style.dates == "excel":
                    ws.write_datetime(row, c, stamps[k], date_fmt)
                else:
                    ws.write_number(row, c, serial[k])
            elif c == phone_at and style.phone_numbers and v.isdigit() and len(v) == 11:
                ws.write_number(row, c, int(v))
            elif c in numeric and v.lstrip("-").isdigit():
                ws.write_number(row, c, int(v))
            elif v != "":
                ws.write_string(row, c, v)
        row += 1
        if k % 173 == 172:  # an empty row now and then, as pasted sheets have
            row += 1
    wb.close()


def write_truth(frame: pd.DataFrame, path: str | Path) -> Path:
    """Writes the ground truth, `lead_id,entity_id`, as a UTF-8 CSV.

    For a person file (`generate_people`) the id column is `rec_id`.

    Example:
        >>> write_truth(generate_leads(100), "truth.csv").name
        'truth.csv'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = "lead_id" if "lead_id" in frame.columns else "rec_id"
    frame[[key, "entity_id"]].to_csv(path, index=False, encoding="utf-8")
    return path


# --- the bundled sample ----------------------------------------------------------------------


def write_sample(out_dir: str | Path, *, seed: int = SAMPLE_SEED) -> list[Path]:
    """Writes the bundled sample: five channel files of about 2,500 leads and `truth.csv`.

    `workbench/sample/` holds the output of `write_sample("workbench/sample")`.

    Example:
        >>> [p.name for p in write_sample("sample")][-1]
        'truth.csv'
    """
    frame = generate_leads(SAMPLE_ROWS, seed, channels=list(SAMPLE_CHANNELS))
    paths = write_channel_files(frame, out_dir, seed=seed)
    return [*paths, write_truth(frame, Path(out_dir) / "truth.csv")]


# --- customers: conversions, orders and costs per channel --------------------------------------

# The template's headers of the customer fields, as channels that report orders write them.
CUSTOMER_HEADERS: dict[str, str] = {
    "registered_at": "注册时间", "orders": "订单数", "total_amount": "累计消费金额",
    "last_order_at": "最近消费时间", "status": "客户状态", "tags": "客户标签",
}
# Per channel: the share of its leads that buy, and what one lead costs (元), as marketing
# teams see them: stores convert well and cost much, ad platforms convert little.
CONVERSION: dict[str, float] = {"官网表单": 0.22, "微信公众号": 0.15, "线下门店": 0.4, "展会": 0.12,
                                "呼叫中心": 0.18, "抖音广告": 0.06, "第三方平台": 0.04}
COST_PER_LEAD: dict[str, float] = {"官网表单": 45, "微信公众号": 30, "线下门店": 150, "展会": 260,
                                   "呼叫中心": 80, "抖音广告": 70, "第三方平台": 25}
_CHANNEL_TAGS = ["VIP", "老客户", "企业客户", "价格敏感", "直播粉", "会员"]


def add_customer_activity(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """The records of `frame` with what channels report about customers: registration time,
    status, and for the share of each channel's leads in `CONVERSION` who bought, orders, total
    spend (元) and the last order's time; now and then a tag the channel gave.

    Example:
        leads = add_customer_activity(generate_leads(1000, seed=7))
        (leads["status"] == "已转化").mean() > 0
        True
    """
    rng = np.random.default_rng(seed + 13)
    out = frame.copy()
    n = len(out)
    updated = pd.to_datetime(out["updated_at"])
    registered = updated - pd.to_timedelta(rng.integers(0, 30, n), unit="D")
    bought = rng.random(n) < out["channel"].map(CONVERSION).fillna(0.1).to_numpy()
    orders = np.where(bought, rng.geometric(0.45, n), 0)
    per_order = np.round(rng.lognormal(6.8, 0.8, n), -1)
    last = registered + pd.to_timedelta(rng.integers(1, 400, n), unit="D")
    status = np.where(bought, "已转化", _pick(rng, ["新线索", "跟进中", "流失"], n, [0.4, 0.4, 0.2]))
    out["registered_at"] = registered.dt.strftime("%Y-%m-%d %H:%M:%S")
    out["status"] = status
    out["orders"] = np.where(bought, orders.astype(str), "")
    out["total_amount"] = np.where(bought, (orders * per_order).astype(np.int64).astype(str), "")
    out["last_order_at"] = np.where(bought, last.dt.strftime("%Y-%m-%d"), "")
    tagged = rng.random(n) < 0.08
    out["tags"] = np.where(tagged, _pick(rng, _CHANNEL_TAGS, n), "")
    return out


def channel_costs(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """What each channel spent per month on the leads of `frame` (channel, month, spend 元):
    its leads that month times `COST_PER_LEAD`, give or take a tenth, in hundreds.

    Example:
        >>> channel_costs(generate_leads(1000, seed=7)).columns.tolist()
        ['channel', 'month', 'spend']
    """
    rng = np.random.default_rng(seed + 17)
    month = pd.to_datetime(frame["updated_at"]).dt.strftime("%Y-%m")
    counts = frame.assign(month=month).groupby(["channel", "month"]).size().reset_index(name="n")
    noise = rng.uniform(0.9, 1.1, len(counts))
    counts["spend"] = np.round(counts["n"] * counts["channel"].map(COST_PER_LEAD).fillna(50)
                               * noise, -2)
    return counts[["channel", "month", "spend"]]


def write_costs_file(costs: pd.DataFrame, path: str | Path) -> Path:
    """Write `channel_costs` as finance sends it: a CSV of 渠道, 月份, 花费(元)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    costs.rename(columns={"channel": "渠道", "month": "月份", "spend": "花费(元)"}).to_csv(
        path, index=False, encoding="utf-8-sig")
    return path
