"""The `workbench events` and `workbench rules` commands on a real pool."""

from __future__ import annotations

from click.testing import CliRunner
from events_cases import event, import_leads, lead_by_name, write_jsonl

from workbench.cli import main
from workbench.store.pool import Pool


def test_ingest_list_retry_and_rules_from_the_command_line(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    import_leads(pool, tmp_path / "in", "自有APP",
                 [{"source_id": "U889", "name": "张伟", "phone": "13812345678"}])

    def cli(*args, ok=True):
        result = CliRunner().invoke(main, ["--pool", str(pool.path), *args])
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    path = write_jsonl(tmp_path / "e.jsonl", [
        event("app-1"), event("app-2", lead={"channel": "自有APP", "source_id": "U5"}),
        {**event("app-3"), "type": "teleported"}])
    dry = cli("rules", "dry-run", str(path))
    assert "would apply" in dry and "nothing changed" in dry
    assert lead_by_name(pool, "张伟")["phone"] == "+8613812345678"
    out = cli("events", "ingest", str(path))
    assert "1 applied, 1 parked" in out and "1 refused" in out
    assert "field 'type'" in out and "row 3" in out
    listing = cli("events")
    assert "rule:phone_changed" in listing                      # the history event
    assert "app-1" in listing and "applied" in listing and "app-2" in listing
    assert "refused events" in listing and "teleported" in listing and "e.jsonl:3" in listing
    assert "app-1" not in cli("events", "--status", "parked")
    assert "1 parked" in cli("events", "retry")
    assert "off (version 2)" in cli("rules", "disable", "wechat_bound")
    assert "wechat_bound    off" in cli("rules", "list")
    assert "There is no rule 'nope'" in cli("rules", "enable", "nope", ok=False)
