"""Typed environment readers: defaults when unset or blank, a clear error for malformed values."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from medmissions.lib.env import env_day_counts, env_float, env_int


def test_numbers_are_read_and_default_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("MEDMISSIONS_TEST_NUMBER", raising=False)
    assert env_float("MEDMISSIONS_TEST_NUMBER", 0.5) == 0.5
    assert env_int("MEDMISSIONS_TEST_NUMBER", 3) == 3
    monkeypatch.setenv("MEDMISSIONS_TEST_NUMBER", "")
    assert env_float("MEDMISSIONS_TEST_NUMBER", 0.5) == 0.5
    monkeypatch.setenv("MEDMISSIONS_TEST_NUMBER", "0.002")
    assert env_float("MEDMISSIONS_TEST_NUMBER", 0.5) == 0.002


@pytest.mark.parametrize(("reader", "value"), [(env_float, "a tenth"), (env_int, "1.5")])
def test_malformed_numbers_are_refused_with_the_variable_named(monkeypatch, reader, value):
    monkeypatch.setenv("MEDMISSIONS_TEST_NUMBER", value)
    with pytest.raises(ImproperlyConfigured, match="MEDMISSIONS_TEST_NUMBER"):
        reader("MEDMISSIONS_TEST_NUMBER", 1)


def test_day_counts_override_only_the_keys_named(monkeypatch):
    default = {"medicine": 365, "vaccine": 180}
    monkeypatch.delenv("MEDMISSIONS_TEST_DAYS", raising=False)
    assert env_day_counts("MEDMISSIONS_TEST_DAYS", default) == default
    monkeypatch.setenv("MEDMISSIONS_TEST_DAYS", " vaccine = 90 , equipment=0")
    assert env_day_counts("MEDMISSIONS_TEST_DAYS", default) == {
        "medicine": 365,
        "vaccine": 90,
        "equipment": 0,
    }
    assert default == {"medicine": 365, "vaccine": 180}


@pytest.mark.parametrize("value", ["medicine", "=30", "medicine=a year", "vaccine=-1"])
def test_malformed_day_counts_are_refused(monkeypatch, value):
    monkeypatch.setenv("MEDMISSIONS_TEST_DAYS", value)
    with pytest.raises(ImproperlyConfigured, match="MEDMISSIONS_TEST_DAYS"):
        env_day_counts("MEDMISSIONS_TEST_DAYS", {"medicine": 365})
