"""Linking a real pool: whole-pool runs, incremental batches, stable ids, reviewers' decisions."""

import pytest

from workbench.ingest.importer import import_file
from workbench.linkage.link import LinkResult, dedupe_pool, explain_pair, link_batch
from workbench.linkage.model import load_model
from workbench.store.pool import Pool
from workbench.testdata.generate import generate_leads

pytestmark = pytest.mark.slow


def _clusters(pool):
    with pool.connect(read_only=True) as con:
        return con.execute(
            "SELECT c.record_id, c.cluster_id, r.batch_id, r.source_row FROM clusters c "
            "JOIN records r USING (record_id) ORDER BY record_id").df()


def _truth_pairs(pool, leads):
    """Record-id pairs of the same true person, via the lead_id kept as each record's source_id."""
    with pool.connect(read_only=True) as con:
        recs = con.execute("SELECT record_id, source_id AS lead_id FROM records").df()
    recs["entity"] = recs["lead_id"].map(leads.set_index("lead_id")["entity_id"])
    return recs


@pytest.fixture(scope="module")
def pool_with_batches(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("link")
    leads = generate_leads(1000, seed=21)
    first, second = leads.iloc[:800], leads.iloc[800:]
    first.drop(columns=["entity_id"]).to_csv(tmp / "first.csv", index=False)
    second.drop(columns=["entity_id"]).to_csv(tmp / "second.csv", index=False)
    pool = Pool(tmp / "pool.duckdb")
    imported = import_file(pool, tmp / "first.csv", channel="官网表单")
    return pool, tmp, leads, imported


def test_whole_pool_run_trains_saves_and_clusters(pool_with_batches):
    pool, _, leads, imported = pool_with_batches
    assert imported.linked is None  # no model yet: the importer's hook skips
    result = dedupe_pool(pool, seed=5)
    assert result.trained and result.model_version == 1
    assert result.blocking and all(r["marginal_comparison_count"] >= 0 for r in result.blocking)
    with pool.connect(read_only=True) as con:
        linkable = con.execute("SELECT count(*) FROM records WHERE NOT coalesce(rejected, false)"
                               ).fetchall()[0][0]
        model = load_model(con)
    clusters = _clusters(pool)
    assert len(clusters) == linkable == result.records
    assert model.version == 1 and "phone" in model.comparisons()

    recs = _truth_pairs(pool, leads).merge(clusters, on="record_id")
    found = recs.merge(recs, on="cluster_id")
    found = found[found["record_id_x"] < found["record_id_y"]]
    precision = (found["entity_x"] == found["entity_y"]).mean()
    same = recs.merge(recs, on="entity")
    same = same[same["record_id_x"] < same["record_id_y"]]
    recall = (same["cluster_id_x"] == same["cluster_id_y"]).mean()
    assert precision > 0.97
    assert recall > 0.8


def test_rerun_keeps_cluster_ids_and_model(pool_with_batches):
    pool = pool_with_batches[0]
    before = _clusters(pool).set_index("record_id")["cluster_id"]
    result = dedupe_pool(pool)
    after = _clusters(pool).set_index("record_id")["cluster_id"]
    assert not result.trained and result.model_version == 1
    assert after.equals(before)


def test_explain_pair_shows_what_agreed(pool_with_batches):
    pool = pool_with_batches[0]
    with pool.connect(read_only=True) as con:
        left, right, w = con.execute("SELECT record_id_l, record_id_r, match_weight FROM pairs "
                              "ORDER BY match_weight DESC LIMIT 1").fetchall()[0]
    frame = explain_pair(pool, left, right)
    assert frame.attrs["match_weight"] == pytest.approx(w)
    agreed = frame[frame["verdict"] == "agrees"]
    assert len(agreed) >= 1 and (agreed["weight"] > 0).all()
    assert (frame.loc[frame["verdict"] == "missing", "weight"] == 0).all()
    assert set(frame["comparison"]) >= {"name", "phone"}


def test_batch_links_against_the_pool_without_rescoring_it(pool_with_batches):
    pool, tmp, leads, _ = pool_with_batches
    before = _clusters(pool).set_index("record_id")["cluster_id"]
    imported = import_file(pool, tmp / "second.csv", channel="展会")
    linked = link_batch(pool, imported.batch_id)  # what `workbench import` does next
    assert isinstance(linked, LinkResult) and linked.kind == "incremental" and not linked.skipped
    batch_id = imported.batch_id
    after = _clusters(pool)
    new = after[after["batch_id"] == batch_id]
    assert len(new) == linked.records > 0
    with pool.connect(read_only=True) as con:
        # Every pair of the incremental run involves a record of the batch.
        old_only = con.execute(
            "SELECT count(*) FROM pairs p WHERE run_id = ? AND NOT EXISTS ("
            "SELECT 1 FROM records r WHERE r.batch_id = ? AND r.record_id IN "
            "(p.record_id_l, p.record_id_r))", [linked.run_id, batch_id]).fetchall()[0][0]
    assert old_only == 0
    # A pool cluster the batch did not touch keeps its id and members.
    after_ids = after.set_index("record_id")["cluster_id"]
    touched = set(after_ids[new["record_id"]].tolist())
    untouched = before[~before.isin(touched)]
    assert (after_ids[untouched.index] == untouched).all()
    # New records found their people in the pool.
    recs = _truth_pairs(pool, leads).merge(after, on="record_id")
    seen_before = set(recs.loc[recs["batch_id"] != batch_id, "entity"])
    returning = recs[(recs["batch_id"] == batch_id) & recs["entity"].isin(seen_before)]
    joined = returning["cluster_id"].isin(recs.loc[recs["batch_id"] != batch_id, "cluster_id"])
    assert joined.mean() > 0.7


def test_constraints_are_honoured(pool_with_batches):
    pool = pool_with_batches[0]
    clusters = _clusters(pool)
    sizes = clusters["cluster_id"].value_counts()
    pair_cluster = sizes[sizes == 2].index[0]
    a, b = (int(x) for x in clusters.loc[clusters["cluster_id"] == pair_cluster, "record_id"])
    singles = clusters[clusters["cluster_id"].isin(sizes[sizes == 1].index)]["record_id"]
    c, d = int(singles.iloc[0]), int(singles.iloc[-1])
    with pool.transaction() as con:
        con.execute("INSERT INTO link_constraints VALUES (?, ?, 'cannot_link', now(), NULL, true)",
                    [a, b])
        con.execute("INSERT INTO link_constraints VALUES (?, ?, 'must_link', now(), NULL, true)",
                    [c, d])
    dedupe_pool(pool)
    got = _clusters(pool).set_index("record_id")["cluster_id"]
    assert got[a] != got[b]
    assert got[c] == got[d]
    # Undoing the cannot-link (a later inactive row) lets them join again.
    with pool.transaction() as con:
        con.execute("INSERT INTO link_constraints VALUES (?, ?, 'cannot_link', "
                    "now() + INTERVAL 1 SECOND, NULL, false)", [a, b])
    dedupe_pool(pool)
    got = _clusters(pool).set_index("record_id")["cluster_id"]
    assert got[a] == got[b]


def test_retrain_uses_labels(pool_with_batches):
    pool = pool_with_batches[0]
    with pool.connect(read_only=True) as con:
        links = con.execute("SELECT record_id_l, record_id_r FROM pairs "
                            "WHERE match_probability > 0.99 LIMIT 20").fetchall()
    with pool.transaction() as con:
        for a, b in links:
            con.execute("INSERT INTO labels VALUES (?, ?, true, 'tester', now(), NULL, true)",
                        [a, b])
    result = dedupe_pool(pool, retrain=True, seed=5)
    assert result.trained and result.model_version == 2
    with pool.connect(read_only=True) as con:
        model = load_model(con)
    assert model.training["labels"] == len(links)


def test_link_batch_without_a_model_does_nothing(tmp_path):
    leads = generate_leads(30, seed=2)
    leads.drop(columns=["entity_id"]).to_csv(tmp_path / "a.csv", index=False)
    pool = Pool(tmp_path / "pool.duckdb")
    imported = import_file(pool, tmp_path / "a.csv", channel="官网表单")
    nothing = link_batch(pool, imported.batch_id)
    assert isinstance(nothing, LinkResult) and "dedupe" in nothing.skipped
    assert (nothing.records, nothing.links, nothing.clusters, nothing.run_id) == (0, 0, 0, 0)
    assert _clusters(pool).empty
    assert imported.linked is None  # import_file itself does not link


def test_cli_dedupe_and_explain(pool_with_batches):
    from click.testing import CliRunner

    from workbench.cli import main
    pool = pool_with_batches[0]
    result = CliRunner().invoke(main, ["--pool", str(pool.path), "dedupe"])
    assert result.exit_code == 0, result.output
    assert "blocking l.phone_last8 = r.phone_last8:" in result.output
    assert "Linked the whole pool" in result.output
    with pool.connect(read_only=True) as con:
        left, right = con.execute("SELECT record_id_l, record_id_r FROM pairs "
                                  "ORDER BY match_weight DESC LIMIT 1").fetchall()[0]
    shown = CliRunner().invoke(main, ["--pool", str(pool.path), "explain", str(left), str(right)])
    assert shown.exit_code == 0, shown.output
    assert "agrees" in shown.output
    missing = CliRunner().invoke(main, ["--pool", str(pool.path), "explain", "1", "1"])
    assert missing.exit_code == 2 and "has not been scored" in missing.output


def test_batch_scores_as_a_whole_pool_run_would(tmp_path):
    """The incremental path prepares only what the batch needs (its pool candidates, term
    frequencies and name-block sizes counted in the pool): its pairs are the whole run's."""
    import shutil

    leads = generate_leads(1500, seed=33)
    leads.iloc[:1200].drop(columns=["entity_id"]).to_csv(tmp_path / "pool.csv", index=False)
    leads.iloc[1200:].drop(columns=["entity_id"]).to_csv(tmp_path / "batch.csv", index=False)
    pool = Pool(tmp_path / "incremental.duckdb")
    import_file(pool, tmp_path / "pool.csv", channel="官网表单")
    dedupe_pool(pool, seed=5)
    batch = import_file(pool, tmp_path / "batch.csv", channel="展会")
    shutil.copy(pool.path, tmp_path / "whole.duckdb")
    whole = Pool(tmp_path / "whole.duckdb")

    linked = link_batch(pool, batch.batch_id)
    full = dedupe_pool(whole)  # the same model, scoring pool and batch together
    assert not full.trained

    def batch_pairs(p, run_id):
        with p.connect(read_only=True) as con:
            return con.execute(
                "SELECT record_id_l, record_id_r, match_weight, gammas FROM pairs "
                "WHERE run_id = ? AND (record_id_l IN (SELECT record_id FROM records "
                "WHERE batch_id = ?) OR record_id_r IN (SELECT record_id FROM records "
                "WHERE batch_id = ?)) ORDER BY 1, 2",
                [run_id, batch.batch_id, batch.batch_id]).df()

    got = batch_pairs(pool, linked.run_id)
    want = batch_pairs(whole, full.run_id)
    assert len(got) > 100
    assert got[["record_id_l", "record_id_r"]].equals(want[["record_id_l", "record_id_r"]])
    assert (got["match_weight"] - want["match_weight"]).abs().max() < 1e-6
    assert got["gammas"].equals(want["gammas"])
