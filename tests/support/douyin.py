"""A small local HTTP server that plays Douyin life services' voucher API (抖音来客) for our adapter.

It sells certificates (one per code), hands out access tokens (`/oauth/client_token/`), and answers
prepare -> verify -> cancel the way PLATFORMS.md describes: only unused certificates are prepared, each
verify needs its own verify_token, a cancel takes the certificate and verify ids. It can verify a code "at
another store" and build the signed notification Douyin would push (`X-Douyin-Signature` =
sha1(client_secret + body), `Msg-Id`). `fail_next(n)` makes the next n API calls fail with a 500.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Certificate:
    code: str
    certificate_id: str
    encrypted_code: str
    order_id: str
    status: str = "unused"  # unused | verified | refunded
    verify_id: str | None = None
    poi_id: str | None = None
    verified_at: float | None = None
    cancelled: list[str] = field(default_factory=list)  # verify ids taken back


def _ok(data: dict) -> tuple[int, dict]:
    return 200, {"data": {"error_code": 0, "description": "success", **data},
                 "extra": {"error_code": 0, "description": "success", "logid": uuid.uuid4().hex}}


def _error(code: int, description: str) -> tuple[int, dict]:
    return 200, {"data": {"error_code": code, "description": description},
                 "extra": {"error_code": code, "description": description, "logid": uuid.uuid4().hex}}


class DouyinStandIn:
    def __init__(self, *, client_key: str = "awtestclient", client_secret: str = "douyin-test-secret"):
        self.client_key, self.client_secret = client_key, client_secret
        self.certificates: dict[str, Certificate] = {}  # by code
        self.tokens: set[str] = set()
        self.verify_tokens: dict[str, list[str]] = {}  # verify_token -> encrypted codes it may verify
        self.calls: list[tuple[str, str]] = []  # (method, path) of every API call
        self._failures = 0
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                self._answer("GET", None)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self._answer("POST", json.loads(self.rfile.read(length) or b"{}"))

            def _answer(self, method, body):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                status, payload = stand_in.answer(method, url.path, query, body, self.headers.get("access-token"))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- what a test does -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def settings(self, poi_id: str = "7001") -> dict:
        """A pool's platform settings pointing at this stand-in."""
        return {"base_url": self.url, "client_key": self.client_key, "client_secret": self.client_secret,
                "poi_id": poi_id}

    def sell(self, *codes: str) -> None:
        """Douyin sold these vouchers (one certificate each)."""
        with self._lock:
            for code in codes:
                self.certificates[code] = Certificate(code=code, certificate_id=f"cert{uuid.uuid4().int % 10**12}",
                                                      encrypted_code=f"enc-{uuid.uuid4().hex}",
                                                      order_id=f"{uuid.uuid4().int % 10**15}")

    def verify_elsewhere(self, code: str, *, poi_id: str = "9999") -> Certificate:
        """Another store (or Douyin's own app) verifies the code."""
        with self._lock:
            certificate = self.certificates[code]
            certificate.status, certificate.verify_id = "verified", f"vfy{uuid.uuid4().int % 10**12}"
            certificate.poi_id, certificate.verified_at = poi_id, time.time()
            return certificate

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._failures = count

    def notification(self, action: str, code: str, *, third_party: bool = True, msg_id: str | None = None,
                     secret: str | None = None) -> tuple[bytes, dict]:
        """The certificate notification Douyin pushes, signed; Douyin's own codes travel without `code`."""
        certificate = self.certificates[code]
        content = {"action": action, "msg_time": int(time.time()),
                   "certificate": {"order_id": certificate.order_id, "certificate_id": certificate.certificate_id,
                                   "account_id": "acct1", **({"code": code} if third_party else {})}}
        body = json.dumps({"event": "life_trade_certificate_notify", "client_key": self.client_key,
                           "content": json.dumps(content), "log_id": uuid.uuid4().hex}).encode()
        signature = hashlib.sha1((secret or self.client_secret).encode() + body).hexdigest()
        return body, {"X-Douyin-Signature": signature, "Msg-Id": msg_id or f"msg-{uuid.uuid4().hex}",
                      "Content-Type": "application/json"}

    # -- what Douyin answers ----------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict, body: dict | None, token: str | None):
        with self._lock:
            self.calls.append((method, path))
            if self._failures:
                self._failures -= 1
                return 500, {"message": "internal error"}
            if path == "/oauth/client_token/":
                return self._client_token(body or {})
            if token not in self.tokens:
                return _error(2190008, "access_token expired or invalid")
            if path == "/goodlife/v1/fulfilment/certificate/prepare/" and method == "GET":
                return self._prepare(query)
            if path == "/goodlife/v1/fulfilment/certificate/verify/" and method == "POST":
                return self._verify(body or {})
            if path == "/goodlife/v1/fulfilment/certificate/cancel/" and method == "POST":
                return self._cancel(body or {})
            return 404, {"message": "not found"}

    def _client_token(self, body: dict):
        if (body.get("client_key"), body.get("client_secret")) != (self.client_key, self.client_secret):
            return _error(10003, "client_key or client_secret invalid")
        if body.get("grant_type") != "client_credential":
            return _error(10002, "grant_type invalid")
        token = f"clt.{uuid.uuid4().hex}"
        self.tokens.add(token)
        return _ok({"access_token": token, "expires_in": 7200})

    def _prepare(self, query: dict):
        certificate = self.certificates.get(query.get("code", ""))
        if certificate is None or certificate.status != "unused":
            return _ok({"verify_token": None, "order_id": None, "certificates": []})
        verify_token = uuid.uuid4().hex
        self.verify_tokens[verify_token] = [certificate.encrypted_code]
        return _ok({"verify_token": verify_token, "order_id": certificate.order_id, "certificates": [{
            "encrypted_code": certificate.encrypted_code,
            "amount": {"original_amount": 5000, "pay_amount": 3990, "coupon_pay_amount": 3990},
            "sku": {"sku_id": "sku1", "title": "Set meal for two", "account_id": "acct1"}}]})

    def _verify(self, body: dict):
        allowed = self.verify_tokens.pop(body.get("verify_token"), None)
        if allowed is None or not body.get("poi_id"):
            return _error(1208, "verify_token invalid")
        results = []
        for encrypted in body.get("encrypted_codes") or []:
            certificate = next((c for c in self.certificates.values() if c.encrypted_code == encrypted), None)
            if certificate is None or encrypted not in allowed or certificate.status != "unused":
                results.append({"result": 1, "msg": "certificate not verifiable"})
                continue
            certificate.status, certificate.verify_id = "verified", f"vfy{uuid.uuid4().int % 10**12}"
            certificate.poi_id, certificate.verified_at = body["poi_id"], time.time()
            results.append({"result": 0, "msg": "", "code": certificate.code, "origin_code": certificate.code,
                            "certificate_id": certificate.certificate_id, "verify_id": certificate.verify_id,
                            "order_id": certificate.order_id})
        return _ok({"verify_results": results})

    def _cancel(self, body: dict):
        certificate = next((c for c in self.certificates.values()
                            if c.certificate_id == body.get("certificate_id")), None)
        if certificate is None:
            return _error(1209, "certificate not found")
        if body.get("verify_id") in certificate.cancelled:
            return _ok({})  # taken back already: a retried cancel succeeds again
        if certificate.status != "verified" or certificate.verify_id != body.get("verify_id"):
            return _error(1210, "verify record not found")
        if time.time() - certificate.verified_at > 3600:
            return _error(1211, "past the undo limit")
        certificate.cancelled.append(certificate.verify_id)
        certificate.status, certificate.verify_id, certificate.poi_id = "unused", None, None
        return _ok({})

    def __enter__(self) -> DouyinStandIn:
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()
