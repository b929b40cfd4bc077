"""Clusters from scored pairs: strong links only, no chains of namesakes, stable ids.

Connected components of every pair above a threshold chain different people together: one
wrong link between two 王伟 joins their whole histories, and a shared pinyin e-mail user name
(`wei.wang@…`) joins hundreds. Here links are taken strongest first, and two clusters join only
when the pairs scored between them agree on average: a pair that was compared and came out
clearly different (another phone, another company) counts against the join. Reviewers'
decisions win over scores: `must_link` joins, `cannot_link` keeps apart.

Cluster ids are stable: a cluster whose members did not change keeps its id, and a cluster
that grew or split keeps the id of its largest old part.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd
from tqdm import tqdm

log = logging.getLogger(__name__)

# Two clusters join only when the pairs compared between them average at least this weight.
MIN_MEAN_WEIGHT = 0.0


class _Clusters:
    """Union-find with, per cluster, the sum and count of scored weights to each neighbour."""

    def __init__(self) -> None:
        self.parent: dict = {}
        self.members: dict = {}
        self.links: dict = {}  # root -> {root: [weight sum, pair count, forbidden]}

    def add(self, node) -> None:
        if node not in self.parent:
            self.parent[node] = node
            self.members[node] = [node]
            self.links[node] = {}

    def find(self, node):
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def note(self, a, b, weight: float, forbidden: bool = False) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        for x, y in ((ra, rb), (rb, ra)):
            entry = self.links[x].setdefault(y, [0.0, 0, False])
            entry[0] += weight
            entry[1] += 1
            entry[2] = entry[2] or forbidden

    def join_allowed(self, ra, rb, min_mean: float) -> bool:
        entry = self.links[ra].get(rb)
        if entry is None:
            return True
        total, count, forbidden = entry
        return not forbidden and total / count >= min_mean

    def union(self, ra, rb):
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        small = self.links.pop(rb)
        self.links[ra].pop(rb, None)
        for other, (total, count, forbidden) in small.items():
            if other == ra:
                continue
            mine = self.links[ra].setdefault(other, [0.0, 0, False])
            mine[0] += total
            mine[1] += count
            mine[2] = mine[2] or forbidden
            theirs = self.links[other]
            theirs.pop(rb, None)
            theirs[ra] = list(mine)
        return ra


def cluster_pairs(
    record_ids: Iterable,
    pairs: pd.DataFrame,
    threshold_weight: float,
    *,
    must_link: Iterable[tuple] = (),
    cannot_link: Iterable[tuple] = (),
    min_mean_weight: float = MIN_MEAN_WEIGHT,
    progress: bool = False,
) -> pd.Series:
    """Cluster records from their scored pairs.

    Args:
        record_ids: every record to cluster (records without pairs become singletons).
        pairs: columns id_l, id_r, match_weight: every scored pair, also those below the
            threshold (they are the evidence against a join).
        threshold_weight: a pair links only at or above this match weight.
        must_link: pairs reviewers joined; always in one cluster.
        cannot_link: pairs reviewers separated; never in one cluster.
        min_mean_weight: two clusters join only when the pairs scored between them average at
            least this weight.
        progress: show a progress bar.

    Returns:
        A Series indexed by record id: a provisional cluster key (the smallest record id of the
        cluster). `assign_stable_ids` turns keys into stable cluster ids.

    Example:
        >>> pairs = pd.DataFrame({"id_l": [1, 2], "id_r": [2, 3], "match_weight": [9.0, 8.0]})
        >>> cluster_pairs([1, 2, 3, 4], pairs, 5.0).tolist()
        [1, 1, 1, 4]
    """
    ids = pd.Index(pd.unique(np.asarray(list(record_ids), dtype=object)))
    must = list(must_link)
    cannot = list(cannot_link)
    strong = pairs[pairs["match_weight"] >= threshold_weight]
    # Only pairs inside a component of strong links can matter; keep the rest out of Python.
    component = _components(strong, must)
    cl = _Clusters()
    for node in component.index:
        cl.add(node)
    if len(component):
        comp_l = pairs["id_l"].map(component)
        comp_r = pairs["id_r"].map(component)
        inside = pairs[(comp_l.notna() & (comp_l == comp_r)).to_numpy()]
        for a, b, w in zip(inside["id_l"].tolist(), inside["id_r"].tolist(),
                           inside["match_weight"].tolist(), strict=True):
            cl.note(a, b, w)
    for a, b in cannot:
        if a in cl.parent and b in cl.parent:
            cl.note(a, b, 0.0, forbidden=True)
    for a, b in must:
        ra, rb = cl.find(a), cl.find(b)
        if ra != rb:
            cl.union(ra, rb)
    ordered = strong.sort_values("match_weight", ascending=False, kind="stable")
    edges = zip(ordered["id_l"].tolist(), ordered["id_r"].tolist(), strict=True)
    for a, b in tqdm(edges, total=len(ordered), disable=not progress, desc="clustering",
                     unit="link"):
        ra, rb = cl.find(a), cl.find(b)
        if ra != rb and cl.join_allowed(ra, rb, min_mean_weight):
            cl.union(ra, rb)
    key = {}
    for members in cl.members.values():
        smallest = min(members)
        for m in members:
            key[m] = smallest
    result = pd.Series(ids, index=ids, dtype=object)
    linked = pd.Series(key, dtype=object)
    linked = linked[linked.index.isin(ids)]
    result.loc[linked.index] = linked.to_numpy()
    return result


def _components(strong: pd.DataFrame, must: list[tuple]) -> pd.Series:
    """Connected components of the strong links (and must-links): node -> component root."""
    parent: dict = {}

    def find(x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    a_list = strong["id_l"].tolist() + [m[0] for m in must]
    b_list = strong["id_r"].tolist() + [m[1] for m in must]
    for a, b in zip(a_list, b_list, strict=True):
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    return pd.Series({x: find(x) for x in parent}, dtype=object)


def assign_stable_ids(
    keys: pd.Series, previous: pd.Series | None = None, next_id: int = 1
) -> pd.Series:
    """Cluster ids that survive re-clustering.

    Each new cluster takes the old id that most of its members had (its largest old part), as
    long as no bigger part of another new cluster claims that id first; the rest get new ids
    counting up from `next_id` (or past the largest old id).

    Args:
        keys: record id -> provisional cluster key (from `cluster_pairs`).
        previous: record id -> cluster id from the last run, for the records that had one.
        next_id: the first new id when there are no old ones above it.

    Returns:
        record id -> cluster id (int).

    Example:
        >>> assign_stable_ids(pd.Series({1: 1, 2: 1, 3: 3}), pd.Series({1: 10, 2: 10}))
        1    10
        2    10
        3    11
        dtype: int64
    """
    frame = pd.DataFrame({"record_id": keys.index, "key": keys.to_numpy()})
    result: dict = {}
    taken: set = set()
    if previous is not None and len(previous):
        old = pd.Series(previous.to_numpy(), index=previous.index)
        frame["old"] = frame["record_id"].map(old)
        overlap = (frame.dropna(subset=["old"]).groupby(["key", "old"]).size()
                   .reset_index(name="n").sort_values(["n", "old"], ascending=[False, True],
                                                      kind="stable"))
        for key, old_id, _ in overlap.itertuples(index=False):
            if key in result or old_id in taken:
                continue
            result[key] = int(old_id)
            taken.add(old_id)
        next_id = max(next_id, int(old.max()) + 1)
    fresh = [k for k in pd.unique(frame["key"]) if k not in result]
    for offset, key in enumerate(fresh):
        result[key] = next_id + offset
    return pd.Series(frame["key"].map(result).astype("int64").to_numpy(), index=keys.index)
