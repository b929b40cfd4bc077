"""Two lead-file families written for issue 11, independent of `workbench.generate`.

    .venv/bin/python benchmarks/scenarios.py b2b 10000 --seed 11 --out /tmp/b2b.csv

- **b2b**: companies with many colleagues per office (one company name in several forms, one
  office address, one switchboard, one e-mail domain; different names and mobiles), honorific-only
  names (刘总, 李经理, 王女士), shared inboxes (info@, hr@, sales@), trade-show lists in which one
  assistant registers a group of colleagues with her own mobile and the shared inbox, namesakes
  (张伟 at two companies), and true duplicates of each person across channels: typos that a
  pinyin keyboard makes, traditional characters, pinyin and English names, masked mobiles
  (139****6789), plus-addressing, gmail dots and googlemail, the switchboard where the mobile
  was, missing fields.
- **b2c**: households that share a landline and an address, couples that share one mobile, parents
  who register children with their own mobile, agents (insurance, education, property) who fill
  forms for many customers with their own phone and e-mail, namesakes in one city, and true
  duplicates with variation (typos, traditional characters, pinyin, masked mobiles and ID numbers,
  date formats, address spelt several ways).

Each generator takes a size (rows) and a seed and returns a frame with Chinese headers the
importer is meant to map, plus the true person in `TRUTH_COLUMN`, which `write_scenario` keeps
out of the linkage file (it writes the truth beside it). The families were written before any
engine was scored on them and are not to be changed to suit one; change them only to fix a
mistake in what they claim to model, and say so in RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

import pandas as pd
from pypinyin import lazy_pinyin

ID_COLUMN = "线索编号"
TRUTH_COLUMN = "person_id"

# --- names ------------------------------------------------------------------------------------

# Surnames with rough weights (the common ones dominate, as in any Chinese list).
SURNAMES = (
    ("王", 72), ("李", 70), ("张", 66), ("刘", 53), ("陈", 45), ("杨", 31), ("黄", 23), ("赵", 22),
    ("吴", 20), ("周", 20), ("徐", 16), ("孙", 15), ("马", 14), ("朱", 13), ("胡", 13), ("郭", 12),
    ("何", 11), ("林", 11), ("高", 11), ("罗", 10), ("郑", 10), ("梁", 9), ("谢", 8), ("宋", 8),
    ("唐", 7), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7), ("曹", 6), ("彭", 6), ("曾", 6),
    ("肖", 6), ("田", 5), ("董", 5), ("潘", 5), ("袁", 5), ("蔡", 5), ("蒋", 5), ("余", 5),
    ("于", 5), ("杜", 4), ("叶", 4), ("程", 4), ("魏", 4), ("苏", 4), ("吕", 4), ("丁", 4),
    ("任", 4), ("卢", 4), ("姚", 4), ("沈", 4), ("钟", 3), ("姜", 3), ("崔", 3), ("谭", 3),
    ("陆", 3), ("范", 3), ("汪", 3), ("廖", 3), ("石", 3), ("金", 3), ("韦", 3), ("贾", 3),
    ("夏", 2), ("方", 2), ("邹", 2), ("熊", 2), ("白", 2), ("孟", 2), ("秦", 2), ("邱", 2),
    ("侯", 2), ("江", 2), ("尹", 2), ("薛", 2), ("段", 2), ("雷", 2), ("龙", 2), ("黎", 2),
    ("史", 2), ("陶", 2), ("贺", 2), ("毛", 2), ("顾", 2), ("龚", 1), ("邵", 1), ("万", 1),
    ("钱", 1), ("戴", 1), ("严", 1), ("欧阳", 1), ("司马", 0.3), ("上官", 0.3), ("诸葛", 0.2),
)
# Given names that many people share: they make namesakes (张伟, 王芳) on purpose.
COMMON_GIVEN = {
    "M": ("伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "斌"),
    "F": ("芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "桂英", "丹", "玲", "萍", "红"),
}
GIVEN_CHARS = {
    "M": "建国志文俊浩宇子轩博鹏振海龙飞家伟明华东斌峰晨辉凯磊鑫毅昊天宏光立新永德思远嘉豪锦程",
    "F": "丽婷雪静慧欣怡佳琳雅晓梦颖倩玉兰芳燕萍红霞秀月思雨诗悦彤丹妍璐瑶蕾洁娜薇嘉琪",
}
ENGLISH = {
    "M": ("David", "Michael", "Kevin", "Jason", "Tony", "Eric", "Jack", "Leo", "Frank", "Peter",
          "Steven", "Andy", "Vincent", "Allen", "Ryan"),
    "F": ("Lily", "Grace", "Amy", "Cindy", "Helen", "Vivian", "Emma", "Coco", "Sunny", "Linda",
          "Joyce", "Iris", "Wendy", "Cherry", "Annie"),
}
# Characters a pinyin keyboard puts in the place of one another (same or near sound).
HOMOPHONES = {
    "伟": "玮炜苇", "丽": "莉俐利", "静": "晶婧靖", "明": "铭鸣", "军": "君钧", "华": "骅桦",
    "杰": "洁捷", "涛": "滔韬", "峰": "锋丰", "芳": "方舫", "婷": "亭廷", "辉": "晖徽", "磊": "蕾垒",
    "敏": "闽珉", "娜": "那", "燕": "艳雁", "霞": "侠", "玲": "琳铃", "红": "虹宏", "平": "萍苹",
    "强": "蔷", "勇": "永咏", "鹏": "朋", "斌": "彬滨", "国": "果", "建": "健剑", "志": "智治",
    "文": "雯", "俊": "骏峻", "浩": "皓昊", "宇": "雨羽", "博": "波", "海": "凯", "龙": "隆",
    "飞": "菲非", "东": "冬栋", "晨": "辰臣", "凯": "恺锴", "鑫": "欣馨", "天": "添", "宏": "弘鸿",
    "新": "欣", "德": "得", "远": "源媛", "婷婷": "亭亭", "雪": "学", "慧": "惠蕙", "怡": "仪宜",
    "佳": "嘉家", "雅": "亚娅", "晓": "小筱", "梦": "孟", "颖": "莹盈", "倩": "茜", "玉": "钰",
    "兰": "岚澜", "秀": "琇", "月": "悦", "思": "斯", "诗": "施", "彤": "桐", "丹": "单", "瑶": "遥",
    "王": "汪", "张": "章", "李": "黎", "刘": "柳", "陈": "程", "杨": "阳", "黄": "王", "吴": "伍",
    "周": "邹", "徐": "许", "林": "琳", "郑": "正", "冯": "丰", "肖": "萧", "于": "余", "江": "姜",
}
# Simplified -> traditional, for the characters these families use (written for this file).
TRADITIONAL = dict(zip(
    "刘陈张杨黄赵吴孙马郑谢罗韩冯邓许钟叶萧苏卢汤龙门长华伟丽军东国广区号楼发业贸实云飞鹏红兰凤进达宁"
    "汉银网络设备医疗药机术务学园强静艳涛杰晓辉丰宝义庆荣凯顺兴汇联创讯数据传饰环车贝侨宾馆厦层单栋湾"
    "桥沪闵闸车湖阳际电书县乡镇东亚纪绿节岛滨关开宫万圣义鸿锦欢娟婴顾龚邹顾钱严戴贺陆汪邱侯尹韦贾刚"
    "凤玲岚钰莹颖蕾晖锋铭鸣骅涛滔韬钧恺锴馨鸿弘源媛惠仪嘉亚娅梦桐遥应门问间阳阴陕厂广庄庆库应开异弃"
    "场坏块坛坝执扩扫扬护报担拟拥拦拨择挂挡挣挤挥损换据掳摄摆摇摊撑撵撷撸撺擞攒敌敛斋斩断无旧时旷昙"
    "昼显晋晒晓晔晕晖暂术朴机杀杂权条来杨杰极构枪枫柜柠查栅标栈栋栏树栖样档桥桦桨桩梦检棂椭楼榄榇榈"
    "榉槛槟横樯樱橱橹橼欧欢欤毁毕毙气氢汇汉汤沟没沣沤沥沦沧沪泪泷泸泺泻泼泽泾洁浃浇浈浊测浍济浏浑浒"
    "浓浔涌涛涝涞涟涠涡涣润涧涨涩渊渍渎渐渑渔渗温湾湿溃溅满滞滟滠滢滤滥滦滨滩",
    "劉陳張楊黃趙吳孫馬鄭謝羅韓馮鄧許鍾葉蕭蘇盧湯龍門長華偉麗軍東國廣區號樓發業貿實雲飛鵬紅蘭鳳進達寧"
    "漢銀網絡設備醫療藥機術務學園強靜艷濤傑曉輝豐寶義慶榮凱順興匯聯創訊數據傳飾環車貝僑賓館廈層單棟灣"
    "橋滬閔閘車湖陽際電書縣鄉鎮東亞紀綠節島濱關開宮萬聖義鴻錦歡娟嬰顧龔鄒顧錢嚴戴賀陸汪邱侯尹韋賈剛"
    "鳳玲嵐鈺瑩穎蕾暉鋒銘鳴驊濤滔韜鈞愷鍇馨鴻弘源媛惠儀嘉亞婭夢桐遙應門問間陽陰陝廠廣莊慶庫應開異棄"
    "場壞塊壇壩執擴掃揚護報擔擬擁攔撥擇掛擋掙擠揮損換據擄攝擺搖攤撐攆擷擼攛擻攢敵斂齋斬斷無舊時曠曇"
    "晝顯晉曬曉曄暈暉暫術樸機殺雜權條來楊傑極構槍楓櫃檸查柵標棧棟欄樹棲樣檔橋樺槳樁夢檢欞橢樓欖櫬櫚"
    "櫸檻檳橫檣櫻櫥櫓櫞歐歡歟毀畢斃氣氫匯漢湯溝沒灃漚瀝淪滄滬淚瀧瀘濼瀉潑澤涇潔浹澆湞濁測澮濟瀏渾滸"
    "濃潯湧濤澇淶漣潿渦渙潤澗漲澀淵漬瀆漸澠漁滲溫灣濕潰濺滿滯灩灄瀅濾濫灤濱灘", strict=False,
))

# --- places and organisations -----------------------------------------------------------------

# city, province, area code, districts, 6-digit region code for ID numbers, English name
CITIES = (
    ("北京", "北京", "010", ("朝阳区", "海淀区", "东城区", "丰台区", "通州区"), "110105", "Beijing", 12),
    ("上海", "上海", "021", ("浦东新区", "徐汇区", "闵行区", "静安区", "长宁区"), "310115", "Shanghai", 12),
    ("深圳", "广东", "0755", ("南山区", "福田区", "宝安区", "龙岗区", "龙华区"), "440305", "Shenzhen", 10),
    ("广州", "广东", "020", ("天河区", "海珠区", "越秀区", "番禺区", "白云区"), "440106", "Guangzhou", 9),
    ("杭州", "浙江", "0571", ("西湖区", "滨江区", "余杭区", "拱墅区", "上城区"), "330106", "Hangzhou", 7),
    ("成都", "四川", "028", ("高新区", "武侯区", "锦江区", "青羊区", "成华区"), "510107", "Chengdu", 6),
    ("武汉", "湖北", "027", ("洪山区", "武昌区", "江汉区", "汉阳区", "东西湖区"), "420111", "Wuhan", 5),
    ("南京", "江苏", "025", ("鼓楼区", "玄武区", "建邺区", "江宁区", "秦淮区"), "320106", "Nanjing", 5),
    ("苏州", "江苏", "0512", ("工业园区", "姑苏区", "吴中区", "相城区", "虎丘区"), "320505", "Suzhou", 5),
    ("西安", "陕西", "029", ("雁塔区", "碑林区", "未央区", "长安区", "莲湖区"), "610113", "Xi'an", 4),
    ("重庆", "重庆", "023", ("渝北区", "江北区", "渝中区", "南岸区", "九龙坡区"), "500112", "Chongqing", 4),
    ("天津", "天津", "022", ("和平区", "南开区", "河西区", "滨海新区", "河东区"), "120103", "Tianjin", 4),
    ("长沙", "湖南", "0731", ("岳麓区", "芙蓉区", "天心区", "开福区", "雨花区"), "430104", "Changsha", 3),
    ("郑州", "河南", "0371", ("金水区", "二七区", "中原区", "管城回族区", "郑东新区"), "410105", "Zhengzhou", 3),
    ("厦门", "福建", "0592", ("思明区", "湖里区", "集美区", "海沧区", "翔安区"), "350203", "Xiamen", 2),
    ("青岛", "山东", "0532", ("市南区", "市北区", "崂山区", "黄岛区", "李沧区"), "370202", "Qingdao", 2),
)
ROADS = ("科技园路", "建设路", "人民路", "中山路", "解放路", "长江路", "创业大道", "滨河路", "学府路",
         "软件园路", "高新大道", "金融街", "世纪大道", "花园路", "文化路", "东风路", "新华路", "友谊路")
TOWERS = ("科技大厦", "国际中心", "创新广场", "金融中心", "软件园", "商务中心", "产业园", "大厦",
          "时代广场", "智慧谷", "总部基地", "中心大厦")
COMPOUNDS = ("阳光花园", "翠湖小区", "锦绣家园", "碧桂园", "万科城", "幸福里", "金色家园", "绿地新都会",
             "世纪城", "望京花园", "龙湖春江郦城", "保利香槟国际", "华润二十四城", "和平里小区", "东湖小区",
             "新村", "丽景苑", "书香门第", "滨江花园", "紫金城")
CORES = ("华拓", "鼎盛", "恒信", "博远", "中科", "聚能", "天成", "优联", "金瑞", "智云", "宏达", "海纳",
         "新创", "远航", "东方", "嘉禾", "长城", "盛世", "凯越", "众诚", "利通", "卓越", "星辰", "蓝海",
         "瑞丰", "永泰", "华信", "汇通", "联创", "明德", "安和", "泰康", "润泽", "锦程", "启明", "腾跃",
         "云帆", "广联", "正和", "天润")
INDUSTRIES = (("智能科技", "Intelligent Technology"), ("信息技术", "Information Technology"),
              ("电子", "Electronics"), ("医疗器械", "Medical Devices"), ("贸易", "Trading"),
              ("文化传媒", "Media"), ("建材", "Building Materials"), ("物流", "Logistics"),
              ("生物科技", "Biotech"), ("教育科技", "Education Technology"),
              ("汽车零部件", "Auto Parts"), ("环保科技", "Environmental Technology"),
              ("软件", "Software"), ("网络科技", "Network Technology"), ("实业", "Industrial"))
LEGAL = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司", "有限责任公司")
TITLES = (("总经理", "总"), ("副总经理", "总"), ("董事长", "董"), ("销售总监", "总"),
          ("技术总监", "总"), ("采购经理", "经理"), ("市场经理", "经理"), ("项目经理", "经理"),
          ("人事经理", "经理"), ("工程师", "工"), ("高级工程师", "工"), ("销售代表", ""),
          ("采购专员", ""), ("行政助理", ""), ("财务主管", ""), ("客户经理", "经理"), ("", ""))
SHARED_BOXES = ("info", "hr", "sales", "admin", "service", "contact", "market", "office")
PERSONAL_DOMAINS = (("qq.com", 30), ("163.com", 22), ("126.com", 8), ("gmail.com", 8),
                    ("outlook.com", 5), ("sina.com", 5), ("foxmail.com", 5), ("hotmail.com", 3),
                    ("139.com", 3), ("aliyun.com", 2))
MOBILE_PREFIXES = ("130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150",
                   "151", "152", "153", "155", "156", "157", "158", "159", "166", "173", "176",
                   "177", "178", "180", "181", "182", "183", "185", "186", "187", "188", "189",
                   "191", "198", "199")


def _weighted(rng: random.Random, items):
    values = [i[0] for i in items]
    weights = [i[-1] for i in items]
    return rng.choices(values, weights)[0]


class _Ids:
    """Unique mobiles, QQ numbers and the like, drawn from one generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.seen: set[str] = set()

    def _fresh(self, make) -> str:
        while True:
            value = make()
            if value not in self.seen:
                self.seen.add(value)
                return value

    def mobile(self) -> str:
        rng = self.rng

        def make():
            prefix = rng.choice(MOBILE_PREFIXES)
            if rng.random() < 0.04:  # real vanity numbers: 13988886666, 1380013 8000
                a, b = rng.choice("0123456789"), rng.choice("0123456789")
                return prefix + rng.choice([a * 4 + b * 4, str(rng.randint(0, 9999)).zfill(4)
                                            + b * 4, a * 4 + str(rng.randint(0, 9999)).zfill(4)])
            return prefix + str(rng.randint(0, 99_999_999)).zfill(8)
        return self._fresh(make)

    def landline(self, area: str) -> str:
        rng = self.rng
        width = 8 if len(area) == 3 or area in ("0755", "0512", "0571") else 7
        return self._fresh(lambda: area + "-" + str(rng.randint(2, 8)) + "".join(
            rng.choice("0123456789") for _ in range(width - 1)))

    def qq(self) -> str:
        rng = self.rng
        return self._fresh(lambda: str(rng.randint(10_000_000, 3_999_999_999)))

    def token(self, stem: str) -> str:
        rng = self.rng
        return self._fresh(lambda: stem + rng.choice(["", "_", ""]) + str(rng.randint(1, 999)))


