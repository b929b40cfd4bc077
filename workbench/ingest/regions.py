"""China's provincial divisions and prefecture-level cities, and lookups over them.

Facts written out by hand: the 34 provincial-level divisions and, under each, its
prefecture-level divisions (cities, autonomous prefectures, prefectures 地区 and leagues 盟),
plus a few county-level cities directly under a province that leads often name as their city.
Municipalities are their own city: 北京市 is both the province and the city of 北京市朝阳区.

Example:
    >>> find_province("广东")
    '广东省'
    >>> find_city("深圳")
    ('深圳市', '广东省')
    >>> parse_region("广东深圳南山区科技园")
    ('广东省', '深圳市')
"""

from __future__ import annotations

import re
from functools import lru_cache

# Full name -> the short names people write (without 省/市/自治区…).
PROVINCES: dict[str, tuple[str, ...]] = {
    "北京市": ("北京",), "天津市": ("天津",), "上海市": ("上海",), "重庆市": ("重庆",),
    "河北省": ("河北",), "山西省": ("山西",), "辽宁省": ("辽宁",), "吉林省": ("吉林",),
    "黑龙江省": ("黑龙江",), "江苏省": ("江苏",), "浙江省": ("浙江",), "安徽省": ("安徽",),
    "福建省": ("福建",), "江西省": ("江西",), "山东省": ("山东",), "河南省": ("河南",),
    "湖北省": ("湖北",), "湖南省": ("湖南",), "广东省": ("广东",), "海南省": ("海南",),
    "四川省": ("四川",), "贵州省": ("贵州",), "云南省": ("云南",), "陕西省": ("陕西",),
    "甘肃省": ("甘肃",), "青海省": ("青海",), "台湾省": ("台湾",),
    "内蒙古自治区": ("内蒙古",), "广西壮族自治区": ("广西", "广西自治区"),
    "西藏自治区": ("西藏",), "宁夏回族自治区": ("宁夏", "宁夏自治区"),
    "新疆维吾尔自治区": ("新疆", "新疆自治区"),
    "香港特别行政区": ("香港",), "澳门特别行政区": ("澳门",),
}

MUNICIPALITIES: tuple[str, ...] = ("北京市", "天津市", "上海市", "重庆市")

# Province -> its prefecture-level divisions. A bare name means "<name>市"; "full|short"
# gives a full name that does not end in 市 and the short form people write.
_CITIES_TEXT: dict[str, str] = {
    "河北省": "石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水",
    "山西省": "太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁",
    "内蒙古自治区": "呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布 "
    "兴安盟|兴安 锡林郭勒盟|锡林郭勒 阿拉善盟|阿拉善",
    "辽宁省": "沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛",
    "吉林省": "长春 吉林 四平 辽源 通化 白山 松原 白城 延边朝鲜族自治州|延边",
    "黑龙江省": "哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化 "
    "大兴安岭地区|大兴安岭",
    "江苏省": "南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁",
    "浙江省": "杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水",
    "安徽省": "合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城",
    "福建省": "福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德",
    "江西省": "南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶",
    "山东省": "济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽",
    "河南省": "郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 "
    "周口 驻马店 济源",
    "湖北省": "武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 "
    "恩施土家族苗族自治州|恩施 仙桃 潜江 天门",
    "湖南省": "长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 "
    "湘西土家族苗族自治州|湘西",
    "广东省": "广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 "
    "东莞 中山 潮州 揭阳 云浮",
    "广西壮族自治区": "南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左",
    "海南省": "海口 三亚 三沙 儋州",
    "四川省": "成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 "
    "巴中 资阳 阿坝藏族羌族自治州|阿坝 甘孜藏族自治州|甘孜 凉山彝族自治州|凉山",
    "贵州省": "贵阳 六盘水 遵义 安顺 毕节 铜仁 黔西南布依族苗族自治州|黔西南 "
    "黔东南苗族侗族自治州|黔东南 黔南布依族苗族自治州|黔南",
    "云南省": "昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 楚雄彝族自治州|楚雄 "
    "红河哈尼族彝族自治州|红河 文山壮族苗族自治州|文山 西双版纳傣族自治州|西双版纳 "
    "大理白族自治州|大理 德宏傣族景颇族自治州|德宏 怒江傈僳族自治州|怒江 迪庆藏族自治州|迪庆",
    "西藏自治区": "拉萨 日喀则 昌都 林芝 山南 那曲 阿里地区|阿里",
    "陕西省": "西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛",
    "甘肃省": "兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 "
    "临夏回族自治州|临夏 甘南藏族自治州|甘南",
    "青海省": "西宁 海东 海北藏族自治州|海北 黄南藏族自治州|黄南 海南藏族自治州|海南州 "
    "果洛藏族自治州|果洛 玉树藏族自治州|玉树 海西蒙古族藏族自治州|海西",
    "宁夏回族自治区": "银川 石嘴山 吴忠 固原 中卫",
    "新疆维吾尔自治区": "乌鲁木齐 克拉玛依 吐鲁番 哈密 昌吉回族自治州|昌吉 "
    "博尔塔拉蒙古自治州|博尔塔拉 巴音郭楞蒙古自治州|巴音郭楞 阿克苏地区|阿克苏 "
    "克孜勒苏柯尔克孜自治州|克孜勒苏 喀什地区|喀什 和田地区|和田 伊犁哈萨克自治州|伊犁 "
    "塔城地区|塔城 阿勒泰地区|阿勒泰 石河子",
    "台湾省": "台北 新北 桃园 台中 台南 高雄 基隆 新竹 嘉义",
}


