"""A small local HTTP server that plays WeChat's jscode2session, including its error answers."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

# code -> (HTTP status, body) for the error answers; any other code logs in as "openid-<code>".
ANSWERS = {
    "used-code": (200, {"errcode": 40163, "errmsg": "code been used"}),
    "bad-code": (200, {"errcode": 40029, "errmsg": "invalid code"}),
    "busy": (200, {"errcode": -1, "errmsg": "system error"}),
    "rate-limited": (200, {"errcode": 45011, "errmsg": "api minute-quota reach limit"}),
    "blocked-user": (200, {"errcode": 40226, "errmsg": "high risk user"}),
    "odd-error": (200, {"errcode": 99999, "errmsg": "something new"}),
    "server-down": (502, {"oops": True}),
    "not-json": (200, "<html>gateway</html>"),
}


class WechatStandIn:
    def __init__(self, *, app_id: str = "wx-test-app", app_secret: str = "wx-test-secret"):
        self.app_id, self.app_secret = app_id, app_secret
        self.requests: list[dict] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                stand_in.requests.append(query)
                status, body = stand_in.answer(url.path, query)
                payload = body if isinstance(body, str) else json.dumps(body)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")  # WeChat really answers JSON as text/plain
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str, query: dict):
        if path != "/sns/jscode2session":
            return 404, {"errcode": 404, "errmsg": "not found"}
        if query.get("appid") != self.app_id or query.get("secret") != self.app_secret:
            return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
        if query.get("grant_type") != "authorization_code":
            return 200, {"errcode": 40002, "errmsg": "invalid grant_type"}
        code = query.get("js_code", "")
        if code in ANSWERS:
            return ANSWERS[code]
        return 200, {"openid": f"openid-{code}", "session_key": "sk==", "unionid": f"union-{code}"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> WechatStandIn:
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()
