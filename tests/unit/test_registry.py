"""The extension point registry: one per app, features named by a setting, signals heard
only in the apps that connected them."""
from __future__ import annotations

import sys
import types

import pytest
from blinker import Signal

from helpdesk import create_app, feature_names, registry


@pytest.fixture
def make_app(tmp_path):
    def make(**config):
        return create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x",
                           "MAIL_SEND_IN_BACKGROUND": False, **config})
    return make


def test_each_app_has_its_own_registry_and_adding_twice_changes_nothing(make_app):
    full, bare = make_app(), make_app(FEATURES="")
    panels = registry.registry_of(full).entries(registry.STAFF_PANELS)
    assert len(panels) == 4       # mail, the KB's articles, the service levels, the problem
    assert registry.registry_of(bare).entries(registry.STAFF_PANELS) == ()
    with full.app_context():
        registry.add(full, registry.STAFF_PANELS, panels[0])
        assert registry.entries(registry.STAFF_PANELS) == panels
    # Building another full app does not add the features' entries twice anywhere.
    again = make_app()
    assert registry.registry_of(again).entries(registry.STAFF_PANELS) == panels
    assert registry.registry_of(full).entries(registry.STAFF_PANELS) == panels


def test_an_unknown_extension_point_is_an_error_that_lists_the_known_ones(make_app):
    with pytest.raises(KeyError, match="staff_panels"):
        registry.add(make_app(FEATURES=""), "staf_panels", print)


@pytest.mark.parametrize("value, names", [
    ("notifications,kb", ["notifications", "kb"]),
    (" kb , notifications,kb,", ["kb", "notifications"]),
    ("", []),
    ("none", []),
    (["kb"], ["kb"]),
    (None, []),
])
def test_the_features_setting_names_packages_in_order_each_once(value, names):
    assert feature_names(value) == names


def test_a_feature_is_loaded_by_its_module_path_and_an_unknown_one_stops_the_app(make_app,
                                                                               monkeypatch):
    feature = types.ModuleType("helpdesk_test_feature")
    feature.init_app = lambda app: registry.add(app, registry.NAV_ITEMS, feature_nav)

    def feature_nav(user):
        return [{"url": "/x", "label": "X", "prefix": "x."}]

    monkeypatch.setitem(sys.modules, "helpdesk_test_feature", feature)
    app = make_app(FEATURES="helpdesk_test_feature")
    assert registry.registry_of(app).features == ["helpdesk_test_feature"]
    assert registry.registry_of(app).entries(registry.NAV_ITEMS) == (feature_nav,)
    with pytest.raises(RuntimeError, match="'no_such_feature'"):
        make_app(FEATURES="kb,no_such_feature")


def test_a_connected_receiver_hears_a_signal_only_in_its_apps(make_app):
    signal = Signal("test-signal")
    heard = []

    def receiver(sender, **kwargs):
        heard.append((sender, kwargs))

    listening, deaf = make_app(FEATURES=""), make_app(FEATURES="")
    registry.connect(listening, signal, receiver)
    registry.connect(listening, signal, receiver)       # again: still heard once
    with listening.app_context():
        signal.send("in listening", n=1)
    with deaf.app_context():
        signal.send("in deaf", n=2)
    signal.send("outside any app", n=3)
    assert heard == [("in listening", {"n": 1}), ("outside any app", {"n": 3})]
