"""What a clerk does in the browser, step by step."""

from __future__ import annotations


def sign_in(page, key: str, *, path: str = "/console/login"):
    """Open the sign-in page, type the key, press the sign-in button; returns the final response."""
    page.goto(path)
    page.fill('[name="api_key"]', key)
    with page.expect_navigation() as navigation:
        page.click('[data-action="sign-in"]')
    return navigation.value


def click(page, selector: str):
    """Click a submit button and wait for the page it leads to; returns that page's response."""
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def new_key(tenant, role: str) -> str:
    return tenant.admin.post("/v1/admin/api-keys", {"role": role}, expect=201).get_json()["key"]


def wait_for_focus(page, name: str) -> None:
    """The field named `name` takes the focus by itself (`autofocus`). Chromium applies autofocus at a rendering
    step that may come after the load event `goto` waits for, so this waits for it; a page that never focuses the
    field fails here."""
    page.wait_for_function("name => document.activeElement && document.activeElement.name === name", arg=name,
                           timeout=5_000)
