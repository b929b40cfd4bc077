"""The HTTP intake: a real `workbench events serve` process on 127.0.0.1, real requests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from events_cases import event, import_leads, inbound, lead_by_name
from receivers import free_port

from workbench.errors import PoolBusy
from workbench.events.intake import Inbox, inbox_path
from workbench.events.server import MAX_BODY, add_token, signature
from workbench.store.pool import Pool

REPO = Path(__file__).resolve().parents[2]


class Server:
    """`workbench events serve` in a subprocess on a free port."""

    def __init__(self, pool: Pool):
        self.pool, self.port, self.process = pool, free_port(), None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self):
        env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workbench.cli", "--pool", str(self.pool.path), "events",
             "serve", "--port", str(self.port)], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1).read()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()) from None
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def post(self, body, token, *, stamp=None, sign_body=None, sign=True):
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        stamp = str(int(time.time())) if stamp is None else stamp
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        if sign:
            headers["X-Workbench-Timestamp"] = stamp
            headers["X-Workbench-Signature"] = signature(token, stamp, sign_body or data)
        request = urllib.request.Request(self.url + "/events", data=data, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())


def wait_for(check, timeout=120):
    """Poll `check` until true; a pool the server's writer holds at that moment is polled again
    (the writer lets go between batches)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except PoolBusy:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture()
def setup(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    import_leads(pool, tmp_path / "in", "自有APP",
                 [{"source_id": "U889", "name": "张伟", "phone": "13812345678", "owner": "李销售"}])
    token = add_token(pool, "自有APP")
    other = add_token(pool, "小程序")
    server = Server(pool).start()
    yield pool, server, token, other
    server.stop()


def test_a_signed_event_is_accepted_applied_and_a_replay_applied_once(setup):
    pool, server, token, _ = setup
    status, answer = server.post(event("app-1"), token)
    assert (status, answer["accepted"]) == (202, 1)
    wait_for(lambda: "app-1" in inbound(pool))
    assert lead_by_name(pool, "张伟")["phone"] == "+8613987654321"
    status, answer = server.post([event("app-1", new_phone="13600001111")], token)
    assert (status, answer["accepted"], answer["duplicates"]) == (202, 0, 1)
    time.sleep(1)
    assert lead_by_name(pool, "张伟")["phone"] == "+8613987654321"
    with pool.connect() as con:
        assert con.execute("SELECT count(*) FROM events WHERE kind = 'rule'").fetchone()[0] == 1


def test_bad_tokens_tampered_bodies_and_bad_events_are_refused(setup):
    pool, server, token, other = setup
    good = json.dumps(event("app-2")).encode()
    assert server.post(good, "wb_wrong")[0] == 401
    assert server.post(good, token, sign=False)[0] == 401
    tampered = good.replace(b"13987654321", b"13000000000")
    status, answer = server.post(tampered, token, sign_body=good)
    assert status == 401 and "signature does not match" in answer["error"]
    assert server.post(good, token, stamp=str(int(time.time()) - 3600))[0] == 401  # replayed late
    status, answer = server.post(good, other)                # another system's token
    assert status == 403 and answer["event_ids"] == ["app-2"]
    status, answer = server.post(b"{not json", token)
    assert status == 422 and answer["field"] == "(body)"
    status, answer = server.post([event("app-3"), {**event("app-4"), "type": "teleported"}],
                                 token)
    assert status == 422 and answer["problems"] == [
        {"index": 1, "event_id": "app-4", "field": "type",
         "reason": answer["problems"][0]["reason"]}]
    assert "teleported" in answer["problems"][0]["reason"]
    refused = Inbox(inbox_path(pool)).refusals()
    assert ("app-4", "type", "http 自有APP") in set(zip(refused["event_id"], refused["field"],
                                                       refused["source"], strict=True))
    status, answer = server.post(event("app-5", new_phone="12"), token)
    assert status == 422 and answer["field"] == "data.new_phone"
    big = [event(f"big-{i}", remark="x" * 1000) for i in range(MAX_BODY // 1000 + 10)]
    assert server.post(big, token)[0] == 413
    time.sleep(1)
    assert inbound(pool) == {}                                # nothing of those was kept
    assert lead_by_name(pool, "张伟")["phone"] == "+8613812345678"


@pytest.mark.slow
def test_a_killed_server_loses_no_acknowledged_event_and_applies_none_twice(setup, tmp_path):
    pool, server, token, _ = setup
    acknowledged: list[str] = []
    stop = threading.Event()

    def send():
        n = 0
        while not stop.is_set():
            batch = [event(f"k-{n + i}", "wechat_bound", wechat=f"wx{n + i:05d}")
                     for i in range(5)]
            n += 5
            try:
                status, answer = server.post(batch, token)
            except OSError:
                continue                                       # the server is down
            if status == 202:
                acknowledged.extend(answer["event_ids"])
            time.sleep(0.05)

    sender = threading.Thread(target=send)
    sender.start()
    wait_for(lambda: len(acknowledged) >= 30)
    server.stop(signal.SIGKILL)                                # mid-stream, no shutdown
    at_kill = len(acknowledged)
    server.start()
    wait_for(lambda: len(acknowledged) >= at_kill + 20)
    stop.set()
    sender.join()
    wait_for(lambda: len(inbound(pool)) >= len(acknowledged), timeout=240)
    outcomes = inbound(pool)
    assert set(acknowledged) <= set(outcomes)
    assert {status for status, *_ in outcomes.values()} == {"applied"}
    with pool.connect() as con:
        ids = [r[0] for r in con.execute("SELECT event_id FROM inbound_events").fetchall()]
        rules = con.execute("SELECT count(*) FROM events WHERE kind = 'rule'").fetchone()[0]
    assert len(ids) == len(set(ids))                           # none recorded twice
    assert rules == len(ids)                                   # one history event each
    # the events were applied in the order received: the lead has the last WeChat sent
    last = max(ids, key=lambda e: int(e.split("-")[1]))
    assert lead_by_name(pool, "张伟")["wechat"] == f"wx{int(last.split('-')[1]):05d}"


def test_events_wait_while_another_process_holds_the_pool(setup):
    pool, server, token, _ = setup
    with pool.transaction() as con:                            # an analyst's long operation
        started = time.monotonic()
        status, answer = server.post(event("app-9"), token)
        assert (status, answer["accepted"]) == (202, 1)      # durable without the pool
        assert time.monotonic() - started < 5
        time.sleep(2)
        assert con.execute("SELECT count(*) FROM inbound_events").fetchone()[0] == 0
    wait_for(lambda: "app-9" in inbound(pool))
    assert lead_by_name(pool, "张伟")["phone"] == "+8613987654321"
