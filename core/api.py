"""API base: the flask-smorest Api with our error body, base schemas and documentation helpers."""

from __future__ import annotations

import logging
from http import HTTPStatus

import flask_smorest
import marshmallow as ma
from apispec import BasePlugin
from flask import Flask, jsonify
from flask.sessions import NullSession, SessionInterface
from werkzeug.exceptions import HTTPException, InternalServerError

from core.dumping import dump_plan, dump_with_plan
from core.errors import DomainError, http_error_body

log = logging.getLogger("fission.api")



class Blueprint(flask_smorest.Blueprint):
    def arguments(self, schema, *args, **kwargs):
        # Given a Schema class, webargs builds an instance on every request (copying each declared field);
        # one instance, built here, serves every request alike: loading keeps no state in the schema.
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


document = flask_smorest.Blueprint.doc  # a static decorator: adds OpenAPI fields to a view


class _NoSession(NullSession):
    def _refuse(self, *_args, **_kwargs):
        raise RuntimeError("flask.session is switched off (core.api.NoCookieSessions): keep state elsewhere")

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse


class NoCookieSessions(SessionInterface):
    """Flask's cookie session, switched off: nothing here uses `flask.session` (the API authenticates by
    bearer credential; the console keeps its own cookies, console/sessions). Flask's default would still build
    a signing serializer on every request to look for a cookie nobody sets (issue 14: about 29 µs of CPU per
    request, against 2 µs). Writing to `flask.session` raises, so a future use cannot silently lose what it stores."""

    def open_session(self, app, request):
        return _NoSession()

    def save_session(self, app, session, response):
        return None


def _unstorable_text(value, path: tuple = ()) -> dict:
    """Per-field errors for strings no database column can hold: NUL bytes (PostgreSQL refuses them in
    text) and lone surrogates (not UTF-8). Both arrive in perfectly valid JSON, and reached the database
    as a 500 before they were refused here."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return {path: "Not valid Unicode text."}
        return {path: "Must not contain NUL characters."} if "\x00" in value else {}
    found = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(_unstorable_text(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(_unstorable_text(item, (*path, index)))
    return found


def unstorable_text(value) -> bool:
    """Whether `value` holds text no database column can (see `_unstorable_text`)."""
    return bool(_unstorable_text(value))


def storable(text: str) -> str:
    """`text` with each NUL byte and lone surrogate replaced by U+FFFD, the replacement character."""
    return "".join("\ufffd" if char == "\x00" or "\ud800" <= char <= "\udfff" else char for char in text)


def _nest(errors: dict) -> dict:
    nested: dict = {}
    for path, message in errors.items():
        node = nested
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1] if path else "_schema"] = [message]
    return nested


class Schema(ma.Schema):
    """Base schema: unknown fields are refused (422), so a typo never silently does nothing; text that
    cannot be stored is refused (422) before any field is read."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    @ma.pre_load
    def _refuse_unstorable_text(self, data, **_kwargs):
        errors = _unstorable_text(data)
        if errors:
            raise ma.ValidationError(_nest(errors))
        return data

    def _serialize(self, obj, *, many: bool = False):
        # marshmallow's own dump (its hooks run around this), with its per-field dispatch worked out once per
        # schema (core/dumping.py): an order's response took 200 µs of CPU to dump.
        if many and obj is not None:
            return [self._serialize(each) for each in obj]
        plan = self.__dict__.get("_dump_plan", _UNPLANNED)
        if plan is _UNPLANNED:
            plan = self._dump_plan = dump_plan(self)
        if plan is None or hasattr(obj, "__getitem__"):  # a mapping is read by key first: marshmallow's path
            return super()._serialize(obj)
        return dump_with_plan(self, plan, obj)


_UNPLANNED = object()


class ErrorSchema(ma.Schema):
    """The contract's error body: every refusal has code, status, message and reason (required, so that a
    response missing one does not conform to the document)."""

    code = ma.fields.Integer(required=True, metadata={"description": "HTTP status code"})
    status = ma.fields.String(required=True, metadata={"description": "HTTP status name"})
    message = ma.fields.String(required=True, metadata={"description": "What went wrong, for people"})
    reason = ma.fields.String(required=True, metadata={"description": "Stable snake_case reason, for programs"})
    errors = ma.fields.Dict(metadata={"description": "Per-field errors"})


class ErrorResponses(BasePlugin):
    """Documents the refusals every route of a kind can give, so a route added later is documented too:
    401 and 403 where a credential is needed (a missing or wrong one; another role; a suspended tenant),
    404 where the path or the body names an object, 409 on every change (a state or idempotency conflict; the route's
    own description names its reasons), 422 where the route reads a body, query or Idempotency-Key. No
    catch-all `default`: a status a route can answer and the document does not name is a fuzzing failure."""

    def operation_helper(self, path=None, operations=None, **_kwargs):
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            wanted = []
            if operation.get("security"):
                wanted += [401, 403]
            if "{" in (path or ""):
                wanted.append(404)
            if method in ("post", "put", "patch", "delete"):
                wanted += [409, 422]
            if "requestBody" in operation:
                wanted.append(400)  # a body that is not JSON
                wanted.append(404)  # a body naming an object that is absent (or another tenant's)
            if any(p.get("in") == "query" for p in operation.get("parameters", [])):
                wanted.append(422)
            for status in wanted:
                responses.setdefault(status, HTTPStatus(status).name)
            for status, response in responses.items():
                if int(status) >= 400 and isinstance(response, dict) and "content" not in response:
                    # A refusal documented by its reasons alone still has the contract's body.
                    response["content"] = {"application/json": {"schema": "Error"}}


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # each route's refusals are named (ErrorResponses), never "default"

    def __init__(self, app=None, *, spec_kwargs=None, **kwargs):
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), ErrorResponses()]
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)

    def handle_http_exception(self, error):
        return http_error_body(error)


def _domain_error(error: DomainError):
    return jsonify(error.body()), error.status, error.headers()


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        body, status, headers = http_error_body(error)
        return jsonify(body), status, headers
    log.exception("unhandled error", exc_info=error)
    body, status, _ = http_error_body(InternalServerError())
    return jsonify(body), status


def register_error_handlers(app: Flask) -> None:
    """Every error leaves as the API's JSON body: never an HTML page, never a bare 500."""
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(Exception, _unexpected_error)


class Page:
    """A page of a keyset-paginated list: `{data, has_more}`."""

    def __init__(self, data, has_more: bool):
        self.data = data
        self.has_more = has_more


def page_schema(item_schema: type[ma.Schema], name: str | None = None) -> type[ma.Schema]:
    """The `{data: [item], has_more}` schema of a list of `item_schema`."""
    return ma.Schema.from_dict(
        {"data": ma.fields.List(ma.fields.Nested(item_schema)), "has_more": ma.fields.Boolean()},
        name=name or f"{item_schema.__name__.removesuffix('Schema')}PageSchema",
    )


class PageArgsSchema(Schema):
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
    # An id is letters, digits and underscores: anything else (a NUL byte was a 500) is refused as 422.
    starting_after = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^[A-Za-z0-9_]{1,64}$"))