# --- people -----------------------------------------------------------------------------------


def _person_name(rng: random.Random, gender: str, surname: str | None = None) -> tuple[str, str]:
    surname = surname or _weighted(rng, SURNAMES)
    if rng.random() < 0.22:
        given = rng.choice(COMMON_GIVEN[gender])
    elif rng.random() < 0.2:
        given = rng.choice(GIVEN_CHARS[gender])
    else:
        given = "".join(rng.choice(GIVEN_CHARS[gender]) for _ in range(2))
    return surname, given


def _py(text: str) -> str:
    return "".join(lazy_pinyin(text))


def _traditional(text: str) -> str:
    return "".join(TRADITIONAL.get(c, c) for c in text)


def _homophone(rng: random.Random, text: str) -> str:
    spots = [i for i, c in enumerate(text) if c in HOMOPHONES]
    if not spots:
        return text
    i = rng.choice(spots)
    return text[:i] + rng.choice(HOMOPHONES[text[i]]) + text[i + 1:]


def _name_variant(rng: random.Random, p: dict, *, honorific_share: float,
                  latin_share: float) -> str:
    """How one channel writes a person's name."""
    sur, given = p["surname"], p["given"]
    roll = rng.random()
    if roll < honorific_share:
        suffix = p["honorific"] or ("先生" if p["gender"] == "M" else "女士")
        if rng.random() < 0.5:
            suffix = "先生" if p["gender"] == "M" else "女士"
        return sur + suffix
    roll = rng.random()
    if roll < latin_share:
        sp, gp = _py(sur).capitalize(), _py(given).capitalize()
        style = rng.random()
        if style < 0.3:
            return f"{sp} {gp}"
        if style < 0.55:
            return f"{gp} {sp}"
        if style < 0.7:
            return f"{sp.upper()} {gp}"
        if style < 0.85 and p["english"]:
            return f"{p['english']} {sp}"
        return f"{sp}{gp.lower()}" if rng.random() < 0.5 else f"{p['english'] or gp} {sur}{given}"
    name = sur + given
    roll = rng.random()
    if roll < 0.08:
        name = _homophone(rng, name)
    elif roll < 0.13:
        name = _traditional(name)
    elif roll < 0.15 and len(given) == 2:
        name = sur + given[0]  # a character lost
    elif roll < 0.18:
        name = name[0] + " " + name[1:] if len(name) > 1 else name
    elif roll < 0.2:
        name = name + rng.choice(["(经理)", " 先生" if p["gender"] == "M" else " 女士", "-展会"])
    return name


