"""The HTTP intake: `POST /events` takes one event or a JSON array of them from another system.

Every request carries the system's token (`Authorization: Bearer …`, made by
`workbench events token add SYSTEM`; the pool keeps only its SHA-256) and a signature of the
body: `X-Workbench-Timestamp` (Unix seconds) and `X-Workbench-Signature`, the hex HMAC-SHA256
of "<timestamp>.<body>" keyed with the token. A body altered on the way, or replayed after
`SIGNATURE_WINDOW` seconds, no longer matches and is refused. Answers:

- 202 once every event of the request is committed in the inbox (SQLite, WAL, synchronous
  FULL) beside the pool: acknowledged events survive a crash;
- 401 for a missing or unknown token or a signature that does not match;
- 403 for an event of another system than the token's;
- 413 for a body over `MAX_BODY` bytes; 422 for malformed JSON or an event that breaks the
  contract, naming the field and the reason (nothing of that request is kept).

One writer thread applies the inbox to the pool in batches (`intake.apply_pending`), each in one
short transaction; when another process holds the pool the events wait in the inbox.

Example:
    token = add_token(pool, "自有APP")
    serve(pool, host="127.0.0.1", port=8765)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from workbench.errors import EventRefused, PoolBusy, WorkbenchError
from workbench.events import sql
from workbench.events.contract import validate_event
from workbench.events.intake import Inbox, apply_pending, inbox_path
from workbench.store.log import log_event, now
from workbench.store.pool import Pool, run

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000            # bytes per request
DRAIN_LIMIT = 4 * MAX_BODY      # bytes of an oversized body read before answering 413
MAX_EVENTS = 1_000              # events per request
SIGNATURE_WINDOW = 300          # seconds a signed request stays valid
WRITER_BUDGET = 1.0             # seconds the writer holds the pool per batch at most …
WRITER_REST = 1.0               # … and then rests, so that analysts and imports get the pool
WRITER_LOCK_WAIT = 0.5          # seconds the writer waits for a busy pool before resting


# --- tokens ---------------------------------------------------------------------------------


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_token(pool: Pool, system: str) -> str:
    """A new intake token for `system`; returned once, only its hash is kept (an event)."""
    if not system.strip():
        raise WorkbenchError("A token needs the name of a system, e.g. 自有APP.")
    token = "wb_" + secrets.token_urlsafe(32)
    with pool.transaction() as con:
        event_id = log_event(con, "token_add", f"system:{system}")
        run(con, sql.insert_token_sql(), {"sha": _sha256(token), "system": system,
                                          "created_at": now(), "event_id": event_id})
    return token


def revoke_tokens(pool: Pool, system: str) -> int:
    """Revoke every token of `system` (an event); returns how many were active."""
    with pool.transaction() as con:
        active = sum(1 for _, s in run(con, sql.active_tokens_sql()).fetchall() if s == system)
        event_id = log_event(con, "token_revoke", f"system:{system}")
        run(con, sql.revoke_tokens_sql(), {"system": system, "created_at": now(),
                                           "event_id": event_id})
    return active


def signature(token: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the token (what senders send).

    Example:
        >>> signature("wb_x", "1764470400", b'{"event_id": "e1"}')[:8]
        'd36e8419'
    """
    return hmac.new(token.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class _Tokens:
    """The active tokens' hashes, read from the pool and read again when an unknown one comes
    (at most every `refresh` seconds), so that new tokens work without a restart."""

    def __init__(self, pool: Pool, refresh: float = 2.0):
        self.pool, self.refresh = pool, refresh
        self.systems: dict[str, str] = {}
        self.read_at = 0.0
        self.lock = threading.Lock()

    def system_of(self, token: str) -> str | None:
        sha = _sha256(token)
        if sha not in self.systems and time.monotonic() - self.read_at > self.refresh:
            self.load()
        return self.systems.get(sha)

    def load(self) -> None:
        with self.lock:
            try:
                with self.pool.connect() as con:
                    self.systems = dict(run(con, sql.active_tokens_sql()).fetchall())
            except PoolBusy:
                log.info("pool busy; keeping the tokens read before")
            self.read_at = time.monotonic()


# --- the writer -----------------------------------------------------------------------------


class Writer(threading.Thread):
    """The one thread that applies the inbox to the pool, batch after batch."""

    def __init__(self, pool: Pool, inbox: Inbox):
        super().__init__(name="events-writer", daemon=True)
        self.pool, self.inbox = Pool(pool.path, lock_wait=WRITER_LOCK_WAIT), inbox
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                counts = apply_pending(self.pool, self.inbox, budget=WRITER_BUDGET)
            except PoolBusy:
                counts = {}
                log.info("pool busy; events wait in the inbox")
            except Exception:  # noqa: BLE001 - the writer must keep going; events stay waiting
                log.exception("applying events failed; trying again shortly")
                counts = {}
            # with events left the rest lets other processes take the pool in between
            self.stopping.wait(WRITER_REST if counts else 0.2)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)


