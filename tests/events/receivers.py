"""Real receivers on loopback for the delivery tests: an SMTP server (aiosmtpd) and an HTTP
server standing in for the 企业微信 / 钉钉 robots and plain webhooks."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos,
                              message_from_bytes(envelope.original_content or envelope.content,
                                                 policy=policy.default)))
        return "250 OK"


class SmtpReceiver:
    """An SMTP server on 127.0.0.1; `.messages` holds (recipients, EmailMessage)."""

    def __init__(self):
        self.handler = _Collect()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def messages(self):
        return self.handler.messages


class HttpReceiver:
    """An HTTP server on 127.0.0.1 that records every POST (path with query, JSON body) and
    answers with `.answers` in turn (status, JSON), the last one repeated."""

    def __init__(self, answers=((200, {"errcode": 0, "errmsg": "ok"}),)):
        self.posts: list[tuple[str, dict]] = []
        self.answers = list(answers)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((self.path, json.loads(body)))
                status, answer = (receiver.answers.pop(0) if len(receiver.answers) > 1
                                  else receiver.answers[0])
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
