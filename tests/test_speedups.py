"""The speed changes are all on unless a benchmark turns some off by name."""
import pytest

from recovery_support.speedups import NAMES, enabled


def test_all_on_by_default(monkeypatch):
    monkeypatch.delenv("SPEEDUPS_OFF", raising=False)
    assert all(enabled(name) for name in NAMES)


def test_named_ones_or_all_off(monkeypatch):
    monkeypatch.setenv("SPEEDUPS_OFF", "graph, rules")
    assert [name for name in NAMES if not enabled(name)] == ["graph", "rules"]
    monkeypatch.setenv("SPEEDUPS_OFF", "all")
    assert not any(enabled(name) for name in NAMES)


def test_an_unknown_name_is_a_mistake():
    with pytest.raises(AssertionError):
        enabled("turbo")