# --- the app --------------------------------------------------------------------------------


def _error(status: int, reason: str, **more) -> JSONResponse:
    return JSONResponse({"error": reason, **more}, status_code=status)


def create_app(pool: Pool, *, inbox: Inbox | None = None, writer: bool = True) -> Starlette:
    """The intake app: POST /events, GET /health. With `writer`, its writer thread runs while
    the app does."""
    inbox = inbox or Inbox(inbox_path(pool))
    tokens = _Tokens(pool)
    state: dict = {}

    async def take(request: Request) -> JSONResponse:
        length = request.headers.get("content-length", "")
        too_big = length.isdigit() and int(length) > MAX_BODY
        # An oversized body is read to its end (up to a cap) before the 413, so that a sender
        # still writing it hears the answer instead of a broken connection.
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > DRAIN_LIMIT:
                break
            if not too_big and size <= MAX_BODY:
                chunks.append(chunk)
        if too_big or size > MAX_BODY:
            return _error(413, f"请求体过大 body over {MAX_BODY:,} bytes; send fewer events "
                               "per request")
        body = b"".join(chunks)
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        system = await run_in_threadpool(tokens.system_of, token) if token else None
        if system is None:
            return _error(401, "令牌缺失或无效 missing or unknown token; make one with "
                               "`workbench events token add SYSTEM`")
        stamp = request.headers.get("x-workbench-timestamp", "")
        given = request.headers.get("x-workbench-signature", "")
        if not stamp.isdigit() or not given:
            return _error(401, "缺少签名 X-Workbench-Timestamp and X-Workbench-Signature are "
                               "required")
        if abs(time.time() - int(stamp)) > SIGNATURE_WINDOW:
            return _error(401, f"签名已过期 the timestamp is more than {SIGNATURE_WINDOW} s "
                               "from now; sign the request again")
        if not hmac.compare_digest(given.lower().encode("utf-8", "replace"),
                                   signature(token, stamp, body).encode()):
            return _error(401, "签名不符 the signature does not match the body (altered on the "
                               "way, or signed with another token)")
        try:
            value = json.loads(body)
        except (ValueError, UnicodeDecodeError) as err:
            return _error(422, f"不是合法的 JSON not valid JSON: {err}", field="(body)")
        values = value if isinstance(value, list) else [value]
        if not values or len(values) > MAX_EVENTS:
            return _error(422, f"需要 1 到 {MAX_EVENTS} 个事件 send 1 to {MAX_EVENTS} events",
                          field="(body)")
        events, problems = [], []
        for index, item in enumerate(values):
            try:
                events.append(validate_event(item))
            except EventRefused as err:
                problems.append({"index": index, "event_id": err.event_id, "field": err.field,
                                 "reason": err.reason})
        if problems:
            await run_in_threadpool(inbox.refuse, f"http {system}", [
                EventRefused(p["field"], p["reason"], event_id=p["event_id"]) for p in problems])
            return _error(422, f"事件不符合约定 {len(problems)} event(s) break the contract; "
                               "nothing was kept", problems=problems,
                          field=problems[0]["field"])
        other = [e.event_id for e in events if e.system != system]
        if other:
            return _error(403, f"令牌属于 {system} the token is {system}'s; events of another "
                               "system need that system's token", event_ids=other)
        new, duplicates = await run_in_threadpool(inbox.put, events)
        return JSONResponse({"accepted": new, "duplicates": duplicates,
                             "event_ids": [e.event_id for e in events]}, status_code=202)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(inbox.counts))

    def start() -> None:
        tokens.load()
        if writer:
            state["writer"] = Writer(pool, inbox)
            state["writer"].start()

    def stop() -> None:
        if "writer" in state:
            state["writer"].stop()

    @asynccontextmanager
    async def lifespan(app):
        start()
        try:
            yield
        finally:
            stop()

    return Starlette(routes=[Route("/events", take, methods=["POST"]),
                             Route("/health", health, methods=["GET"])], lifespan=lifespan)


def serve(pool: Pool, *, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Run the intake under uvicorn until stopped (Ctrl+C, SIGTERM)."""
    import uvicorn
    uvicorn.run(create_app(pool), host=host, port=port, log_level="warning")
