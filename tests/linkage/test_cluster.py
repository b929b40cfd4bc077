"""Clustering: strong links first, no chains through weak bridges, constraints, stable ids."""

import pandas as pd
import pytest

from workbench.linkage.cluster import assign_stable_ids, cluster_pairs


def _pairs(rows):
    return pd.DataFrame(rows, columns=["id_l", "id_r", "match_weight"])


def _groups(keys: pd.Series) -> set[frozenset]:
    return {frozenset(g.index) for _, g in keys.groupby(keys) if len(g) > 1}


# (case, pairs, threshold, expected groups of two or more)
CASES = [
    ("a chain of strong links is one cluster",
     [(1, 2, 20.0), (2, 3, 18.0)], 5.0, {frozenset({1, 2, 3})}),
    ("a pair below the threshold does not link",
     [(1, 2, 4.0)], 5.0, set()),
    # Two people (1,2) and (3,4); a weak wrong link 2-3 passes the threshold, but 1-3, 1-4 and
    # 2-4 were compared and came out clearly different: the bridge is cut.
    ("a weak bridge between two people is cut",
     [(1, 2, 25.0), (3, 4, 25.0), (2, 3, 6.0), (1, 3, -12.0), (1, 4, -12.0), (2, 4, -10.0)],
     5.0, {frozenset({1, 2}), frozenset({3, 4})}),
    # Same person after a phone change: 1-2 share the old phone, 2-3 the e-mail, 1-3 share
    # only the name and disagree on phone; the join still holds on average.
    ("a person who changed phone stays whole",
     [(1, 2, 25.0), (2, 3, 22.0), (1, 3, -2.0)], 5.0, {frozenset({1, 2, 3})}),
    # A star of namesakes around one generic record: each link is weak and all the others
    # disagree with each other, so at most one joins the hub.
    ("namesakes do not chain through a hub",
     [(0, 1, 6.0), (0, 2, 5.9), (0, 3, 5.8), (1, 2, -9.0), (1, 3, -9.0), (2, 3, -9.0)],
     5.0, {frozenset({0, 1})}),
]


@pytest.mark.parametrize("case,rows,threshold,expected", CASES, ids=[c[0] for c in CASES])
def test_cluster_cases(case, rows, threshold, expected):
    ids = sorted({r[0] for r in rows} | {r[1] for r in rows} | {99})
    keys = cluster_pairs(ids, _pairs(rows), threshold)
    assert _groups(keys) == expected
    assert keys[99] == 99  # a record without pairs is its own cluster


def test_cannot_link_keeps_apart_and_must_link_joins():
    rows = [(1, 2, 30.0), (3, 4, 1.0)]
    keys = cluster_pairs([1, 2, 3, 4], _pairs(rows), 5.0, cannot_link=[(1, 2)],
                         must_link=[(3, 4)])
    assert _groups(keys) == {frozenset({3, 4})}


def test_cannot_link_blocks_an_indirect_join():
    rows = [(1, 2, 30.0), (2, 3, 30.0)]
    keys = cluster_pairs([1, 2, 3], _pairs(rows), 5.0, cannot_link=[(1, 3)])
    groups = _groups(keys)
    assert frozenset({1, 2, 3}) not in groups
    assert all(not ({1, 3} <= g) for g in groups)


def test_stable_ids_keep_unchanged_clusters_and_the_largest_old_part():
    previous = pd.Series({1: 7, 2: 7, 3: 8, 4: 8, 5: 8, 6: 9})
    # Now: {1,2} unchanged; 3 split off from {4,5}; {6} grew with new record 10; 11 is new.
    keys = pd.Series({1: 1, 2: 1, 3: 3, 4: 4, 5: 4, 6: 6, 10: 6, 11: 11})
    ids = assign_stable_ids(keys, previous)
    assert ids[1] == ids[2] == 7
    assert ids[4] == ids[5] == 8  # the bigger part of the old cluster 8 keeps its id
    assert ids[3] not in (7, 8, 9)
    assert ids[6] == ids[10] == 9
    assert ids[11] not in (7, 8, 9, ids[3])
    assert len({ids[3], ids[11]}) == 2


def test_stable_ids_when_two_old_clusters_merge():
    previous = pd.Series({1: 5, 2: 5, 3: 6})
    ids = assign_stable_ids(pd.Series({1: 1, 2: 1, 3: 1}), previous)
    assert set(ids) == {5}  # the merged cluster keeps the id of its largest old part


def test_first_run_numbers_from_next_id():
    ids = assign_stable_ids(pd.Series({10: 10, 11: 10, 12: 12}), None, next_id=1)
    assert sorted(set(ids)) == [1, 2]
    assert ids[10] == ids[11]


def _reference(ids, rows, threshold, must=(), cannot=(), min_mean=0.0):
    """Strongest link first, the mean weight between two clusters recomputed from scratch."""
    cluster = {i: frozenset([i]) for i in ids}
    weights = {}
    for a, b, w in rows:
        weights.setdefault(frozenset((a, b)), []).append(w)
    forbidden = {frozenset(c) for c in cannot}

    def join(a, b):
        merged = cluster[a] | cluster[b]
        for m in merged:
            cluster[m] = merged

    for a, b in must:
        join(a, b)
    for a, b, _ in sorted((r for r in rows if r[2] >= threshold), key=lambda r: -r[2]):
        ca, cb = cluster[a], cluster[b]
        if ca == cb:
            continue
        between = [(x, y) for x in ca for y in cb]
        if any(frozenset(p) in forbidden for p in between):
            continue
        scored = [v for p in between for v in weights.get(frozenset(p), [])]
        if not scored or sum(scored) / len(scored) >= min_mean:
            join(a, b)
    return {c for c in cluster.values() if len(c) > 1}


@pytest.mark.parametrize("seed", range(12))
def test_clusters_equal_a_from_scratch_walk_on_random_graphs(seed):
    # Random graphs with many disputed components (weak and negative pairs inside them) and
    # many undisputed ones: the fast path for the latter must give what the walk gives.
    import numpy as np

    rng = np.random.default_rng(seed)
    n = 60
    ids = list(range(100, 100 + n))
    rows, seen = [], set()
    for _ in range(90):
        a, b = sorted(rng.choice(ids, 2, replace=False).tolist())
        if (a, b) in seen:
            continue
        seen.add((a, b))
        # Distinct weights: ties would make the order of equal links matter.
        rows.append((a, b, round(float(rng.normal(4, 9)), 6) + len(rows) * 1e-7))
    must = [tuple(sorted(rng.choice(ids, 2, replace=False).tolist())) for _ in range(2)]
    cannot = [tuple(sorted(rng.choice(ids, 2, replace=False).tolist())) for _ in range(3)]
    cannot = [c for c in cannot if c not in must]
    keys = cluster_pairs(ids, _pairs(rows), 5.0, must_link=must, cannot_link=cannot)
    assert _groups(keys) == _reference(ids, rows, 5.0, must, cannot)
    # Every key is the smallest record id of its cluster.
    for key, group in keys.groupby(keys):
        assert key == min(group.index)
