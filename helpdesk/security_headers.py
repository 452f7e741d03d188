"""HTTP security headers on every response (pages, errors, JSON, static files), via Flask-Talisman.

A strict Content-Security-Policy: only this site's own scripts, styles and images, no inline
code, no plugins, forms post only here, and no other site may frame a page. Besides it:
X-Frame-Options DENY (for browsers without frame-ancestors), X-Content-Type-Options nosniff,
Referrer-Policy same-origin (ticket and article addresses stay here) and a Permissions-Policy.
Strict-Transport-Security goes out on responses served over HTTPS only. Redirecting plain
HTTP to HTTPS is the FORCE_HTTPS setting, off by default: the dev server and tests speak HTTP.
"""
from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # Markdown turns remote images into links, so images come from here only.
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Attachments are somebody's upload: nothing in one may run, load anything or be framed.
DOWNLOAD_POLICY = {
    "default-src": "'none'",
    "frame-ancestors": "'none'",
    "sandbox": "",
}

PERMISSIONS_POLICY = {
    "browsing-topics": "()",
    "camera": "()",
    "geolocation": "()",
    "microphone": "()",
    "payment": "()",
}


def init_app(app: Flask) -> None:
    """Send the security headers on every response of `app` (one Talisman per app)."""
    app.extensions["talisman"] = Talisman(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
        force_https=bool(app.config["FORCE_HTTPS"]),
        strict_transport_security=True,
        strict_transport_security_max_age=int(app.config["HSTS_MAX_AGE"]),
        strict_transport_security_include_subdomains=False,
        # The session cookie keeps our own settings (SESSION_COOKIE_SECURE, Lax, HttpOnly):
        # Talisman would otherwise mark it Secure and lose it on plain-HTTP development.
        session_cookie_secure=False,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )


def download_policy(view):
    """Serve `view` (an attachment download) under DOWNLOAD_POLICY instead of the page policy.

    Apply it under the route decorator; the headers are still set by the app's Talisman.
    """
    return Talisman()(content_security_policy=DOWNLOAD_POLICY)(view)
