"""Reflex's state manager is chosen by the app, never left to Reflex's default (the disk manager)."""

import importlib
from collections.abc import Callable, Iterator

import pytest
import reflex as rx

from tests.conftest import refresh_settings


@pytest.fixture
def config_with(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str | None], rx.Config]]:
    import rxconfig

    def build(redis_url: str | None) -> rx.Config:
        if redis_url is None:
            monkeypatch.delenv("REDIS_URL", raising=False)
        else:
            monkeypatch.setenv("REDIS_URL", redis_url)
        refresh_settings()
        return importlib.reload(rxconfig).config

    yield build
    monkeypatch.undo()
    refresh_settings()
    importlib.reload(rxconfig)


def test_without_redis_the_tabs_state_lives_in_the_process_memory(config_with):
    assert config_with(None).state_manager_mode == rx.constants.StateManagerMode.MEMORY


def test_with_redis_every_worker_shares_the_tabs_state(config_with):
    config = config_with("redis://127.0.0.1:6379/13")
    assert config.state_manager_mode == rx.constants.StateManagerMode.REDIS
    assert (config.redis_url or "").startswith("redis://127.0.0.1:6379/13")


@pytest.fixture
def restore_gc_thresholds() -> Iterator[None]:
    import gc

    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_every_backend_process_collects_young_garbage_rarely(config_with, restore_gc_thresholds):
    """Loading the configuration (as every backend process does) sets the collector's thresholds: a young
    collection every 50,000 allocations, not Python's 700 (full collections paused saves, issue 19)."""
    import gc

    gc.set_threshold(700, 10, 10)
    config_with(None)
    assert gc.get_threshold() == (50_000, 20, 10)


def test_gc_thresholds_can_be_set_or_left_to_python(config_with, monkeypatch, restore_gc_thresholds):
    import gc

    monkeypatch.setenv("GC_THRESHOLDS", " 10000, 10 ,10")
    config_with(None)
    assert gc.get_threshold() == (10_000, 10, 10)
    gc.set_threshold(700, 10, 10)
    monkeypatch.setenv("GC_THRESHOLDS", "")
    config_with(None)
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.parametrize("value", ["50000,20", "50000,20,0", "fast", "50000,-1,10", "1.5,2,3"])
def test_a_wrong_gc_thresholds_value_is_refused_by_name(monkeypatch, value):
    from vocahire.settings import Settings

    monkeypatch.setenv("GC_THRESHOLDS", value)
    with pytest.raises(Exception, match=r"GC_THRESHOLDS|gc_thresholds") as caught:
        Settings()
    assert "three positive whole numbers" in str(caught.value)
