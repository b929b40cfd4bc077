"""The event contract: one JSON object per event, as other systems send them.

    {"event_id": "app-000123", "system": "自有APP", "type": "phone_changed",
     "occurred_at": "2026-11-30T10:00:00+08:00",
     "lead": {"channel": "自有APP", "source_id": "U889"},      # or {"phone": …} | {"email": …}
     "data": {"old_phone": "13812345678", "new_phone": "13987654321", "verified": true}}

The same object is a line of a `.jsonl` file. Unknown fields are kept (the event is stored as
sent); a malformed event is refused with an `EventRefused` that names the field and the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from workbench.errors import EventRefused

# What each type of event carries in `data`: field -> (kind, required).
EVENT_TYPES: dict[str, dict[str, tuple[str, bool]]] = {
    "phone_changed": {"new_phone": ("phone", True), "old_phone": ("phone", False),
                      "verified": ("bool", True)},
    "email_bounced": {"email": ("text", False), "reason": ("text", False)},
    "unsubscribed": {"reason": ("text", False)},
    "wechat_bound": {"wechat": ("text", True)},
    "job_changed": {"company": ("text", False), "title": ("text", False)},
    "referral_visit": {"params": ("object", True), "url": ("text", False)},
}
# The ways an event names its lead: the channel's own id, or one contact value.
LEAD_KEYS: tuple[str, ...] = ("phone", "email", "wechat")
MAX_ID_LENGTH = 200


@dataclass(frozen=True)
class Event:
    """One valid event. `body` is the object as sent (unknown fields included)."""

    event_id: str
    system: str
    type: str
    occurred_at: str
    lead: dict
    data: dict
    body: dict

    def lead_key(self) -> tuple[str, ...]:
        """('source_id', channel, id) or (field, value): how the event names its lead."""
        if "source_id" in self.lead:
            return ("source_id", self.lead["channel"], self.lead["source_id"])
        field = next(k for k in LEAD_KEYS if k in self.lead)
        return (field, self.lead[field])

    def to_json(self) -> str:
        return json.dumps(self.body, ensure_ascii=False, sort_keys=True)


def parse_event(text: str | bytes) -> Event:
    """Read one event from JSON text; EventRefused when it is not JSON or breaks the contract."""
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        raise EventRefused("(body)", f"不是合法的 JSON not valid JSON: {err}") from err
    return validate_event(value)


def validate_event(value) -> Event:
    """Check one decoded event against the contract and return it as an `Event`.

    Example:
        >>> validate_event({"event_id": "e1", "system": "APP", "type": "unsubscribed",
        ...                 "occurred_at": "2026-11-30T10:00:00+08:00",
        ...                 "lead": {"phone": "13812345678"}, "data": {}}).type
        'unsubscribed'
    """
    if not isinstance(value, dict):
        raise EventRefused("(body)", f"一个事件必须是 JSON 对象 an event must be a JSON object, "
                                     f"got {type(value).__name__}")
    event_id = value.get("event_id")
    eid = event_id if isinstance(event_id, str) else None

    def refuse(field: str, reason: str):
        raise EventRefused(field, reason, event_id=eid)

    for name in ("event_id", "system", "type", "occurred_at"):
        text = value.get(name)
        if name not in value:
            refuse(name, "缺少 missing")
        if not isinstance(text, str) or not text.strip():
            refuse(name, f"必须是非空文本 must be non-empty text, got {json.dumps(text)}")
    if len(event_id) > MAX_ID_LENGTH:
        refuse("event_id", f"长度超过 {MAX_ID_LENGTH} longer than {MAX_ID_LENGTH} characters")
    if value["type"] not in EVENT_TYPES:
        refuse("type", f"未知类型 unknown type '{value['type']}'; known: "
                       f"{', '.join(EVENT_TYPES)}")
    try:
        stamp = datetime.fromisoformat(value["occurred_at"])
    except ValueError:
        refuse("occurred_at", f"不是 ISO 8601 时间 not an ISO 8601 time: '{value['occurred_at']}'")
    if stamp.tzinfo is None:
        refuse("occurred_at", "缺少时区 needs a time zone, e.g. 2026-11-30T10:00:00+08:00")
    lead = _valid_lead(value.get("lead"), refuse)
    data = value.get("data", {})
    if not isinstance(data, dict):
        refuse("data", "必须是 JSON 对象 must be a JSON object")
    for name, (kind, required) in EVENT_TYPES[value["type"]].items():
        if name not in data:
            if required:
                refuse(f"data.{name}", f"{value['type']} 事件必须有此项 is required for "
                                       f"{value['type']}")
            continue
        _check_kind(f"data.{name}", data[name], kind, refuse)
    if value["type"] == "job_changed" and not any(data.get(k) for k in ("company", "title")):
        refuse("data.company", "job_changed 需要 company 或 title needs a company or a title")
    return Event(event_id=event_id, system=value["system"].strip(), type=value["type"],
                 occurred_at=value["occurred_at"], lead=lead, data=data, body=value)


def _valid_lead(lead, refuse) -> dict:
    if not isinstance(lead, dict):
        refuse("lead", "必须是 JSON 对象 must be a JSON object naming the lead: "
                       '{"channel", "source_id"} or one of {"phone"}, {"email"}, {"wechat"}')
    for name, text in lead.items():
        if name in ("channel", "source_id", *LEAD_KEYS) and (
                not isinstance(text, str) or not text.strip()):
            refuse(f"lead.{name}", f"必须是非空文本 must be non-empty text, got {json.dumps(text)}")
    if "source_id" in lead or "channel" in lead:
        missing = "channel" if "source_id" in lead else "source_id"
        if missing not in lead:
            refuse(f"lead.{missing}", "channel 与 source_id 必须同时给出 channel and source_id "
                                      "go together")
        return {"channel": lead["channel"].strip(), "source_id": lead["source_id"].strip()}
    given = [k for k in LEAD_KEYS if k in lead]
    if len(given) != 1:
        refuse("lead", "需要 channel+source_id 或恰好一个联系方式 needs channel+source_id or "
                       f"exactly one of {', '.join(LEAD_KEYS)}; got {', '.join(lead) or 'none'}")
    return {given[0]: lead[given[0]].strip()}


def _check_kind(field: str, value, kind: str, refuse) -> None:
    if kind == "bool" and not isinstance(value, bool):
        refuse(field, f"必须是 true 或 false must be true or false, got {json.dumps(value)}")
    if kind == "object" and not isinstance(value, dict):
        refuse(field, "必须是 JSON 对象 must be a JSON object")
    if kind in ("text", "phone") and (not isinstance(value, str) or not value.strip()):
        refuse(field, f"必须是非空文本 must be non-empty text, got {json.dumps(value)}")
    if kind == "phone":
        from workbench.ingest.standardise import standardise_phone
        if not standardise_phone(value):
            refuse(field, f"不是有效的电话号码 not a valid phone number: '{value}'")
