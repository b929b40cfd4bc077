"""The channel's own customer id (source_id): kept, indexed, exported, and a re-import that
carries a known one updates that customer's lead instead of making a duplicate."""

from __future__ import annotations

from events_cases import import_leads, lead_by_name

from workbench.leads.export import export_table
from workbench.leads.restore import undo
from workbench.store.pool import Pool


def _leads(pool):
    with pool.connect() as con:
        return con.execute("SELECT count(DISTINCT lead_id) FROM current_membership "
                           "WHERE lead_id IS NOT NULL").fetchone()[0]


def test_a_reimport_with_a_known_source_id_updates_the_lead(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    import_leads(pool, tmp_path / "in", "自有APP", [
        {"source_id": "U889", "name": "张伟", "phone": "13812345678", "title": "经理",
         "owner": "李销售", "updated_at": "2026-11-01 09:00:00"},
        {"source_id": "U900", "name": "王芳", "phone": "13700002222",
         "updated_at": "2026-11-01 09:00:00"}])
    before = lead_by_name(pool, "张伟")
    assert _leads(pool) == 2
    # same customer id, changed title; another channel's U900 is another customer
    result = import_leads(pool, tmp_path / "in", "自有APP", [
        {"source_id": "U889", "name": "张伟", "phone": "13812345678", "title": "采购总监",
         "updated_at": "2026-11-20 09:00:00"}])
    import_leads(pool, tmp_path / "in", "展会", [
        {"source_id": "U900", "name": "赵强", "phone": "13600009999"}])
    assert _leads(pool) == 3                                   # not a fourth lead
    after = lead_by_name(pool, "张伟")
    assert after["lead_id"] == before["lead_id"] and after["title"] == "采购总监"
    assert after["members"] == 2                                # both versions kept
    with pool.connect() as con:
        assert con.execute("SELECT count(*) FROM notifications WHERE recipient = '李销售'"
                           ).fetchone()[0] == 1                 # the owner hears of it
        versions = con.execute("SELECT title FROM records WHERE source_id = 'U889' "
                               "ORDER BY record_id").fetchall()
        indexes = con.execute("SELECT sql FROM duckdb_indexes() WHERE table_name = 'records'"
                              ).fetchall()
    assert versions == [("经理",), ("采购总监",)]
    assert any("(channel, source_id)" in sql for (sql,) in indexes)
    with pool.connect() as con:
        import_event = con.execute("SELECT event_id FROM events WHERE target = ?",
                                   [f"batch:{result.batch_id}"]).fetchone()[0]
    undo(pool, import_event)                                   # the update is undone with it
    assert lead_by_name(pool, "张伟")["title"] == "经理"
    path, rows = export_table(pool, "records", tmp_path / "records.csv")
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert "source_id" in header and rows == 4


def test_the_review_and_leads_screens_show_the_source_id(tmp_path):
    from workbench.leads.lookup import cluster_records
    from workbench.widgets.leads_widget import LeadsWidget
    from workbench.widgets.review_widget import side_by_side_html
    pool = Pool(tmp_path / "pool.duckdb")
    import_leads(pool, tmp_path / "in", "自有APP",
                 [{"source_id": "U889", "name": "张伟", "phone": "13812345678"},
                  {"source_id": "U890", "name": "张伟", "phone": "13812345678"}])
    page = side_by_side_html(cluster_records(pool, [1, 2]))
    assert "source_id" in page and "U889" in page and "U890" in page
    screen = LeadsWidget(pool, query="张伟")
    assert "U889" in screen.lead_view.value
