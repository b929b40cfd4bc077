"""End to end through the real linkage: sample files → Splink → merge → split that stays split."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from support.leadpool_cases import import_rows, lead_of

from workbench.ingest.importer import import_file
from workbench.leads.decisions import Decision, decide
from workbench.leads.merge import commit_merges
from workbench.leads.review import review_queue
from workbench.linkage.link import dedupe_pool
from workbench.sample import sample_files, sample_truth
from workbench.store.pool import Pool


def _cluster_of(pool, record_id):
    with pool.connect() as con:
        rows = con.execute("SELECT cluster_id FROM clusters WHERE record_id = ?",
                           [record_id]).fetchall()
    return rows[0][0] if rows else None


@pytest.mark.slow
def test_real_linkage_merge_and_a_split_that_survives_full_and_incremental_runs(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    for path, channel in sample_files():
        import_file(pool, path, channel=channel)
    dedupe_pool(pool)
    result = commit_merges(pool, 0.95)
    assert result.clusters > 100

    # the merged leads are right: record pairs inside a lead are the same person (truth)
    truth = pd.read_csv(sample_truth()).set_index("lead_id")["entity_id"]
    with pool.connect() as con:
        members = con.execute("""
            SELECT m.lead_id, r.record_id, r.source_id FROM current_membership m
            JOIN records r USING (record_id) WHERE m.lead_id IS NOT NULL""").df()
    # each channel file names its own lead-id column (线索编号, lead_id, ...): kept as source_id
    members["entity"] = members.source_id.map(truth)
    assert members.entity.notna().mean() > 0.99
    same = total = 0
    for _, group in members.groupby("lead_id"):
        for a, b in itertools.combinations(group.entity, 2):
            total += 1
            same += a == b
    assert total > 100 and same / total >= 0.95

    # split one record out of a merged lead of at least three
    sizes = members.groupby("lead_id").record_id.agg(list)
    ids = sorted(next(v for v in sizes if len(v) >= 3))
    leaver, stayers = ids[-1], ids[:-1]
    cluster = _cluster_of(pool, leaver)
    decide(pool, Decision(cluster, tuple(ids), "split", leaving=(leaver,)), reason="another person")
    assert lead_of(pool, leaver) != lead_of(pool, stayers[0])

    # a full run honours the cannot-link constraints: the split does not come back together
    dedupe_pool(pool)
    assert _cluster_of(pool, leaver) != _cluster_of(pool, stayers[0])
    commit_merges(pool, 0.5)
    assert lead_of(pool, leaver) != lead_of(pool, stayers[0])
    assert all(lead_of(pool, s) == lead_of(pool, stayers[0]) for s in stayers)

    # nor does an incremental run when the same person arrives again in a new batch
    with pool.connect() as con:
        name, phone = con.execute("SELECT name, phone FROM records WHERE record_id = ?",
                                  [leaver]).fetchall()[0]
    import_rows(pool, tmp_path / "in", "官网表单", [{"name": name, "phone": phone[3:]}])
    with pool.connect() as con:
        batch = con.execute("SELECT max(batch_id) FROM batches").fetchall()[0][0]
    from workbench.linkage.link import link_batch
    link_batch(pool, batch)
    commit_merges(pool, 0.5)
    assert lead_of(pool, leaver) != lead_of(pool, stayers[0])
    assert _cluster_of(pool, leaver) != _cluster_of(pool, stayers[0])
    assert stayers[0] not in set(
        int(x) for s in review_queue(pool).signature for x in s.split(",")
        if str(leaver) in s.split(","))
