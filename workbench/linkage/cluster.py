"""Clusters from scored pairs: strong links only, no chains of namesakes, stable ids.

Connected components of every pair above a threshold chain different people together: one
wrong link between two 王伟 joins their whole histories, and a shared pinyin e-mail user name
(`wei.wang@…`) joins hundreds. Here links are taken strongest first, and two clusters join only
when the pairs scored between them agree on average: a pair that was compared and came out
clearly different (another phone, another company) counts against the join. Reviewers'
decisions win over scores: `must_link` joins, `cannot_link` keeps apart.

A cluster never holds two clearly different full names (`linkage.names`) unless the link that
joined them is one where a personal identifier agrees (`tie`): 刘总 may link with 刘建 and with
刘强 of one company, but 刘建 and 刘强 are not chained through 刘总.

Cluster ids are stable: a cluster whose members did not change keeps its id, and a cluster
that grew or split keeps the id of its largest old part.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from tqdm import tqdm

from workbench.linkage.names import NameParts, names_differ

log = logging.getLogger(__name__)

# Two clusters join only when the pairs compared between them average at least this weight.
MIN_MEAN_WEIGHT = 0.0


class _Clusters:
    """Union-find with, per cluster, the sum and count of scored weights to each neighbour."""

    def __init__(self) -> None:
        self.parent: dict = {}
        self.members: dict = {}
        self.links: dict = {}  # root -> {root: [weight sum, pair count, forbidden]}
        self.names: dict = {}  # root -> the distinct full names of its members

    def add(self, node, name: NameParts | None = None) -> None:
        if node not in self.parent:
            self.parent[node] = node
            self.members[node] = [node]
            self.links[node] = {}
            self.names[node] = {name} if name is not None else set()

    def names_apart(self, ra, rb) -> bool:
        """Whether the two clusters hold two clearly different full names."""
        return any(names_differ(x, y) for x in self.names[ra] for y in self.names[rb])

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
        self.names[ra] |= self.names.pop(rb)
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
    names: pd.DataFrame | None = None,
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
        names: indexed by record id, columns name_pinyin, name_flat, name_key, name_given,
            name_cjk (the linkage input's): two clusters with clearly different full names
            join only by a pair whose `tie` column (in `pairs`; a personal identifier agrees)
            is true.
        progress: show a progress bar.

    Returns:
        A Series indexed by record id: a provisional cluster key (the smallest record id of the
        cluster). `assign_stable_ids` turns keys into stable cluster ids.

    Example:
        >>> pairs = pd.DataFrame({"id_l": [1, 2], "id_r": [2, 3], "match_weight": [9.0, 8.0]})
        >>> cluster_pairs([1, 2, 3, 4], pairs, 5.0).tolist()
        [1, 1, 1, 4]
    """
    ids = (record_ids if isinstance(record_ids, pd.Index) else pd.Index(list(record_ids))).unique()
    must = [tuple(m) for m in must_link]
    cannot = [tuple(c) for c in cannot_link]
    left = np.asarray(pairs["id_l"].to_numpy())
    right = np.asarray(pairs["id_r"].to_numpy())
    weight = pairs["match_weight"].to_numpy(dtype="float64")
    dtype = left.dtype if len(left) and left.dtype == right.dtype else ids.dtype
    if dtype.kind not in "iu":
        dtype = np.dtype(object)
    ends = [left.astype(dtype), right.astype(dtype)]
    for group in (must, cannot):
        ends += [np.asarray([p[0] for p in group], dtype=dtype),
                 np.asarray([p[1] for p in group], dtype=dtype)]
    codes, nodes = pd.factorize(np.concatenate(ends))
    cut = np.cumsum([len(e) for e in ends])[:-1]
    code_l, code_r, must_l, must_r, cannot_l, cannot_r = np.split(codes, cut)
    # Components of the strong links and must-links: no cluster reaches across two of them.
    strong = weight >= threshold_weight
    edge_a = np.concatenate([code_l[strong], must_l])
    edge_b = np.concatenate([code_r[strong], must_r])
    graph = coo_matrix((np.ones(len(edge_a), dtype=np.int8), (edge_a, edge_b)),
                       shape=(len(nodes), len(nodes)))
    component = connected_components(graph, directed=False)[1]
    # A component is decided by its links alone unless a pair inside it argues against a join
    # (a weight below `min_mean_weight`, or a reviewer's cannot-link): only those need the
    # strongest-first walk.
    inside = component[code_l] == component[code_r]
    disputed = np.zeros(len(nodes), dtype=bool)
    disputed[component[code_l[inside & (weight < min_mean_weight)]]] = True
    apart = component[cannot_l] == component[cannot_r]
    disputed[component[cannot_l[apart]]] = True
    parts = _name_parts(names, nodes)
    if parts:
        disputed[_components_with_different_names(component, parts)] = True
    tie = (pairs["tie"].to_numpy(dtype=bool) if "tie" in pairs.columns
           else np.zeros(len(left), dtype=bool))
    cluster = component.copy()
    hard = disputed[component]
    if hard.any():
        walk = hard[code_l] & inside
        must_in = hard[must_l]
        cannot_in = apart & hard[cannot_l]
        cluster = _walk(cluster, code_l[walk], code_r[walk], weight[walk], tie[walk],
                        list(zip(must_l[must_in], must_r[must_in], strict=True)),
                        list(zip(cannot_l[cannot_in], cannot_r[cannot_in], strict=True)),
                        threshold_weight, min_mean_weight, parts, progress)
    # The key of a cluster: its smallest record id.
    frame = pd.DataFrame({"cluster": cluster, "id": nodes})
    key = frame.groupby("cluster")["id"].transform("min")
    keys = pd.Series(key.to_numpy(), index=nodes)
    result = pd.Series(ids, index=ids)
    known = ids.isin(nodes)
    result[known] = keys.reindex(ids[known]).to_numpy()
    return result


