import json
import logging

from core.logging import JsonFormatter


def test_log_lines_are_json_with_the_request_id_and_the_tenant(app, tenant):
    lines = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(JsonFormatter().format(record))

    handler = Capture()
    logging.getLogger("fission.api").addHandler(handler)
    logging.getLogger("fission.api").setLevel(logging.INFO)
    try:
        headers = {"X-Request-Id": "req-42", "Authorization": f"Bearer {tenant.admin_key}"}
        with app.test_request_context("/v1/admin/settings", headers=headers):
            app.preprocess_request()
            logging.getLogger("fission.api").info("hello")
    finally:
        logging.getLogger("fission.api").removeHandler(handler)

    entry = json.loads(lines[-1])
    assert entry["message"] == "hello" and entry["request_id"] == "req-42"
    assert entry["tenant_id"] == tenant.id and entry["path"] == "/v1/admin/settings"
