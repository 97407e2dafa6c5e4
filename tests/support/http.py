"""A thin client for API tests: a credential, JSON in and out, and the status checked."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Caller:
    """Calls the API through the Flask test client with one credential."""

    client: object
    credential: str | None = None
    headers: dict = field(default_factory=dict)

    def _headers(self, extra: dict | None) -> dict:
        headers = dict(self.headers)
        if self.credential:
            headers["Authorization"] = f"Bearer {self.credential}"
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, *, json=None, query=None, headers=None, expect: int | None = None):
        response = self.client.open(path, method=method, json=json, query_string=query, headers=self._headers(headers))
        if expect is not None:
            assert response.status_code == expect, (
                f"{method} {path} -> {response.status_code}, expected {expect}: {response.get_data(as_text=True)}"
            )
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json=json if json is not None else {}, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def as_(self, credential: str | None) -> Caller:
        return Caller(self.client, credential, dict(self.headers))
