"""`flask tenants …`: the platform operator's commands."""

import json

import click
import marshmallow as ma
from flask.cli import AppGroup

from core.db import unit_of_work
from core.errors import DomainError
from tenants.platform import service
from tenants.platform.schemas import TenantCreatedSchema, TenantCreateSchema

tenants_cli = AppGroup("tenants", help="Create and manage tenants.")


@tenants_cli.command("create")
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--currency", default="CNY", show_default=True)
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
def create(name, slug, currency, timezone):
    """Create a tenant and print it as JSON (the body of POST /v1/platform/tenants)."""
    try:
        args = TenantCreateSchema().load({"name": name, "slug": slug, "currency": currency, "timezone": timezone})
        with unit_of_work() as session:
            created = service.create_tenant(session, **args)
    except ma.ValidationError as error:
        raise click.ClickException(json.dumps(error.messages)) from error
    except DomainError as error:
        raise click.ClickException(json.dumps(error.body())) from error
    click.echo(json.dumps(TenantCreatedSchema().dump(created), indent=2))
