"""SQL of the synthetic pools (`workbench.testdata.pools`): people, records, clusters, pairs."""

from __future__ import annotations

# The channels and the one batch every synthetic pool has.
SYNTHETIC_CHANNELS = (("官网表单", 90, "own"), ("展会", 70, "own"), ("第三方平台", 40, "third_party"))

SET_SEED_SQL = "SELECT setseed($seed)"

INSERT_CHANNEL_SQL = """
INSERT INTO channels (name, priority, kind, owner, status, created_at)
VALUES ($name, $priority, $kind, '渠道经理', 'active', now())"""

INSERT_BATCH_SQL = """
INSERT INTO batches (batch_id, started_at, channel, status, rows)
VALUES (1, now(), '展会', 'success', $records)"""

# person of record i: the first 60% of records come in pairs, the rest in threes
PEOPLE_SQL = """
CREATE TEMP TABLE _people AS
SELECT i AS record_id,
       CASE WHEN i <= $records * 0.6 THEN (i - 1) // 2 ELSE 1000000000 + (i - 1) // 3 END AS person
FROM range(1, $records + 1) t(i)"""

RECORDS_SQL = """
INSERT INTO records (record_id, batch_id, entered_at, name, phone, phone_type, email, company,
                     city, owner, channel, updated_at, name_status, phone_status, email_status,
                     company_status, city_status, updated_at_status, reachable, rejected)
SELECT record_id, 1, now()::TIMESTAMP,
       ['张', '王', '李', '刘', '陈'][1 + person % 5] || ['伟', '芳', '娜', '敏', '静', '磊'][1 + (person // 5) % 6]
           || CASE WHEN random() < 0.2 THEN '小' ELSE '' END,
       '+86138' || lpad((person % 100000000)::VARCHAR, 8, '0'), 'mobile',
       CASE WHEN random() < 0.5 THEN 'u' || person || '@' || ['qq.com', '163.com'][1 + record_id % 2] END,
       ['华为技术', '阿里巴巴', '腾讯科技', '字节跳动'][1 + person % 4],
       ['北京市', '上海市', '杭州市'][1 + record_id % 3],
       CASE WHEN person % 4 = 0 THEN '销售' || (person % 50) END,
       ['官网表单', '展会', '第三方平台'][1 + record_id % 3],
       strftime(TIMESTAMP '2025-01-01' + to_seconds((random() * 3.0e7)::BIGINT), '%Y-%m-%d %H:%M:%S'),
       'ok', 'ok', 'ok', 'ok', 'ok', 'ok', true, false
FROM _people"""

CLUSTERS_SQL = "INSERT INTO clusters SELECT record_id, person, 1 FROM _people"

PAIRS_SQL = """
INSERT INTO pairs (run_id, record_id_l, record_id_r, match_weight, match_probability)
SELECT 1, a.record_id, b.record_id, 12.0, CASE WHEN a.person % 10 = 3 THEN 0.90 ELSE 0.99 END
FROM _people a JOIN _people b ON a.person = b.person AND a.record_id < b.record_id"""

COUNTS_SQL = """
SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM pairs),
       (SELECT count(*) FROM membership), (SELECT count(DISTINCT cluster_id) FROM clusters)"""
