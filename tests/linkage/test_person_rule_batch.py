"""The person rule on the path analysts use: a batch imported into a trained pool and linked
incrementally keeps colleagues and a couple apart, as the whole-pool run does."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.ingest.importer import import_file
from workbench.linkage.link import dedupe_pool, link_batch
from workbench.store.pool import Pool
from workbench.testdata.generate import generate_leads

pytestmark = pytest.mark.slow

OFFICE = ("北京鼎智科技有限公司", "北京市海淀区中关村大街27号鼎智大厦1203", "010-62345678")
BATCH = [
    ("b0", "王建国", "13917246801", "wangjianguo@dingzhi.com", *OFFICE),
    ("b1", "李娜", "13928357912", "lina@dingzhi.com", *OFFICE),
    ("b2", "张晓明", "13939468023", "info@dingzhi.com", *OFFICE),
    ("b3", "刘总", "", "info@dingzhi.com", *OFFICE),
    ("b4", "王建国", "139 1724 6801", "", "鼎智科技", "海淀区中关村大街27号", ""),
    ("b5", "张伟", "13812345601", "", "", "杭州市西湖区文三路90号3栋201", ""),
    ("b6", "李秀英", "13812345601", "", "", "杭州市西湖区文三路90号3栋201", ""),
]


def _cluster_by_lead(pool: Pool) -> dict[str, int]:
    with pool.connect(read_only=True) as con:
        frame = con.execute(
            "SELECT r.source_id AS lead_id, c.cluster_id "
            "FROM clusters c JOIN records r USING (record_id)").df()
    return dict(zip(frame["lead_id"], frame["cluster_id"], strict=True))


def test_a_batch_linked_into_a_trained_pool_keeps_people_apart(tmp_path):
    leads = generate_leads(600, seed=5).drop(columns=["entity_id"])
    leads.to_csv(tmp_path / "pool.csv", index=False)
    pool = Pool(tmp_path / "pool.duckdb")
    import_file(pool, tmp_path / "pool.csv", channel="官网表单")
    dedupe_pool(pool)
    batch = pd.DataFrame(BATCH, columns=["lead_id", "姓名", "手机", "邮箱", "公司", "地址", "座机"])
    batch.to_excel(tmp_path / "batch.xlsx", index=False)
    imported = import_file(pool, tmp_path / "batch.xlsx", channel="展会名单")
    result = link_batch(pool, imported.batch_id)
    assert result is not None
    cluster = _cluster_by_lead(pool)
    colleagues = [cluster[f"b{i}"] for i in range(4)]
    assert len(set(colleagues)) == 4, "colleagues at one office merged by the batch link"
    assert cluster["b4"] == cluster["b0"], "the same person in the batch not found"
    assert cluster["b5"] != cluster["b6"], "a couple on one mobile merged by the batch link"
