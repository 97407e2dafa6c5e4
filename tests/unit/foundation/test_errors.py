from werkzeug.exceptions import MethodNotAllowed, NotFound

from core.errors import DomainError, http_error_body


class OutOfStock(DomainError):
    status, reason = 409, "out_of_stock"


def test_a_domain_error_renders_the_api_error_body():
    body = OutOfStock("Only 2 left", errors={"lines": ["too many"]}).body()

    assert body == {"code": 409, "status": "Conflict", "message": "Only 2 left", "reason": "out_of_stock",
                    "errors": {"lines": ["too many"]}}


def test_framework_errors_get_a_stable_reason():
    assert http_error_body(NotFound())[0]["reason"] == "not_found"
    assert http_error_body(MethodNotAllowed())[0]["reason"] == "method_not_allowed"
