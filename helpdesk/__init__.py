"""The Tiered Helpdesk web application."""
from __future__ import annotations

import sys

# Checked before anything else is imported: on an older Python the first failure would
# be an obscure ImportError (datetime.UTC, enum.StrEnum) instead of this message.
if sys.version_info < (3, 11):  # noqa: UP036 (the point is to say so on older versions)
    raise SystemExit("Tiered Helpdesk needs Python 3.11 or newer; this is Python "
                     f"{sys.version.split()[0]} ({sys.executable}).")

import importlib  # noqa: E402 (after the version check, on purpose)
import secrets  # noqa: E402
from pathlib import Path

from flask import Flask

from helpdesk import config as settings_module

ROOT = Path(__file__).resolve().parent.parent


# Short names of the feature packages that come with the helpdesk (setting FEATURES).
FEATURE_MODULES = {"notifications": "helpdesk.notifications", "kb": "kb",
                   "mail_in": "helpdesk.mail_in", "service_levels": "helpdesk.service_levels",
                   "problems": "helpdesk.problems"}


def create_app(config: dict | None = None) -> Flask:
    """Create and wire the application: settings, extensions, blueprints, CLI, errors,
    then the feature packages named by the setting FEATURES.

    `config` overrides the environment (tests pass their database and folders here).
    This module, `helpdesk.cli` and `helpdesk.template_helpers` are the composition root:
    the only code that knows every layer. Features attach through `helpdesk.registry`.
    """
    settings = settings_module.from_environment()
    settings.update(config or {})
    instance = settings_module.instance_path(settings)
    app = _HelpdeskFlask(__name__, instance_path=str(instance), instance_relative_config=False,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(settings)
    _derive_settings(app)

    from helpdesk import database, extensions, i18n, registry, text_input

    registry.init_app(app)
    text_input.init_app(app)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"))
    extensions.csrf.init_app(app)
    # In Flask-WTF's place: forms with a stale token come back; then one-time submissions.
    from helpdesk import stale_forms, submissions
    stale_forms.init_app(app)
    submissions.init_app(app)
    extensions.babel.init_app(app, locale_selector=i18n.select_locale,
                              default_translation_directories=str(ROOT / "translations"))
    extensions.limiter.init_app(app)
    database.configure_engine_events(app)

    from helpdesk.accounts import login as account_login
    account_login.init_app(app)

    if int(app.config["PROXY_COUNT"]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0)

    _register_blueprints(app)
    _register_template_helpers(app)

    from helpdesk import errors, security_headers
    errors.init_app(app)
    security_headers.init_app(app)

    _load_features(app)
    return app


def feature_names(value) -> list[str]:
    """The feature packages a FEATURES setting names: a comma-separated string (or a
    list), in order, each once; "none" or nothing names none."""
    names = value.split(",") if isinstance(value, str) else list(value or ())
    names = [name.strip() for name in names if name.strip()]
    if [name.lower() for name in names] == ["none"]:
        return []
    return list(dict.fromkeys(names))


def _load_features(app: Flask) -> None:
    """Import each feature package named by FEATURES and call its `init_app(app)`."""
    from helpdesk import registry

    for name in feature_names(app.config.get("FEATURES", "")):
        module_name = FEATURE_MODULES.get(name, name)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (module_name + ".").startswith(exc.name + "."):
                raise           # the package exists, something it imports does not
            raise RuntimeError(f"FEATURES names {name!r}, but there is no module "
                               f"{module_name!r}") from exc
        module.init_app(app)
        registry.registry_of(app).features.append(name)


class _HelpdeskFlask(Flask):
    config_class = settings_module.Settings


def _derive_settings(app: Flask) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'helpdesk.sqlite3'}"
    # Unset, links in mails point to the fallback and /healthz warns.
    app.config["BASE_URL_IS_SET"] = bool(app.config.get("BASE_URL"))
    if not app.config["BASE_URL_IS_SET"]:
        app.config["BASE_URL"] = settings_module.BASE_URL_FALLBACK
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if not app.config.get("INDEX_PATH"):
        app.config["INDEX_PATH"] = str(instance / "search-index")
    app.config.setdefault("ATTACHMENT_PATH", str(instance / "attachments"))
    app.config["MAX_CONTENT_LENGTH"] = (
        int(app.config["MAX_ATTACHMENT_BYTES"]) * int(app.config["MAX_ATTACHMENTS_PER_MESSAGE"])
        + 1024 * 1024)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]


def _instance_secret_key(instance: Path) -> str:
    """Return the key kept in the instance folder, generating it on first use."""
    path = instance / "secret_key"
    if not path.exists():
        try:
            with open(path, "x", encoding="ascii") as handle:   # first worker wins
                handle.write(secrets.token_urlsafe(48))
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="ascii").strip()


def _register_blueprints(app: Flask) -> None:
    # Importing a views module attaches its routes to the package's blueprint.
    import helpdesk.accounts.views  # noqa: F401
    import helpdesk.admin.views  # noqa: F401
    import helpdesk.tickets.agent_views  # noqa: F401
    import helpdesk.tickets.merge_views  # noqa: F401
    import helpdesk.tickets.views  # noqa: F401
    from helpdesk import health
    from helpdesk.accounts import bp as accounts_bp
    from helpdesk.admin import bp as admin_bp
    from helpdesk.tickets import bp as tickets_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(health.bp)


def _register_template_helpers(app: Flask) -> None:
    from helpdesk import template_helpers

    template_helpers.init_app(app)
