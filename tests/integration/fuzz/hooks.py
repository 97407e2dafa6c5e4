"""Schemathesis checks of our own, loaded by the fuzzing run (SCHEMATHESIS_HOOKS)."""

import schemathesis


@schemathesis.check
def error_body_follows_the_contract(ctx, response, case):
    """Every 4xx and 5xx answer is the contract's JSON error body: code, status, message, reason."""
    if response.status_code < 400:
        return None
    body = response.json()
    missing = [key for key in ("code", "status", "message", "reason") if key not in body]
    if missing or body["code"] != response.status_code:
        raise AssertionError(f"error body without {missing or 'the right code'}: {body}")
    return None
