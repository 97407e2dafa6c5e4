"""API base: the flask-smorest Api with our error body, base schemas and documentation helpers."""

from __future__ import annotations

import logging

import flask_smorest
import marshmallow as ma
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

from core.errors import DomainError, http_error_body

log = logging.getLogger("fission.api")

Blueprint = flask_smorest.Blueprint
document = flask_smorest.Blueprint.doc  # a static decorator: adds OpenAPI fields to a view


class Schema(ma.Schema):
    """Base schema: unknown fields are refused (422), so a typo never silently does nothing."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class ErrorSchema(ma.Schema):
    code = ma.fields.Integer(metadata={"description": "HTTP status code"})
    status = ma.fields.String(metadata={"description": "HTTP status name"})
    message = ma.fields.String(metadata={"description": "What went wrong, for people"})
    reason = ma.fields.String(metadata={"description": "Stable snake_case reason, for programs"})
    errors = ma.fields.Dict(metadata={"description": "Per-field errors"})


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

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
    starting_after = ma.fields.String(load_default=None)