def _mobile_format(rng: random.Random, mobile: str) -> str:
    roll = rng.random()
    if roll < 0.45:
        return mobile
    if roll < 0.6:
        return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    if roll < 0.7:
        return f"+86 {mobile}"
    if roll < 0.78:
        return f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    if roll < 0.84:
        return f"86-{mobile}"
    if roll < 0.9:
        return f"(+86){mobile}"
    return f"{mobile}.0" if rng.random() < 0.4 else f"手机:{mobile}"


def _masked(rng: random.Random, mobile: str) -> str:
    return mobile[:3] + ("****" if rng.random() < 0.8 else "xxxx") + mobile[7:]


def _typo_digit(rng: random.Random, value: str) -> str:
    digits = [i for i, c in enumerate(value) if c.isdigit()]
    if len(digits) < 4:
        return value
    i = rng.choice(digits[3:])
    if rng.random() < 0.5 and i + 1 < len(value) and value[i + 1].isdigit():
        return value[:i] + value[i + 1] + value[i] + value[i + 2:]
    return value[:i] + rng.choice("0123456789".replace(value[i], "")) + value[i + 1:]


def _landline_format(rng: random.Random, number: str, *, extension: str = "") -> str:
    area, local = number.split("-")
    roll = rng.random()
    if roll < 0.4:
        text = number
    elif roll < 0.55:
        text = f"({area}){local}"
    elif roll < 0.65:
        text = f"{area} {local[:4]} {local[4:]}"
    elif roll < 0.75:
        text = local  # the area code left out, as locals write it
    elif roll < 0.85:
        text = f"+86-{area[1:]}-{local}"
    else:
        text = area + local
    if extension:
        text += rng.choice(["转", "-", " ext.", "-转"]) + extension
    return text


