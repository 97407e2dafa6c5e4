"""Driving the console through the Flask test client, as a browser would: a cookie, forms and their hidden
fields (CSRF token, record version) read from the page that was served."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)  # data-action of its buttons


class _Forms(HTMLParser):
    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: str | None = None  # the name of the <select> being read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = Form(attrs.get("action") or self.path, (attrs.get("method") or "get").lower())
            self.forms.append(self.current)
        elif self.current is not None and tag == "select" and attrs.get("name"):
            self.select = attrs["name"]
        elif self.current is not None and tag == "option" and self.select:
            # A browser sends the selected option, or the first one when none is marked.
            if "selected" in attrs or self.select not in self.current.fields:
                self.current.fields[self.select] = attrs.get("value") or ""
        elif self.current is not None and tag in ("input", "textarea") and attrs.get("name"):
            if "disabled" in attrs:
                return
            if attrs.get("type") == "checkbox" and "checked" not in attrs:
                return
            self.current.fields[attrs["name"]] = attrs.get("value") or ""
        if self.current is not None and tag == "button" and attrs.get("data-action"):
            self.current.actions.append(attrs["data-action"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def forms_of(html: str, path: str = "") -> list[Form]:
    parser = _Forms(path)
    parser.feed(html)
    return parser.forms


class ConsoleBrowser:
    """One browser (its own cookie jar) on the console."""

    def __init__(self, app, language: str = "zh-CN"):
        self.client = app.test_client()
        self.headers = {"Accept-Language": language}

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, data: dict, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.post(path, data=data, headers=headers, **kwargs)

    def form(self, path: str, action: str) -> Form:
        """The form on page `path` whose button carries `data-action="<action>"`."""
        response = self.get(path)
        assert response.status_code == 200, f"GET {path} -> {response.status_code}"
        matching = [form for form in forms_of(response.get_data(as_text=True), path) if action in form.actions]
        assert matching, f"no form with data-action={action} on {path}"
        return matching[0]

    def submit(self, path: str, action: str, values: dict | None = None, *, form: Form | None = None):
        """Fill the form (keeping its hidden fields) and submit it, like clicking its button."""
        form = form or self.form(path, action)
        return self.post(form.action, {**form.fields, **(values or {})})

    def sign_in(self, key: str, next_path: str | None = None):
        form = self.form("/console/login", "sign-in")
        values = {"api_key": key}
        if next_path:
            values["next"] = next_path
        return self.post("/console/login", {**form.fields, **values})

    def cookie(self, name: str):
        return self.client.get_cookie(name, path="/console")
