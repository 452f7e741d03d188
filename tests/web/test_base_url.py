"""Links in mails: the development server points them at the address it serves, and
/healthz warns (without failing) while HELPDESK_BASE_URL is unset in production."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from helpdesk import create_app
from helpdesk.cli import dev_base_url
from helpdesk.extensions import db

HELPDESK = Path(sys.executable).with_name("helpdesk")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_warns_but_passes_while_the_base_url_is_unset(app, app_config):
    config = {k: v for k, v in app_config.items() if k != "BASE_URL"}     # same database
    unset = create_app(config)
    warned = unset.test_client().get("/healthz")
    assert warned.json["warnings"] == [
        "HELPDESK_BASE_URL is not set: links in mails point to http://127.0.0.1:5000"]

    configured = create_app({**config, "BASE_URL": "https://help.example.com"})
    response = configured.test_client().get("/healthz")
    assert "warnings" not in response.json
    # The warning does not count in the verdict: that stays with the checks' "ok".
    checks_ok = all(part["ok"] for part in warned.json.values() if isinstance(part, dict))
    assert (warned.status_code, warned.json["status"]) == (
        (200, "ok") if checks_ok else (503, "degraded"))


@pytest.mark.parametrize("host, port, https, expected", [
    ("127.0.0.1", 8080, False, "http://127.0.0.1:8080"),
    ("0.0.0.0", 8080, False, "http://127.0.0.1:8080"),
    ("help.internal", 5001, True, "https://help.internal:5001"),
    ("::", 9000, False, "http://[::1]:9000"),
])
def test_dev_server_base_url_is_where_it_listens(host, port, https, expected):
    assert dev_base_url(host, port, https=https) == expected


def _form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_helpdesk_run_on_another_port_links_mails_to_that_port(app, make, mailbox,
                                                              smtp_server, tmp_path):
    email = make.user().email
    db.session.commit()          # and no transaction left open: the server writes
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(HELPDESK_INSTANCE_PATH=app.instance_path,
               HELPDESK_DATABASE_URL=app.config["DATABASE_URL"],
               HELPDESK_MAIL_SERVER="127.0.0.1", HELPDESK_MAIL_PORT=str(smtp_server[1]),
               HELPDESK_SECRET_KEY="test-secret")
    server = subprocess.Popen([str(HELPDESK), "run", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        deadline = time.monotonic() + 30
        while True:
            try:
                health = opener.open(f"{base}/healthz", timeout=5).read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert "warnings" not in health
        page = opener.open(f"{base}/password/forgot", timeout=5).read().decode()
        data = urllib.parse.urlencode({**_form_fields(page), "email": email}).encode()
        opener.open(f"{base}/password/forgot", data=data, timeout=10)
        mailbox.wait_for(1, timeout=10)
        [message] = mailbox.to(email)
        assert f"{base}/password/reset/" in message.get_content()
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert f"Links in mails point to {base}" in output
