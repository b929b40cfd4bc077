"""The leads widget driven from Python: find, story, edit with a reason, undo."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.jobs.headless import write_lookup
from workbench.leads.lookup import ensure_leads, find_leads, recent_events
from workbench.store.pool import run
from workbench.widgets.leads_widget import LeadsWidget


def a_lead(pool) -> dict:
    ensure_leads(pool)
    with pool.connect(read_only=True) as con:
        return run(con, "SELECT * FROM leads WHERE phone LIKE '+861%' AND wechat IS NOT NULL "
                        "AND company IS NOT NULL ORDER BY lead_id LIMIT 1").df().iloc[0].to_dict()


def spaced(phone: str) -> str:
    """+8613812345678 → '138 1234 5678', as a person types it."""
    digits = phone[3:]
    return f"{digits[:3]} {digits[3:7]} {digits[7:]}"


@pytest.mark.parametrize("how", ["phone", "name", "wechat", "company"])
def test_find_by_each_contact(sample_pool, how):
    lead = a_lead(sample_pool)
    query = {"phone": spaced(lead["phone"]), "name": lead["name"], "wechat": lead["wechat"],
             "company": lead["company"][:4]}[how]
    found = find_leads(sample_pool, query)
    assert lead["lead_id"] in set(found["lead_id"])
    if how == "phone":  # typed with spaces, matched on digits
        digits = query.replace(" ", "")
        assert found["phone"].str.replace(r"\D", "", regex=True).str.contains(digits).all()
    else:  # every lead found carries the text in one of the searched fields
        text = found[["name", "wechat", "email", "company"]].fillna("").agg(" ".join, axis=1)
        assert text.str.contains(query, regex=False).all()


def test_an_empty_query_finds_nothing(sample_pool):
    assert find_leads(sample_pool, "  ").empty


def test_edit_with_a_reason_changes_the_lead_and_tells_its_story(sample_pool):
    lead = a_lead(sample_pool)
    leads = LeadsWidget(sample_pool, query=lead["wechat"])
    assert leads.results.value == lead["lead_id"] and leads.lead_id == lead["lead_id"]
    leads.field.value = "title"
    leads.value.value = "采购总监"
    leads.reason.value = "客户电话确认"
    leads.save_button.click()
    with sample_pool.connect(read_only=True) as con:
        title = run(con, "SELECT title FROM leads WHERE lead_id = ?", [lead["lead_id"]]).fetchone()
        edit = run(con, "SELECT value, reason FROM edits WHERE lead_id = ?",
                   [lead["lead_id"]]).fetchall()
    assert title[0] == "采购总监"
    assert edit == [("采购总监", "客户电话确认")]
    assert "field set" in leads.story.value and "title = 采购总监" in leads.story.value
    assert recent_events(sample_pool, 1)["kind"].iloc[0] == "edit"


def test_an_edit_without_a_reason_is_refused(sample_pool):
    lead = a_lead(sample_pool)
    leads = LeadsWidget(sample_pool, query=lead["wechat"])
    events = len(recent_events(sample_pool, 10_000))
    leads.value.value = "总经理"
    leads.save_button.click()
    assert "reason" in leads.message.value
    assert len(recent_events(sample_pool, 10_000)) == events


def test_undo_restores_the_field(sample_pool):
    lead = a_lead(sample_pool)
    leads = LeadsWidget(sample_pool, query=lead["wechat"])
    leads.field.value = "city"
    leads.value.value = "拉萨市"
    leads.reason.value = "test"
    edit_event = leads.save()
    assert leads.undo_choice.options[0][1] == edit_event
    leads.undo_choice.value = edit_event
    leads.undo_button.click()
    with sample_pool.connect(read_only=True) as con:
        city = run(con, "SELECT city FROM leads WHERE lead_id = ?",
                   [lead["lead_id"]]).fetchone()[0]
    assert city == lead["city"] or (city is None and pd.isna(lead["city"]))
    events = recent_events(sample_pool, 5)
    assert bool(events.loc[events.event_id == edit_event, "undone"].iloc[0])
    assert edit_event not in [v for _, v in leads.undo_choice.options]


def test_lookup_file_is_masked(sample_pool, tmp_path):
    lead = a_lead(sample_pool)
    path = write_lookup(sample_pool, lead["wechat"], tmp_path)
    sheets = pd.read_excel(path, sheet_name=None)
    assert set(sheets) == {"leads", "history", "recent events"}
    shown = sheets["leads"].iloc[0]
    assert "*" in str(shown["phone"]) and str(shown["phone"]) != lead["phone"]
    assert set(sheets["history"]["lead_id"]) >= {lead["lead_id"]}
