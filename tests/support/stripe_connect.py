"""A small local HTTP server that plays Stripe's Transfers API (Connect), which localstripe does not have.

`POST /v1/transfers` (form-encoded, as the stripe SDK sends it) moves money to a connected account that
`open_account()` made known, honouring `Idempotency-Key` as Stripe does: the same key with the same parameters
answers the first response again (`Idempotent-Replayed: true`), with other parameters 400 `idempotency_error`;
a request refused on its parameters keeps nothing. `GET /v1/transfers/{id}` answers a transfer as it is now, and
`GET /v1/transfers?transfer_group=` lists a group's, newest first. Unknown destinations are refused (400, as
Stripe's "No such destination"). `fail_next(n)` makes the next n calls a 500 (nothing is made); `reverse(id)`
reverses a transfer, as a dashboard user could.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

SECRET_KEY = "sk_test_connect_standin"


@dataclass
class Recorded:
    fingerprint: str
    status: int
    body: dict


@dataclass
class StandIn:
    accounts: set[str] = field(default_factory=set)
    transfers: dict[str, dict] = field(default_factory=dict)
    keys: dict[str, Recorded] = field(default_factory=dict)
    calls: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, idempotency key)
    failures: int = 0
    replayed: int = 0


class ConnectStandIn:
    def __init__(self, *, secret_key: str = SECRET_KEY):
        self.secret_key = secret_key
        self.state = StandIn()
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                self._answer("GET", {})

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self._answer("POST", dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)))

            def _answer(self, method, params):
                path, _, query = self.path.partition("?")
                status, body, headers = stand_in.answer(method, path, params, query=dict(parse_qsl(query)),
                                                        authorization=self.headers.get("Authorization"),
                                                        key=self.headers.get("Idempotency-Key"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- what a test does ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> ConnectStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def open_account(self) -> str:
        """A connected account that can receive transfers."""
        account = f"acct_{uuid.uuid4().hex[:16]}"
        with self._lock:
            self.state.accounts.add(account)
        return account

    def fail_next(self, count: int) -> None:
        with self._lock:
            self.state.failures = count

    def reverse(self, transfer_id: str) -> None:
        with self._lock:
            transfer = self.state.transfers[transfer_id]
            transfer["reversed"], transfer["amount_reversed"] = True, transfer["amount"]

    def transfers(self) -> list[dict]:
        with self._lock:
            return [dict(transfer) for transfer in self.state.transfers.values()]

    def replays(self) -> int:
        """How many POSTs were answered with the result of an earlier one with the same key."""
        with self._lock:
            return self.state.replayed

    # -- the API --------------------------------------------------------------------------------------------

    def answer(self, method: str, path: str, params: dict, *, authorization: str | None,
               key: str | None, query: dict | None = None) -> tuple[int, dict, dict]:
        query = query or {}
        with self._lock:
            self.state.calls.append((method, path, key))
            if authorization != f"Bearer {self.secret_key}":
                return 401, _error("invalid_request_error", "Invalid API Key provided"), {}
            if self.state.failures:
                self.state.failures -= 1
                return 500, _error("api_error", "Something went wrong on Stripe's end (stand-in)"), {}
            if method == "GET" and path == "/v1/transfers":
                return 200, self._list(query), {}
            if method == "GET" and path.startswith("/v1/transfers/"):
                transfer = self.state.transfers.get(path.rsplit("/", 1)[1])
                if transfer is None:
                    return 404, _error("invalid_request_error", "No such transfer", code="resource_missing"), {}
                return 200, dict(transfer), {}
            if method == "POST" and path == "/v1/transfers":
                return self._create(params, key)
            return 404, _error("invalid_request_error", f"Unrecognized request URL ({method}: {path})"), {}

    def _list(self, query: dict) -> dict:
        """Newest first, optionally of one transfer_group, at most `limit`."""
        found = [dict(transfer) for transfer in reversed(self.state.transfers.values())
                 if "transfer_group" not in query or transfer["transfer_group"] == query["transfer_group"]]
        limit = int(query.get("limit", 10))
        return {"object": "list", "url": "/v1/transfers", "has_more": len(found) > limit, "data": found[:limit]}

    def _create(self, params: dict, key: str | None) -> tuple[int, dict, dict]:
        fingerprint = json.dumps(params, sort_keys=True)
        if key and key in self.state.keys:
            recorded = self.state.keys[key]
            if recorded.fingerprint != fingerprint:
                return 400, _error("idempotency_error", "Keys for idempotent requests can only be used with the "
                                   "same parameters they were first used with"), {}
            self.state.replayed += 1
            return recorded.status, recorded.body, {"Idempotent-Replayed": "true"}
        try:
            amount = int(params["amount"])
            currency, destination = params["currency"], params["destination"]
        except (KeyError, ValueError):
            return 400, _error("invalid_request_error", "Missing or invalid amount, currency or destination"), {}
        if amount <= 0:
            return 400, _error("invalid_request_error", "Amount must be at least 1", param="amount"), {}
        if destination not in self.state.accounts:
            status, body = 400, _error("invalid_request_error", f"No such destination: '{destination}'",
                                       param="destination", code="resource_missing")
        else:
            transfer_id = f"tr_{uuid.uuid4().hex[:24]}"
            metadata = {name[len("metadata["):-1]: value for name, value in params.items()
                        if name.startswith("metadata[")}
            status, body = 200, {
                "id": transfer_id, "object": "transfer", "amount": amount, "amount_reversed": 0,
                "balance_transaction": f"txn_{uuid.uuid4().hex[:24]}", "created": int(time.time()),
                "currency": currency, "description": None, "destination": destination,
                "destination_payment": f"py_{uuid.uuid4().hex[:24]}", "livemode": False, "metadata": metadata,
                "reversals": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                              "url": f"/v1/transfers/{transfer_id}/reversals"},
                "reversed": False, "source_transaction": None, "source_type": "card",
                "transfer_group": params.get("transfer_group")}
            self.state.transfers[transfer_id] = body
        if key and status == 200:  # a request refused on its parameters keeps no result (as Stripe's)
            self.state.keys[key] = Recorded(fingerprint, status, json.loads(json.dumps(body)))
        return status, dict(body), {}


def _error(kind: str, message: str, **extra) -> dict:
    return {"error": {"type": kind, "message": message, **extra}}


@contextmanager
def serving(app) -> Iterator[ConnectStandIn]:
    """A stand-in running, with the app's Stripe Connect credentials pointed at it (restored afterwards)."""
    stand_in = ConnectStandIn().start()
    names = ("STRIPE_CONNECT_SECRET_KEY", "STRIPE_CONNECT_API_BASE")
    saved = {name: app.config.get(name) for name in names}
    app.config.update(STRIPE_CONNECT_SECRET_KEY=stand_in.secret_key, STRIPE_CONNECT_API_BASE=stand_in.url)
    try:
        yield stand_in
    finally:
        app.config.update(saved)
        stand_in.stop()