def _email_variant(rng: random.Random, email: str) -> str:
    local, domain = email.split("@")
    roll = rng.random()
    if domain == "gmail.com":
        if roll < 0.2:
            return ".".join(local) if len(local) < 6 else local[:3] + "." + local[3:] + "@gmail.com"
        if roll < 0.3:
            return f"{local}@googlemail.com"
    if roll < 0.4 and rng.random() < 0.3:
        return f"{local}+{rng.choice(['expo', 'news', 'crm', '2024', 'web'])}@{domain}"
    if roll < 0.5:
        return email.upper() if rng.random() < 0.3 else local.capitalize() + "@" + domain
    if roll < 0.53:
        return email.replace("@", " @") if rng.random() < 0.5 else email + ";"
    if roll < 0.55 and domain.endswith(".com"):
        return local + "@" + domain[:-4] + ".con"  # a typo the form does not catch
    return email


def _personal_email(rng: random.Random, p: dict, ids: _Ids) -> str:
    domain = _weighted(rng, PERSONAL_DOMAINS)
    if domain == "qq.com":
        return f"{p['qq']}@qq.com"
    sp, gp = _py(p["surname"]), _py(p["given"])
    local = rng.choice([sp + gp, gp + sp, sp + gp[0], sp[0] + gp[0] + "".join(
        rng.choice("0123456789") for _ in range(4)), (p["english"] or gp).lower() + sp])
    if rng.random() < 0.6:
        local += str(p["born"].year % 100 if rng.random() < 0.5 else rng.randint(1, 999))
    return ids.token(local) + "@" + domain if rng.random() < 0.3 else f"{local}@{domain}"


def _date_text(rng: random.Random, day: dt.datetime, *, style: int | None = None) -> str:
    style = rng.randint(0, 5) if style is None else style
    return (day.strftime("%Y-%m-%d %H:%M:%S"), day.strftime("%Y/%m/%d %H:%M"),
            f"{day.year}/{day.month}/{day.day} {day:%H:%M}", day.strftime("%Y-%m-%d"),
            f"{day.year}年{day.month}月{day.day}日", day.strftime("%Y%m%d"))[style]


