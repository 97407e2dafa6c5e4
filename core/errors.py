"""One error path: domain errors carry an HTTP status and a stable machine-readable reason."""

from http import HTTPStatus

from werkzeug.exceptions import HTTPException

# The reason for each status when nothing more specific is known (framework errors included).
DEFAULT_REASONS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    428: "precondition_required",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
}


class DomainError(Exception):
    """Base of every refusal the API reports; subclasses set `status` and `reason`."""

    status: int = 409
    reason: str = "conflict"
    message: str | None = None

    def __init__(self, message: str | None = None, *, errors: dict | None = None):
        self.message = message or self.message or self.reason.replace("_", " ").capitalize()
        self.errors = errors
        super().__init__(self.message)

    def body(self) -> dict:
        payload = {
            "code": self.status,
            "status": HTTPStatus(self.status).phrase,
            "message": self.message,
            "reason": self.reason,
        }
        if self.errors:
            payload["errors"] = self.errors
        return payload

    def headers(self) -> dict:
        """Response headers this refusal carries (e.g. `Retry-After`); none by default."""
        return {}


class NotFound(DomainError):
    status, reason = 404, "not_found"


class Unauthenticated(DomainError):
    status, reason = 401, "unauthenticated"


class Forbidden(DomainError):
    status, reason = 403, "forbidden"


class InvalidRequest(DomainError):
    status, reason = 422, "invalid_request"


class InvalidState(DomainError):
    status, reason = 409, "invalid_state"


class TenantScopeMissing(RuntimeError):
    """Code touched a tenant-owned table with no tenant set: a programming error, never user input."""


def http_error_body(error: HTTPException) -> tuple[dict, int, dict]:
    """Render a werkzeug/flask-smorest HTTPException in the API's error body, with a reason."""
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    payload = {
        "code": code,
        "status": HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else error.name,
        "message": data.get("message") or error.description or error.name,
        "reason": data.get("reason") or DEFAULT_REASONS.get(code, "error"),
    }
    errors = data.get("errors") or data.get("messages")
    if errors:
        payload["errors"] = errors
    headers = dict(data.get("headers") or {})
    if getattr(error, "valid_methods", None):  # a 405 says which methods the path does take (RFC 9110)
        headers["Allow"] = ", ".join(error.valid_methods)
    return payload, code, headers


class TenantScopeViolation(TenantScopeMissing):
    """A statement would reach another tenant's rows (or cannot show that it does not): refused."""


class ConfigurationError(RuntimeError):
    """The process cannot start with this configuration (the message says what to set)."""
