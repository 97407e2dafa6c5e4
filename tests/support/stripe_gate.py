"""A gate in front of localstripe: it forwards every call, but only once the test opens it.

While a call waits at the gate, the test can look at the database from outside and see what the
caller holds during its call to Stripe (locks, an open transaction).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from tests.support.processes import free_port


class StripeGate:
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.port = free_port()
        self.arrived = threading.Event()
        self.opened = threading.Event()
        self.calls: list[str] = []
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                gate.calls.append(f"{self.command} {self.path}")
                gate.arrived.set()
                gate.opened.wait(timeout=60)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = requests.request(self.command, gate.upstream + self.path, data=body, headers=headers,
                                          timeout=30)
                self.send_response(answer.status_code)
                for name in ("Content-Type", "Request-Id"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_DELETE = _forward

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StripeGate:
        self.thread.start()
        return self

    def open(self) -> None:
        self.opened.set()

    def close(self) -> None:
        """From now on calls wait again; `arrived` tells of the next one."""
        self.arrived.clear()
        self.opened.clear()

    def stop(self) -> None:
        self.opened.set()
        self.server.shutdown()