def _birth_text(rng: random.Random, born: dt.date) -> str:
    return rng.choice([born.isoformat(), f"{born.year}/{born.month}/{born.day}", born.strftime("%Y%m%d"),
                       f"{born.year}年{born.month}月{born.day}日", born.strftime("%Y.%m.%d")])


def _id_number(rng: random.Random, region: str, born: dt.date, gender: str) -> str:
    seq = rng.randint(0, 99) * 10 + rng.choice([1, 3, 5, 7, 9] if gender == "M" else [0, 2, 4, 6, 8])
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=False)) % 11]


def _stamp(rng: random.Random) -> dt.datetime:
    start = dt.datetime(2023, 1, 1)
    return start + dt.timedelta(seconds=rng.randint(0, 730 * 86400))


# Version 2 of each family caps a person's records: in version 1 the uncapped Pareto tail gave
# the five most active people of b2c-100k 98 % of the true pairs, so pairwise figures measured
# little but those five. Version 2 was written before the engine of issue 11 was scored on it.
MAX_RECORDS_V2 = 8


def _record_counts(rng: random.Random, n_people: int, n_records: int,
                   cap: int | None = None) -> list[int]:
    """Records per person: everyone once, the rest to a few people many times (heavy tail),
    at most `cap` records each when a cap is given (the rest go to others)."""
    counts = [1] * n_people
    activity = [rng.paretovariate(1.6) for _ in range(n_people)]
    if cap is None:
        for i in rng.choices(range(n_people), activity, k=n_records - n_people):
            counts[i] += 1
        return counts
    left = n_records - n_people
    while left > 0:
        for i in rng.choices(range(n_people), activity, k=left):
            if counts[i] < cap and left > 0:
                counts[i] += 1
                left -= 1
    return counts


# --- B2B --------------------------------------------------------------------------------------


def _company(rng: random.Random, ids: _Ids, index: int) -> dict:
    city = rng.choices(CITIES, [c[-1] for c in CITIES])[0]
    core = rng.choice(CORES)
    industry, industry_en = rng.choice(INDUSTRIES)
    legal = rng.choice(LEGAL)
    prefix = city[0] + "市" if rng.random() < 0.6 else ""
    full = f"{prefix}{core}{industry}{legal}" if rng.random() < 0.8 else \
        f"{core}{industry}({city[0]}){legal}"
    district = rng.choice(city[3])
    address = (f"{district}{rng.choice(ROADS)}{rng.randint(1, 999)}号{core if rng.random() < 0.2 else ''}"
               f"{rng.choice(TOWERS)}{rng.choice(['', 'A座', 'B座', str(rng.randint(1, 9)) + '栋'])}"
               f"{rng.randint(1, 32)}{rng.choice(['0', '1', '2'])}{rng.randint(1, 9)}")
    py = _py(core)
    domain = rng.choice([py, py + "-" + _py(industry[:2]), "".join(lazy_pinyin(core, style=4))
                         + _py(industry[:2]), py + "group", py + "tech"]) + rng.choice(
        [".com", ".com", ".cn", ".com.cn", ".net"])
    return {
        "index": index, "city": city, "full": full, "core": core, "industry": industry,
        "short": core + (industry if rng.random() < 0.6 else ""),
        "english": f"{py.capitalize()} {industry_en} Co., Ltd.", "address": address,
        "district": district, "board": ids.landline(city[2]), "domain": domain,
        "free_mail": rng.random() < 0.15,  # small firms where everyone uses QQ / 163 mail
        "fax_board": ids.landline(city[2]) if rng.random() < 0.3 else "",
    }


def _company_variant(rng: random.Random, c: dict) -> str:
    roll = rng.random()
    if roll < 0.4:
        return c["full"]
    if roll < 0.62:
        return c["short"]
    if roll < 0.7:
        return c["core"]
    if roll < 0.76:
        return c["english"] if rng.random() < 0.6 else c["english"].split(" ")[0].upper()
    if roll < 0.82:
        return _traditional(c["full"])
    if roll < 0.88:
        return c["full"].replace("有限公司", "有限公司" + rng.choice(CITIES)[0] + "分公司")
    if roll < 0.93:
        return c["full"].replace("有限公司", "") + rng.choice(["", " ", "（有限公司）"])
    return c["city"][0] + c["short"]


