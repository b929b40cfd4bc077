"""The rules and events screen (RulesWidget) and its notebook, on a pool of two sample files."""

from __future__ import annotations

import nbformat
import pandas as pd
import papermill
import pytest
from click.testing import CliRunner
from receivers import HttpReceiver

from workbench.cli import main
from workbench.events.delivery import set_recipient
from workbench.events.intake import ingest_file
from workbench.events.rules import list_rules
from workbench.ingest.channels import pause_channel, set_channel
from workbench.ingest.importer import import_file
from workbench.jobs.runs import NOTEBOOK_DIR
from workbench.sample import sample_events, sample_files
from workbench.store.pool import Pool
from workbench.widgets.rules_widget import RulesWidget


@pytest.fixture()
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    for path, channel in sample_files()[:2]:                  # 官网表单, 微信公众号
        import_file(pool, path, channel=channel)
    set_channel(pool, "微信公众号", owner="市场部·吴婷")
    pause_channel(pool, "微信公众号", reason="测试告警")          # an alert in the outbox
    return pool


def test_the_sample_events_give_every_outcome(pool):
    result = ingest_file(pool, sample_events())
    assert result.counts == {"applied": 3, "review": 2, "parked": 1}
    assert [r.field for r in result.refused] == ["data.new_phone"]


def test_the_widget_switches_rules_retries_and_sends(pool):
    screen = RulesWidget(pool, events_file=sample_events())
    assert "would apply" in screen.dry.value and "parked" in screen.dry.value
    screen.switches["job_changed"].value = False                # a click on the checkbox
    rules = list_rules(pool).set_index("rule")
    assert not rules.loc["job_changed", "enabled"] and rules.loc["job_changed", "version"] == 2
    ingest_file(pool, sample_events())
    screen.refresh()
    assert "app-000127" in screen.parked.value
    assert screen.retry() == {"parked": 1}
    with pool.connect() as con:
        owners = [r[0] for r in con.execute("SELECT DISTINCT recipient FROM notifications")
                  .fetchall()]
    with HttpReceiver() as hook:
        for owner in owners:
            set_recipient(pool, owner, "webhook", f"{hook.url}/in")
        sent = screen.send()
    assert owners == ["市场部·吴婷"]
    assert sent["sent"] == 1 and "delivered" in screen.message.value
    assert "已暂停" in hook.posts[0][1]["text"]


@pytest.mark.slow
def test_the_notebook_runs_headless_and_writes_the_report(pool, tmp_path):
    assert set(papermill.inspect_notebook(str(NOTEBOOK_DIR / "rules_events.ipynb"))) == {
        "pool_path", "events_file", "deliver", "out_dir"}
    ingest_file(pool, sample_events())
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["--pool", str(pool.path), "run", "rules_events",
                                       "-p", "out_dir", str(out), "-p", "deliver", "true",
                                       "--runs-dir", str(tmp_path / "runs")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    executed = next((tmp_path / "runs").glob("*/rules_events.ipynb"))
    nb = nbformat.read(executed, as_version=4)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    sheets = pd.read_excel(out / "events_report.xlsx", sheet_name=None)
    assert len(sheets["rules"]) == 6
    assert set(sheets["dry run"]["outcome"]) == {"duplicate"}   # all taken already
    assert sheets["parked"]["event_id"].tolist() == ["app-000127"]
    assert sheets["refused"]["field"].tolist() == ["data.new_phone"]
    assert len(sheets["outbox"]) > 0
