"""/healthz: the state of the database, and of what the features add (the search index, mail)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from helpdesk import registry
from helpdesk.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    report = {"database": _database()}
    for check in registry.entries(registry.HEALTH_CHECKS):
        name, ok, details = check(current_app)
        report[name] = {"ok": ok, **details}
    healthy = all(part["ok"] for part in report.values())
    # Problems of the configuration that do not stop the app from serving: reported, but
    # the check passes (a load balancer must not take every instance out for them).
    warnings = _warnings(current_app)
    if warnings:
        report["warnings"] = warnings
    return jsonify(status="ok" if healthy else "degraded", **report), 200 if healthy else 503


def _warnings(app) -> list[str]:
    warnings = []
    if not app.config.get("BASE_URL_IS_SET", True):
        warnings.append(f"HELPDESK_BASE_URL is not set: links in mails point to "
                        f"{app.config['BASE_URL']}")
    return warnings


def _database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "dialect": db.engine.dialect.name}
    except SQLAlchemyError as exc:
        db.session.rollback()
        return {"ok": False, "error": exc.__class__.__name__}
