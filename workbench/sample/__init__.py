"""The bundled sample: five channel files of 2,500 leads of 1,625 people, in the formats channels
really send, and the channels as the demo pool knows them. `truth.csv` says which leads are one
person (made by `workbench.testdata.generate.write_sample`)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from workbench.errors import InputError

OWN, THIRD_PARTY = "own", "third_party"


@dataclass(frozen=True)
class Channel:
    """A source of leads, as the demo pool knows it.

    Attributes:
        name: The channel's name (渠道), as it appears in the pool.
        kind: `own` or `third_party`; own channels win conflicts.
        priority: Conflict priority, higher wins when update times tie.
        owner: Who answers for the channel's data quality.
        weight: The share of leads arriving through it.
        fields: The standard fields the channel collects.
        slug: The stem of the channel's file name.
    """

    name: str
    kind: str
    priority: int
    owner: str
    weight: float
    fields: tuple[str, ...]
    slug: str


CHANNELS: dict[str, Channel] = {
    c.name: c
    for c in (
        Channel("官网表单", OWN, 90, "市场部·周敏", 0.22,
                ("name", "phone", "email", "wechat", "qq", "company", "title", "province",
                 "city", "updated_at"), "web_form"),
        Channel("微信公众号", OWN, 85, "市场部·吴婷", 0.18,
                ("name", "phone", "wechat", "gender", "province", "city", "updated_at"),
                "wechat_mp"),
        Channel("线下门店", OWN, 80, "客服部·郑丽", 0.10,
                ("name", "phone", "wechat", "gender", "age", "birth_date", "id_number", "city",
                 "address", "amount", "owner", "updated_at"), "store"),
        Channel("展会", OWN, 75, "市场部·孙浩", 0.15,
                ("name", "phone", "email", "company", "title", "province", "city", "address",
                 "owner", "updated_at"), "trade_show"),
        Channel("呼叫中心", OWN, 70, "客服部·马超", 0.08,
                ("name", "phone", "company", "title", "city", "amount", "owner", "updated_at"),
                "call_centre"),
        Channel("抖音广告", THIRD_PARTY, 40, "市场部·林琳", 0.15,
                ("name", "phone", "douyin", "gender", "age", "province", "city", "updated_at"),
                "douyin_ads"),
        Channel("第三方平台", THIRD_PARTY, 30, "市场部·何洋", 0.12,
                ("name", "phone", "email", "qq", "kuaishou", "company", "title", "province",
                 "city", "address", "amount", "updated_at"), "third_party"),
    )
}


# The sample's channels, in import order, with their files.
SAMPLE_FILES: dict[str, str] = {"官网表单": "web_form.csv", "微信公众号": "wechat_mp.jsonl",
                                "展会": "trade_show.xlsx", "抖音广告": "douyin_ads.csv",
                                "线下门店": "store.xlsx"}
SAMPLE_CHANNELS: tuple[str, ...] = tuple(SAMPLE_FILES)


def sample_files() -> list[tuple[Path, str]]:
    """The bundled sample's channel files with the channel each came from.

    Returns:
        (path, channel) pairs; `sample_truth()` holds the lead_id -> entity_id truth.

    Example:
        >>> [channel for _, channel in sample_files()][:2]
        ['官网表单', '微信公众号']
    """
    folder = Path(str(resources.files("workbench") / "sample"))
    found = []
    for name, file in SAMPLE_FILES.items():
        path = folder / file
        if not path.exists():
            raise InputError(f"The bundled sample file {path} is missing.",
                             fix="Reinstall the package, or rebuild the sample with "
                                 "`write_sample('workbench/sample')` in a checkout.")
        found.append((path, name))
    return found


def sample_truth() -> Path:
    """The bundled sample's `truth.csv` (lead_id, entity_id)."""
    return Path(str(resources.files("workbench") / "sample" / "truth.csv"))


def sample_events() -> Path:
    """A few events (埋点) about leads of the bundled sample, as other systems send them: one
    of each outcome (applied, for review, parked, refused), for dry runs and the notebook."""
    return Path(str(resources.files("workbench") / "sample" / "app_events.jsonl"))
