"""Typed environment readers: defaults when unset or blank, a clear error for malformed values."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from medmissions.lib.env import env_float, env_int


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