def _address_variant(rng: random.Random, address: str, c_city: tuple) -> str:
    roll = rng.random()
    text = address
    if roll < 0.25:
        text = c_city[0] + "市" + text
    elif roll < 0.35:
        text = c_city[1] + ("省" if c_city[1] != c_city[0] else "市") + c_city[0] + "市" + text
    elif roll < 0.45:
        text = text.replace("栋", "号楼").replace("座", "栋")
    elif roll < 0.52:
        text = _traditional(text)
    elif roll < 0.6:
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    elif roll < 0.7:
        text = text[: max(6, len(text) // 2)]  # cut short by the form
    if rng.random() < 0.15:
        text += "室"
    return text


def generate_b2b(n_records: int, seed: int = 0, cap: int | None = None) -> pd.DataFrame:
    """A B2B lead file: colleagues, shared inboxes, switchboards, trade-show lists.

    Returns a frame in the columns a CRM export has (Chinese headers), with `TRUTH_COLUMN`.
    """
    rng = random.Random(f"b2b-{seed}")
    ids = _Ids(rng)
    n_people = max(1, round(n_records * 0.62))
    # Company sizes (people in the file): most small, a few with dozens, one or two very large.
    companies, sizes, left = [], [], n_people
    while left > 0:
        size = min(left, max(1, int(rng.paretovariate(1.15))) if rng.random() < 0.97
                   else rng.randint(40, 150))
        companies.append(_company(rng, ids, len(companies)))
        sizes.append(size)
        left -= size
    people = []
    for c, size in zip(companies, sizes, strict=False):
        local_parts: set[str] = set()
        for _ in range(size):
            gender = "M" if rng.random() < 0.58 else "F"
            sur, given = _person_name(rng, gender)
            title, honor = rng.choice(TITLES)
            p = {"pid": f"B{len(people) + 1:07d}", "company": c, "surname": sur, "given": given,
                 "gender": gender, "title": title,
                 "honorific": honor if honor else ("先生" if gender == "M" else "女士"),
                 "english": rng.choice(ENGLISH[gender]) if rng.random() < 0.35 else "",
                 "mobile": ids.mobile(), "qq": ids.qq(),
                 "born": dt.date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28)),
                 "extension": str(rng.randint(800, 8999)) if rng.random() < 0.4 else "",
                 "second_mobile": ids.mobile() if rng.random() < 0.08 else ""}
            sp, gp = _py(sur), _py(given)
            if not c["free_mail"] and rng.random() < 0.85:
                local = rng.choice([sp + gp, gp + "." + sp, sp + "." + gp, sp[0] + gp,
                                    (p["english"] or gp).lower(), gp + sp[0]])
                while local in local_parts:
                    local += str(rng.randint(1, 9))
                local_parts.add(local)
                p["work_email"] = f"{local}@{c['domain']}"
            else:
                p["work_email"] = ""
            p["personal_email"] = _personal_email(rng, p, ids) if rng.random() < 0.55 else ""
            p["wechat"] = (rng.choice([ids.token(sp + gp), "wxid_" + "".join(
                rng.choice("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(10)),
                p["mobile"]]) if rng.random() < 0.6 else "")
            people.append(p)
    counts = _record_counts(rng, len(people), n_records, cap)

    rows = []
    # Trade-show group registrations: one assistant lists several colleagues with her own mobile
    # and the shared inbox; these rows are records of the colleagues (their own duplicates).
    by_company: dict[int, list[dict]] = {}
    for p in people:
        by_company.setdefault(p["company"]["index"], []).append(p)
    pending = [(p, k) for p, n in zip(people, counts, strict=False) for k in range(n)]
    rng.shuffle(pending)
    grouped: set[str] = set()
    for c in companies:
        staff = by_company[c["index"]]
        if len(staff) >= 4 and rng.random() < 0.5:
            assistant = rng.choice(staff)
            box = f"{rng.choice(SHARED_BOXES)}@{c['domain']}"
            day = _stamp(rng)
            for p in rng.sample(staff, k=min(len(staff), rng.randint(3, 12))):
                if p["pid"] in grouped:
                    continue
                grouped.add(p["pid"])
                rows.append(_b2b_row(rng, p, "展会", day, group=(assistant, box)))
    # The group rows replace one record each of the people they list, so the size holds.
    taken = {pid: 1 for pid in grouped}
    for p, _k in pending:
        if taken.get(p["pid"], 0) > 0:
            taken[p["pid"]] -= 1
            continue
        channel = rng.choices(["展会", "官网表单", "名片扫描", "电话外呼", "企业微信", "代理商报备"],
                              [25, 25, 14, 16, 12, 8])[0]
        rows.append(_b2b_row(rng, p, channel, _stamp(rng)))
    rows.sort(key=lambda r: r["_stamp"])
    frame = pd.DataFrame(rows).drop(columns=["_stamp"])
    frame.insert(0, ID_COLUMN, [f"K{i + 1:07d}" for i in range(len(frame))])
    return frame


def _b2b_row(rng: random.Random, p: dict, channel: str, day: dt.datetime, *,
             group: tuple[dict, str] | None = None) -> dict:
    c = p["company"]
    mobile = p["mobile"] if not p["second_mobile"] or rng.random() < 0.6 else p["second_mobile"]
    name = phone = board = email = address = wechat = title = city = ""
    company = _company_variant(rng, c)
    if channel == "展会":
        name = _name_variant(rng, p, honorific_share=0.08, latin_share=0.08)
        roll = rng.random()
        if group is not None:
            phone = _mobile_format(rng, group[0]["mobile"])
            email = group[1] if rng.random() < 0.8 else ""
        else:
            if roll < 0.55:
                phone = _mobile_format(rng, mobile)
            elif roll < 0.7:
                phone = _masked(rng, mobile)  # organisers hand lists over masked
            elif roll < 0.85:
                phone = _landline_format(rng, c["board"], extension=p["extension"])
            roll = rng.random()
            email = (p["work_email"] if roll < 0.5 else
                     f"{rng.choice(SHARED_BOXES)}@{c['domain']}" if roll < 0.62 else
                     p["personal_email"] if roll < 0.75 else "")
        title = p["title"] if rng.random() < 0.6 else ""
        address = _address_variant(rng, c["address"], c["city"]) if rng.random() < 0.35 else ""
        city = c["city"][0] if rng.random() < 0.7 else ""
    elif channel == "官网表单":
        name = _name_variant(rng, p, honorific_share=0.03, latin_share=0.07)
        phone = _mobile_format(rng, mobile) if rng.random() < 0.9 else \
            _landline_format(rng, c["board"])
        if rng.random() < 0.04:
            phone = _typo_digit(rng, phone)
        roll = rng.random()
        email = p["personal_email"] if roll < 0.4 else p["work_email"] if roll < 0.8 else ""
        city = rng.choice([c["city"][0], c["city"][0] + "市", c["city"][-2]]) \
            if rng.random() < 0.75 else ""
        title = p["title"] if rng.random() < 0.4 else ""
    elif channel == "名片扫描":
        name = _name_variant(rng, p, honorific_share=0.0, latin_share=0.05)
        if p["english"] and rng.random() < 0.3:
            name = f"{name} {p['english']}"
        phone = _mobile_format(rng, mobile) if rng.random() < 0.85 else ""
        board = _landline_format(rng, c["board"], extension=p["extension"]) \
            if rng.random() < 0.7 else ""
        email = p["work_email"] or p["personal_email"]
        if email and rng.random() < 0.08:  # OCR reads l as 1, o as 0
            email = email.replace("l", "1", 1) if "l" in email else email.replace("o", "0", 1)
        title = p["title"]
        company = c["full"] if rng.random() < 0.7 else company
        address = _address_variant(rng, c["address"], c["city"]) if rng.random() < 0.8 else ""
        city = c["city"][0]
    elif channel == "电话外呼":
        name = _name_variant(rng, p, honorific_share=0.55, latin_share=0.0)
        phone = _mobile_format(rng, mobile) if rng.random() < 0.8 else \
            _landline_format(rng, c["board"], extension=p["extension"])
        company = c["short"] if rng.random() < 0.6 else company
        city = c["city"][0] if rng.random() < 0.5 else ""
    elif channel == "企业微信":
        name = _name_variant(rng, p, honorific_share=0.05, latin_share=0.4)
        wechat = p["wechat"] or (p["mobile"] if rng.random() < 0.3 else "")
        phone = _mobile_format(rng, mobile) if rng.random() < 0.45 else ""
        company = company if rng.random() < 0.7 else ""
        city = c["city"][-2] if rng.random() < 0.3 else ""
    else:  # 代理商报备: a reseller reports the customer with a short note, often masked
        name = _name_variant(rng, p, honorific_share=0.3, latin_share=0.0)
        phone = _masked(rng, mobile) if rng.random() < 0.5 else _mobile_format(rng, mobile)
        company = _company_variant(rng, c)
        address = _address_variant(rng, c["address"], c["city"]) if rng.random() < 0.5 else ""
        city = c["city"][0]
    if email and rng.random() < 0.5:
        email = _email_variant(rng, email)
    if rng.random() < 0.03:
        company = ""
    return {
        "联系人": name, "手机号": phone, "座机": board, "电子邮箱": email, "公司名称": company,
        "职务": title, "城市": city, "公司地址": address, "微信号": wechat, "来源渠道": channel,
        "提交时间": _date_text(rng, day), TRUTH_COLUMN: p["pid"], "_stamp": day,
    }


# --- B2C --------------------------------------------------------------------------------------


def generate_b2c(n_records: int, seed: int = 0, cap: int | None = None) -> pd.DataFrame:
    """A B2C lead file: households, couples on one mobile, agents who fill forms for others."""
    rng = random.Random(f"b2c-{seed}")
    ids = _Ids(rng)
    n_people = max(1, round(n_records * 0.62))
    people: list[dict] = []
    households = []
    while len(people) < n_people:
        city = rng.choices(CITIES, [c[-1] for c in CITIES])[0]
        home = {
            "city": city,
            "address": (f"{rng.choice(city[3])}{rng.choice(COMPOUNDS)}"
                        f"{rng.choice(['', '一期', '二期', '东区', '西区', '北区'])}"
                        f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 33)}"
                        f"{rng.randint(1, 4):02d}"),
            "landline": ids.landline(city[2]) if rng.random() < 0.35 else "",
        }
        households.append(home)
        size = rng.choices([1, 2, 3, 4, 5], [30, 30, 22, 13, 5])[0]
        family = _family(rng, size)
        head_surname = _weighted(rng, SURNAMES)
        members = []
        for role, gender, born_year in family:
            surname = head_surname if role != "spouse" else None
            sur, given = _person_name(rng, gender, surname)
            born = dt.date(born_year, rng.randint(1, 12), rng.randint(1, 28))
            has_mobile = role != "child" or born_year < 2008
            has_mobile = has_mobile and (role != "elder" or rng.random() < 0.6)
            p = {"pid": f"C{len(people) + 1:07d}", "home": home, "surname": sur, "given": given,
                 "gender": gender, "role": role, "born": born,
                 "honorific": "先生" if gender == "M" else rng.choice(["女士", "女士", "小姐"]),
                 "english": rng.choice(ENGLISH[gender]) if rng.random() < 0.1 else "",
                 "mobile": ids.mobile() if has_mobile else "", "qq": ids.qq(),
                 "id_number": _id_number(rng, city[4], born, gender),
                 "moved": rng.random() < 0.07, "new_mobile": ""}
            if p["moved"]:  # a new address (and sometimes a new mobile) later on
                p["new_address"] = (f"{rng.choice(city[3])}{rng.choice(COMPOUNDS)}"
                                    f"{rng.randint(1, 30)}栋{rng.randint(1, 33)}{rng.randint(1, 4):02d}")
                p["new_mobile"] = ids.mobile() if rng.random() < 0.4 else ""
            p["email"] = _personal_email(rng, p, ids) if rng.random() < 0.45 and born_year < 2008 else ""
            p["wechat"] = ids.token(_py(sur + given)) if rng.random() < 0.4 else ""
            members.append(p)
            people.append(p)
        adults = [m for m in members if m["role"] in ("head", "spouse") and m["mobile"]]
        for m in members:
            # Whose mobile this person gives on forms: a couple may share one; children and
            # elders without their own give the head's; the landline stands in otherwise.
            m["contact"] = m["mobile"]
            if m["role"] == "spouse" and adults and rng.random() < 0.3:
                m["contact"] = adults[0]["mobile"]
                m["mobile"] = m["mobile"] if rng.random() < 0.5 else ""
            if not m["mobile"]:
                m["contact"] = adults[0]["mobile"] if adults else ""
    people = people[:n_people]
    # Agents: about one in 70 people works as an agent for others, with their own phone.
    agents = rng.sample(people, k=max(1, len(people) // 70))
    for a in agents:
        a["agent_mobile"] = a["mobile"] or ids.mobile()
        a["agent_email"] = a["email"] or f"{_py(a['surname'] + a['given'])}@{rng.choice(['pingan-agent.com', 'qq.com', '163.com'])}"
        a["agent_kind"] = rng.choice(["保险代理", "教育顾问", "房产经纪"])
    for p in people:  # the one agent who fills this person's forms, when one does
        p["agent"] = rng.choice([a for a in rng.sample(agents, k=min(3, len(agents))) if a is not p]
                                or agents)
    counts = _record_counts(rng, len(people), n_records, cap)
    rows = []
    for p, n in zip(people, counts, strict=False):
        for _ in range(n):
            channel = rng.choices(["线上商城", "门店登记", "代填表单", "活动报名", "客服热线"],
                                  [30, 22, 16, 18, 14])[0]
            rows.append(_b2c_row(rng, p, channel, _stamp(rng), agents))
    rows.sort(key=lambda r: r["_stamp"])
    frame = pd.DataFrame(rows).drop(columns=["_stamp"])
    frame.insert(0, "客户编号", [f"H{i + 1:07d}" for i in range(len(frame))])
    return frame


def _family(rng: random.Random, size: int) -> list[tuple[str, str, int]]:
    head_gender = "M" if rng.random() < 0.55 else "F"
    head_year = rng.randint(1958, 1998)
    family = [("head", head_gender, head_year)]
    if size >= 2:
        family.append(("spouse", "F" if head_gender == "M" else "M",
                       min(2002, head_year + rng.randint(-4, 4))))
    for _ in range(size - len(family)):
        if rng.random() < 0.75 and head_year < 1992:
            family.append(("child", rng.choice("MF"), min(2018, head_year + rng.randint(24, 34))))
        else:
            family.append(("elder", rng.choice("MF"), head_year - rng.randint(24, 32)))
    return family


def _b2c_row(rng: random.Random, p: dict, channel: str, day: dt.datetime,
             agents: list[dict]) -> dict:
    home = p["home"]
    late = p["moved"] and day > dt.datetime(2024, 1, 1)
    mobile_now = p["new_mobile"] if late and p["new_mobile"] else p["contact"]
    address_now = p.get("new_address", home["address"]) if late else home["address"]
    name = phone = landline = email = wechat = qq = id_number = birth = gender = address = ""
    city = home["city"][0] if rng.random() < 0.7 else ""

    def phone_of() -> str:
        if not mobile_now:
            return ""
        roll = rng.random()
        if roll < 0.1:
            return _masked(rng, mobile_now)
        if roll < 0.14:
            return _typo_digit(rng, mobile_now)
        return _mobile_format(rng, mobile_now)

    if channel == "线上商城":
        name = _name_variant(rng, p, honorific_share=0.04, latin_share=0.04)
        phone = phone_of()
        email = p["email"] if rng.random() < 0.5 else ""
        address = _address_variant(rng, address_now, home["city"]) if rng.random() < 0.85 else ""
    elif channel == "门店登记":
        name = _name_variant(rng, p, honorific_share=0.02, latin_share=0.0)
        phone = phone_of()
        if rng.random() < 0.35:
            id_number = p["id_number"] if rng.random() < 0.6 else \
                p["id_number"][:6] + "********" + p["id_number"][-4:]
        birth = _birth_text(rng, p["born"]) if rng.random() < 0.5 else ""
        gender = {"M": rng.choice(["男", "M", "男性"]), "F": rng.choice(["女", "F", "女性"])}[p["gender"]] \
            if rng.random() < 0.7 else ""
        landline = _landline_format(rng, home["landline"]) if home["landline"] and rng.random() < 0.4 else ""
    elif channel == "代填表单":  # an agent fills it in: the customer's name, the agent's phone
        agent = p["agent"]
        name = _name_variant(rng, p, honorific_share=0.05, latin_share=0.0)
        phone = _mobile_format(rng, agent["agent_mobile"]) if rng.random() < 0.75 else phone_of()
        email = agent["agent_email"] if rng.random() < 0.4 else ""
        id_number = p["id_number"] if rng.random() < 0.5 else ""
        birth = _birth_text(rng, p["born"]) if rng.random() < 0.6 else ""
        gender = "男" if p["gender"] == "M" else "女"
        address = _address_variant(rng, address_now, home["city"]) if rng.random() < 0.3 else ""
        channel = agent["agent_kind"]
    elif channel == "活动报名":
        name = _name_variant(rng, p, honorific_share=0.03, latin_share=0.12)
        phone = phone_of()
        wechat = p["wechat"] if rng.random() < 0.6 else ""
        qq = p["qq"] if rng.random() < 0.15 else ""
        email = (f"{p['qq']}@qq.com" if rng.random() < 0.5 else p["email"]) if rng.random() < 0.3 else ""
    else:  # 客服热线: the caller's number, often the home landline; the name as heard
        name = _name_variant(rng, p, honorific_share=0.45, latin_share=0.0)
        if home["landline"] and rng.random() < 0.5:
            landline = _landline_format(rng, home["landline"])
        else:
            phone = phone_of()
        address = _address_variant(rng, address_now, home["city"]) if rng.random() < 0.3 else ""
    if email and rng.random() < 0.5:
        email = _email_variant(rng, email)
    return {
        "姓名": name, "手机": phone, "固定电话": landline, "邮箱": email, "微信号": wechat, "QQ": qq,
        "身份证号": id_number, "出生日期": birth, "性别": gender, "城市": city, "住址": address,
        "来源": channel, "登记时间": _date_text(rng, day), TRUTH_COLUMN: p["pid"], "_stamp": day,
    }


# --- files ------------------------------------------------------------------------------------

SCENARIOS = {"b2b": (generate_b2b, ID_COLUMN, None), "b2c": (generate_b2c, "客户编号", None),
             "b2b-v2": (generate_b2b, ID_COLUMN, MAX_RECORDS_V2),
             "b2c-v2": (generate_b2c, "客户编号", MAX_RECORDS_V2)}


def write_scenario(name: str, n_records: int, seed: int, out: str | Path) -> tuple[Path, pd.Series, str]:
    """Write a scenario's lead file (UTF-8 CSV with BOM, as Excel saves it) without the truth.

    Returns the file, the true person per row id, and the id column's name.
    """
    make, id_column, cap = SCENARIOS[name]
    # Version 2 draws from its own seed, so it is not version 1's people with fewer records.
    frame = make(n_records, seed + 1000 if cap else seed, cap)
    out = Path(out)
    frame.drop(columns=[TRUTH_COLUMN]).to_csv(out, index=False, encoding="utf-8-sig")
    truth = frame.set_index(id_column)[TRUTH_COLUMN]
    truth.to_csv(out.with_name(out.stem + "_truth.csv"))
    return out, truth, id_column


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("rows", type=int)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    path, truth, _ = write_scenario(args.scenario, args.rows, args.seed, args.out)
    print(f"wrote {path}: {len(truth)} rows, {truth.nunique()} people")


if __name__ == "__main__":
    main()