def _build_cities() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Full city name -> (province, short names)."""
    cities: dict[str, tuple[str, tuple[str, ...]]] = {}
    for province, text in _CITIES_TEXT.items():
        for item in text.split():
            full, _, short = item.partition("|")
            if short:
                cities[full] = (province, (short,))
            else:
                cities[f"{full}市"] = (province, (full,))
    for municipality in MUNICIPALITIES:
        cities[municipality] = (municipality, PROVINCES[municipality])
    cities["香港特别行政区"] = ("香港特别行政区", ("香港",))
    cities["澳门特别行政区"] = ("澳门特别行政区", ("澳门",))
    return cities


# Full city name -> (province full name, short names).
CITIES: dict[str, tuple[str, tuple[str, ...]]] = _build_cities()

_PROVINCE_BY_NAME: dict[str, str] = {}
for _full, _shorts in PROVINCES.items():
    _PROVINCE_BY_NAME[_full] = _full
    for _short in _shorts:
        _PROVINCE_BY_NAME[_short] = _full

_CITY_BY_NAME: dict[str, str] = {}
for _full, (_province, _shorts) in CITIES.items():
    _CITY_BY_NAME[_full] = _full
    for _short in _shorts:
        # A short name that is also a province's (吉林, 海南) means the province.
        if _short not in _PROVINCE_BY_NAME or _full in MUNICIPALITIES:
            _CITY_BY_NAME.setdefault(_short, _full)


def _alternation(names) -> str:
    # Longest first, so that 黑龙江省 wins over 黑龙江 and 呼和浩特市 over 呼和浩特.
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


_PROVINCE_PREFIX = re.compile(f"^(?:中国)?({_alternation(_PROVINCE_BY_NAME)})")
_CITY_PREFIX = re.compile(f"^({_alternation(_CITY_BY_NAME)})")
# Province and city names, with or without 省/市, that companies put before their name.
COMPANY_REGION_NAMES: frozenset[str] = frozenset(
    list(_PROVINCE_BY_NAME) + [n for n, full in _CITY_BY_NAME.items() if full.endswith("市")]
)
# Prefectures, leagues and autonomous prefectures are left out: their short names begin
# ordinary words (阿里 in 阿里巴巴, 红河, 大理石).
COMPANY_REGION_PATTERN: str = "^(?:" + _alternation(
    list(_PROVINCE_BY_NAME)
    + [name for name, full in _CITY_BY_NAME.items() if full.endswith("市")]
) + ")"


def find_province(text: str | None) -> str | None:
    """The full name of a province written in full or short, else None.

    Example:
        >>> find_province("新疆")
        '新疆维吾尔自治区'
    """
    if not text:
        return None
    return _PROVINCE_BY_NAME.get(text.strip())


def find_city(text: str | None) -> tuple[str, str] | None:
    """(full city name, its province) for a city written in full or short, else None.

    Example:
        >>> find_city("延边")
        ('延边朝鲜族自治州', '吉林省')
    """
    if not text:
        return None
    full = _CITY_BY_NAME.get(text.strip())
    if full is None:
        return None
    return full, CITIES[full][0]


_NOT_A_CITY_NEXT = set("区县镇乡路街道村")


@lru_cache(maxsize=200_000)
def parse_region(address: str | None) -> tuple[str | None, str | None]:
    """(province, city) named at the start of an address; either may be None.

    The province is optional in the address ("深圳市南山区…" gives 广东省 from the city).
    A city named right after a province must belong to it; otherwise it is not taken.

    Example:
        >>> parse_region("北京市朝阳区建国路88号")
        ('北京市', '北京市')
    """
    if not address:
        return None, None
    text = address.replace(" ", "")
    province = None
    match = _PROVINCE_PREFIX.match(text)
    if match:
        province = _PROVINCE_BY_NAME[match.group(1)]
        text = text[match.end():]
        if province in MUNICIPALITIES or province in ("香港特别行政区", "澳门特别行政区"):
            return province, province
    city_match = _CITY_PREFIX.match(text)
    # "朝阳区" is a district of 北京, not 朝阳市: a short name followed by 区/县/路… is a
    # smaller place of the same name.
    if city_match and not (
        city_match.group(1) not in CITIES and text[city_match.end():][:1] in _NOT_A_CITY_NEXT
    ):
        city = _CITY_BY_NAME[city_match.group(1)]
        city_province = CITIES[city][0]
        if province is None or province == city_province:
            return city_province, city
    return province, None


# --- names in pinyin or English spelling ---------------------------------------------------

# Words after a romanised place name that say what kind of place it is ("Beijing Shi",
# "Guangdong Province"); dropped before the name is looked up.
_LATIN_KIND_WORDS = frozenset(
    "shi city sheng province municipality zizhiqu autonomous region prefecture diqu zizhizhou "
    "meng league sar".split()
)
_LATIN_WORD = re.compile(r"[a-z]+")


def latin_key(text: str | None) -> str | None:
    """A romanised place name folded for lookup: 'Beijing Shi', 'BEIJING', 'bei-jing' →
    'beijing'; None when the text has anything but Latin letters, spaces and marks."""
    if not text or not text.isascii():
        return None
    words = _LATIN_WORD.findall(text.lower())
    while len(words) > 1 and words[-1] in _LATIN_KIND_WORDS:
        words.pop()
    return "".join(words) or None


def _pinyin(name: str) -> str:
    from pypinyin import Style, lazy_pinyin

    # The name read as a word, so that pypinyin's phrase table gives 重庆 'chongqing'.
    return "".join(lazy_pinyin(name, style=Style.NORMAL)).replace("ü", "v")


def _unambiguous(pairs) -> dict[str, str]:
    """key -> name for keys that name one place only (泰州 and 台州 are both 'taizhou')."""
    found: dict[str, set[str]] = {}
    for key, name in pairs:
        found.setdefault(key, set()).add(name)
    return {key: next(iter(names)) for key, names in found.items() if len(names) == 1}


@lru_cache(maxsize=1)
def _latin_cities() -> dict[str, str]:
    return _unambiguous(
        (_pinyin(short), full) for full, (_province, shorts) in CITIES.items() for short in shorts
        # As in Chinese, a short name that is also a province's (吉林, 海南) means the province.
        if short not in _PROVINCE_BY_NAME or full in MUNICIPALITIES
    )


@lru_cache(maxsize=1)
def _latin_provinces() -> dict[str, str]:
    return _unambiguous(
        (_pinyin(short), full) for full, shorts in PROVINCES.items() for short in shorts
    )


def find_city_latin(text: str | None) -> str | None:
    """The full city name of a city written in pinyin ('Beijing', 'beijing shi', 'SHENZHEN'),
    built from the city names above with pypinyin; None when unknown or ambiguous.

    Example:
        >>> find_city_latin("beijing shi"), find_city_latin("Chongqing"), find_city_latin("Taizhou")
        ('北京市', '重庆市', None)
    """
    key = latin_key(text)
    return None if key is None else _latin_cities().get(key)


def find_province_latin(text: str | None) -> str | None:
    """The full province name of a province written in pinyin ('Guangdong Province').

    Example:
        >>> find_province_latin("Guangdong Province"), find_province_latin("Shanghai")
        ('广东省', '上海市')
    """
    key = latin_key(text)
    return None if key is None else _latin_provinces().get(key)
