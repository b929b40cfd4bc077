"""Events over HTTP on loopback, end to end into the pool (`workbench events serve`).

Sends signed `wechat_bound` events at `--rate` events a second for `--seconds`, in requests of
`--batch`, to a real server process on 127.0.0.1 over a pool of `--leads` imported leads, and
reports the latency to durable (the 202) and, unless `--no-wait`, to applied (the pool's
`updated_at` minus the inbox's `received_at`), with p50/p99, and whether any event was lost or
applied twice.

    .venv/bin/python benchmarks/bench_events.py --rate 1000 --seconds 10 --no-wait
    .venv/bin/python benchmarks/bench_events.py --rate 50 --seconds 10
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

from workbench.events.server import add_token, signature
from workbench.ingest.importer import import_file
from workbench.store.pool import Pool

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--no-wait", action="store_true", help="Measure durable latency only.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_events_"))
    pool = Pool(folder / "pool.duckdb")
    path = folder / "app.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["客户ID", "姓名", "手机号"])
        for i in range(args.leads):
            writer.writerow([f"U{i}", "张伟", f"138{i:08d}"])
    import_file(pool, path, channel="自有APP")
    token = add_token(pool, "自有APP")
    port = 18765
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([sys.executable, "-m", "workbench.cli", "--pool", str(pool.path),
                               "events", "serve", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            urllib.request.urlopen(url + "/health", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    latencies: list[float] = []
    acknowledged: list[str] = []
    lock = threading.Lock()
    total = int(args.rate * args.seconds)
    per_sender = total // args.senders
    started = time.perf_counter()

    def send(sender: int) -> None:
        interval = args.batch * args.senders / args.rate
        for k in range(0, per_sender, args.batch):
            due = started + (k / args.batch) * interval
            time.sleep(max(0.0, due - time.perf_counter()))
            events = [{"event_id": f"b{sender}-{k + i}", "system": "自有APP",
                       "type": "wechat_bound", "occurred_at": "2026-11-30T10:00:00+08:00",
                       "lead": {"channel": "自有APP", "source_id": f"U{(k + i) % args.leads}"},
                       "data": {"wechat": f"wxid{sender}x{k + i:07d}"}}
                      for i in range(min(args.batch, per_sender - k))]
            body = json.dumps(events, ensure_ascii=False).encode()
            stamp = str(int(time.time()))
            request = urllib.request.Request(url + "/events", data=body, method="POST", headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {token}",
                "X-Workbench-Timestamp": stamp,
                "X-Workbench-Signature": signature(token, stamp, body)})
            t0 = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 202
            with lock:
                latencies.append(time.perf_counter() - t0)
                acknowledged.extend(e["event_id"] for e in events)

    threads = [threading.Thread(target=send, args=(s,)) for s in range(args.senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent_in = time.perf_counter() - started
    result = {"events": len(acknowledged), "seconds_sending": round(sent_in, 1),
              "achieved_rate": round(len(acknowledged) / sent_in, 1),
              "durable_p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 1),
              "durable_p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 1)}
    if not args.no_wait:
        while True:
            with pool.connect() as con:
                done = con.execute("SELECT count(*) FROM inbound_events").fetchone()[0]
            if done >= len(acknowledged):
                break
            time.sleep(2)
        with pool.connect() as con:
            rows = con.execute("SELECT event_id, epoch(updated_at - received_at) FROM "
                               "inbound_events").fetchall()
            rules = con.execute("SELECT count(*) FROM events WHERE kind = 'rule'").fetchone()[0]
            statuses = dict(con.execute("SELECT status, count(*) FROM inbound_events "
                                        "GROUP BY status").fetchall())
        ids = [r[0] for r in rows]
        applied = np.array([r[1] for r in rows], dtype=float)
        result.update({
            "applied_p50_s": round(float(np.percentile(applied, 50)), 1),
            "applied_p99_s": round(float(np.percentile(applied, 99)), 1),
            "apply_rate": round(len(ids) / (time.perf_counter() - started), 1),
            "lost": len(set(acknowledged) - set(ids)),
            "outcomes": statuses,
            # one history event per applied wechat_bound event, one row per event id
            "applied_twice": len(ids) - len(set(ids)) + rules - statuses.get("applied", 0)})
    server.terminate()
    server.wait(timeout=60)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
