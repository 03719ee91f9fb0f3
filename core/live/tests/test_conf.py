"""The layer's settings: LIVE_* names, the old FEED_* ones still read, warned."""

import os

import pytest

from live.conf import DEFAULTS, env_value, live_setting


def test_a_live_setting_is_read_by_its_name(settings):
    settings.LIVE_REJOIN_SECONDS = 7.5
    assert live_setting("LIVE_REJOIN_SECONDS") == 7.5


def test_an_unset_one_has_the_layers_default(settings):
    del settings.LIVE_IO_TIMEOUT_SECONDS
    assert (
        live_setting("LIVE_IO_TIMEOUT_SECONDS") == DEFAULTS["LIVE_IO_TIMEOUT_SECONDS"]
    )


def test_the_old_name_still_counts_with_a_deprecation_warning(settings):
    settings.FEED_REJOIN_SECONDS = 3.0
    with pytest.warns(DeprecationWarning, match="FEED_REJOIN_SECONDS"):
        assert live_setting("LIVE_REJOIN_SECONDS") == 3.0


def test_the_old_environment_variable_still_counts(monkeypatch):
    monkeypatch.delitem(os.environ, "LIVE_PRESENCE_TTL_SECONDS", raising=False)
    monkeypatch.setitem(os.environ, "PRESENCE_TTL_SECONDS", "9")
    with pytest.warns(DeprecationWarning, match="PRESENCE_TTL_SECONDS"):
        assert env_value(float_of, "LIVE_PRESENCE_TTL_SECONDS", 5.0) == 9.0
    monkeypatch.setitem(os.environ, "LIVE_PRESENCE_TTL_SECONDS", "4")
    assert env_value(float_of, "LIVE_PRESENCE_TTL_SECONDS", 5.0) == 4.0


def float_of(name):
    return float(os.environ[name])
