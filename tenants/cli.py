"""`flask tenants …`: the platform operator's commands."""

import json

import click
import marshmallow as ma
from flask.cli import AppGroup

from core.db import unit_of_work
from core.errors import DomainError
from tenants.platform import service
from tenants.platform.schemas import TenantCreatedSchema, TenantCreateSchema
from tenants.settings import service as settings

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


@tenants_cli.command("rotate-secrets")
def rotate_secrets():
    """Re-encrypt every tenant's stored secrets with the first of FISSION_ENCRYPTION_KEYS.

    Run it after putting a new key first; once it has run, the old keys may be dropped.
    """
    total, after = 0, None
    while True:
        with unit_of_work() as session:  # tenants are the platform's rows: no tenant scope involved
            rewritten, after = settings.rotate_secrets(session, after_tenant_id=after)
        total += rewritten
        if after is None:
            break
    click.echo(f"re-encrypted {total} secrets")
