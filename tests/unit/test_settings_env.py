"""Settings a feature package declares are typed from the environment like the core's."""
from __future__ import annotations

import pytest

from helpdesk import create_app


def _app(tmp_path, monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(f"HELPDESK_{name}", value)
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                       "SECRET_KEY": "test-secret", "MAIL_SUPPRESS": True})


def test_a_feature_setting_from_the_environment_gets_its_default_type(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, KB_REBUILD_DAMAGED="false", KB_GAP_MAX_HITS="3",
               KB_TRANSLATION_WEIGHT="0.25", KB_ANSWERED_RATE_LIMIT="5 per hour")
    # "false" is False (a non-empty string would switch the feature on), numbers are numbers
    assert app.config["KB_REBUILD_DAMAGED"] is False
    assert app.config["KB_GAP_MAX_HITS"] == 3
    assert app.config["KB_TRANSLATION_WEIGHT"] == 0.25
    assert app.config["KB_ANSWERED_RATE_LIMIT"] == "5 per hour"


def test_an_unset_feature_setting_takes_the_features_default(tmp_path, monkeypatch):
    monkeypatch.delenv("HELPDESK_KB_REBUILD_DAMAGED", raising=False)
    app = _app(tmp_path, monkeypatch)
    assert app.config["KB_REBUILD_DAMAGED"] is True


def test_a_malformed_number_stops_the_start_with_the_setting_named(tmp_path, monkeypatch):
    with pytest.raises(SystemExit, match="HELPDESK_KB_GAP_MAX_HITS='many'"):
        _app(tmp_path, monkeypatch, KB_GAP_MAX_HITS="many")


def test_an_empty_feature_setting_takes_the_default_like_the_cores(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, KB_GAP_MAX_HITS="", KB_REBUILD_DAMAGED="")
    assert app.config["KB_GAP_MAX_HITS"] == 1
    assert app.config["KB_REBUILD_DAMAGED"] is True