def _name_parts(names: pd.DataFrame | None, nodes) -> dict[int, NameParts]:
    """Node code -> its record's full name, for the nodes whose record gives one."""
    if names is None or not len(names):
        return {}
    frame = names.reindex(pd.Index(nodes)).reset_index(drop=True)
    frame = frame[frame["name_key"].notna()]
    parts = {}
    for code, row in zip(frame.index.tolist(), frame.itertuples(index=False), strict=True):
        name = NameParts.of(row.name_pinyin, row.name_flat, row.name_key, row.name_given,
                            row.name_cjk)
        if name is not None:
            parts[code] = name
    return parts


def _components_with_different_names(component: np.ndarray,
                                     parts: dict[int, NameParts]) -> np.ndarray:
    """The components whose members give two clearly different full names."""
    by_component: dict[int, set] = {}
    for code, name in parts.items():
        by_component.setdefault(int(component[code]), set()).add(name)
    found = [c for c, names in by_component.items() if len(names) > 1
             and any(names_differ(a, b) for a in names for b in names)]
    return np.asarray(found, dtype=np.int64)


def _walk(cluster: np.ndarray, left: np.ndarray, right: np.ndarray, weight: np.ndarray,
          tie: np.ndarray, must: list[tuple], cannot: list[tuple], threshold_weight: float,
          min_mean_weight: float, parts: dict[int, NameParts], progress: bool) -> np.ndarray:
    """Strongest link first, joining two clusters only when the pairs between them agree on
    average and, unless the link is a tie, their names do not clearly differ; `cluster` gives
    each node its cluster, updated for the nodes the pairs name."""
    cl = _Clusters()
    nodes = np.concatenate([left, right, np.asarray(must, dtype=left.dtype).ravel()])
    for node in np.unique(nodes).tolist():
        cl.add(node, parts.get(node))
    for a, b, w in zip(left.tolist(), right.tolist(), weight.tolist(), strict=True):
        cl.note(a, b, w)
    for a, b in cannot:
        cl.note(int(a), int(b), 0.0, forbidden=True)
    for a, b in must:
        ra, rb = cl.find(int(a)), cl.find(int(b))
        if ra != rb:
            cl.union(ra, rb)
    strong = weight >= threshold_weight
    order = np.argsort(-weight[strong], kind="stable")
    edges = zip(left[strong][order].tolist(), right[strong][order].tolist(),
                tie[strong][order].tolist(), strict=True)
    for a, b, tied in tqdm(edges, total=len(order), disable=not progress, desc="clustering",
                           unit="link"):
        ra, rb = cl.find(a), cl.find(b)
        if ra != rb and cl.join_allowed(ra, rb, min_mean_weight) and (
                tied or not cl.names_apart(ra, rb)):
            cl.union(ra, rb)
    cluster = cluster.copy()
    base = cluster.max() + 1
    for root, members in cl.members.items():
        cluster[members] = base + root
    return cluster


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
