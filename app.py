"""Fission's application factory: configuration, extensions, blueprints, CLI, signal wiring. No logic."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask

ROOT = Path(__file__).resolve().parent


def _config_from_environment() -> dict:
    instance = ROOT / "instance"
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'fission.db'}",
        "DATABASE_POOL_SIZE": int(os.environ.get("DATABASE_POOL_SIZE", "10")),
        "REDIS_URL": redis_url,
        "FISSION_JOBS_MODE": os.environ.get("FISSION_JOBS_MODE") or ("rq" if redis_url else "inline"),
        "FISSION_QUEUE": os.environ.get("FISSION_QUEUE", "fission"),
        "FISSION_SCHEDULER": os.environ.get("FISSION_SCHEDULER", "on").lower() not in ("off", "0", "false", "no"),
        "FISSION_PLATFORM_TOKEN": os.environ.get("FISSION_PLATFORM_TOKEN"),
        # Both required outside the embedded SQLite default (see _settle_secrets).
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "FISSION_ENCRYPTION_KEYS": os.environ.get("FISSION_ENCRYPTION_KEYS") or None,
        "WECHAT_API_BASE": os.environ.get("WECHAT_API_BASE", "https://api.weixin.qq.com"),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY"),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE"),
        # Distributors' payouts (Stripe Connect transfers): a key and a base URL of their own, when they differ.
        "STRIPE_CONNECT_SECRET_KEY": os.environ.get("STRIPE_CONNECT_SECRET_KEY"),
        "STRIPE_CONNECT_API_BASE": os.environ.get("STRIPE_CONNECT_API_BASE"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # Extra modules that register jobs (plugins; the tests' own job for the worker processes).
        "FISSION_JOB_MODULES": [m for m in os.environ.get("FISSION_JOB_MODULES", "").split(",") if m],
    }


def _settle_secrets(config) -> None:
    """The signing key and the encryption keys. The embedded default (SQLite) generates each once into
    instance/, so `bin/run` needs nothing; anywhere else several processes and hosts must share them,
    so a missing one refuses to start rather than generating a key no other host knows."""
    from core import crypto
    from core.errors import ConfigurationError

    instance = ROOT / "instance"
    embedded = config["DATABASE_URL"].startswith("sqlite")
    missing = [name for name in ("SECRET_KEY", "FISSION_ENCRYPTION_KEYS") if not config.get(name)]
    if missing and not embedded:
        raise ConfigurationError(
            f"{' and '.join(missing)} must be set when DATABASE_URL is not the embedded SQLite default: every "
            "process and host must share them (SECRET_KEY signs consumer sessions; FISSION_ENCRYPTION_KEYS, "
            "comma-separated Fernet keys, encrypts tenants' secrets at rest). See README, Configuration.")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = crypto.instance_secret(instance / "secret_key")
    if not config.get("FISSION_ENCRYPTION_KEYS"):
        config["FISSION_ENCRYPTION_KEYS"] = crypto.instance_key(instance / "encryption_key")
    crypto.configure(crypto.parse_keys(config["FISSION_ENCRYPTION_KEYS"]))


def _openapi_config() -> dict:
    return {
        "API_TITLE": "Fission",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "Platform token, tenant secret key (sk_…), publishable key (pk_…) "
                        "or consumer session token (cs_…)",
                    }
                }
            },
            "info": {"description": "Multi-tenant backend for mini-program shops."},
        },
    }


def _blueprints():
    from core.health import blp as health
    from loyalty.wiring import blueprints as loyalty_blueprints
    from shop.wiring import blueprints as shop_blueprints
    from tenants.customers.views import blp as customers
    from tenants.keys.views import blp as api_keys
    from tenants.platform.views import blp as platform
    from tenants.sessions.views import blp as sessions
    from tenants.settings.views import blp as settings

    return health, [platform, api_keys, settings, customers, sessions, *shop_blueprints(), *loyalty_blueprints()]


def _wire_signals(extra_job_modules: list[str]) -> None:
    """Who listens to what: jobs ask tenants which tenants are active; domains subscribe to events."""
    from core import jobs
    from loyalty.wiring import wire as wire_loyalty
    from shop.wiring import wire as wire_shop
    from tenants.platform import service as platform

    jobs.runtime.tenant_is_active = platform.is_active
    jobs.runtime.active_tenant_ids = platform.active_tenant_ids
    import tenants.jobs  # noqa: F401 - registers the platform's periodic jobs
    import tenants.settings.sections  # noqa: F401 - registers the auth and wechat sections

    wire_shop()
    wire_loyalty()
    for module in extra_job_modules:
        importlib.import_module(module)


def create_app(overrides: dict | None = None) -> Flask:
    load_dotenv(ROOT / ".env")
    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    app.config.update(_config_from_environment())
    app.config.update(_openapi_config())
    app.config.update(overrides or {})
    _settle_secrets(app.config)
    app.json.sort_keys = False

    from console.wiring import init_console
    from core import jobs
    from core.api import Api, NoCookieSessions, register_error_handlers
    from core.db import database
    from core.logging import configure_logging
    from core.migrate import db_cli
    from core.worker import start_inline_jobs_on_first_request, worker_command
    from loyalty.vouchers.cli import vouchers_cli
    from shop.demo import demo_command
    from tenants.auth import init_auth
    from tenants.cli import tenants_cli

    configure_logging(app)
    database.configure(app.config["DATABASE_URL"], pool_size=app.config["DATABASE_POOL_SIZE"])
    jobs.runtime.mode = app.config["FISSION_JOBS_MODE"]
    jobs.runtime.redis_url = app.config["REDIS_URL"]
    jobs.runtime.queue_name = app.config["FISSION_QUEUE"]
    jobs.runtime.scheduler_enabled = app.config["FISSION_SCHEDULER"]
    jobs.runtime._queue = None

    app.session_interface = NoCookieSessions()  # nothing uses flask.session (core/api.py)
    api = Api(app)
    register_error_handlers(app)
    init_auth(app)
    health, blueprints = _blueprints()
    app.register_blueprint(health)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    init_console(app)
    _wire_signals(app.config["FISSION_JOB_MODULES"])
    if jobs.runtime.mode == "inline":
        start_inline_jobs_on_first_request(app)

    app.cli.add_command(db_cli)
    app.cli.add_command(tenants_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(vouchers_cli)
    return app


_app: Flask | None = None


def __getattr__(name: str):
    """`app.app` is `create_app()`, made on first use: `flask --app app …` and gunicorn `app:app`
    find it, while importing this module (tests, migrations) builds nothing."""
    global _app
    if name == "app":
        if _app is None:
            _app = create_app()
        return _app
    raise AttributeError(name)
