"""Shared fixtures: the small test world (tests/data/small_world.toml) and helpers to vary it.

`world(events=[...], **changes)` returns a validated `Scenario` built from the small world with
dated causes added and sections changed; `run_world(...)` runs it and returns the four tables.
Both are plain functions (importable as `from conftest import world, run_world`) and fixtures.
"""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from model import RareEarthModel, run
from model.scenario import Scenario, parse_scenario

DATA = Path(__file__).parent / "data"
SMALL_WORLD = DATA / "small_world.toml"


@cache
def _small_world_data() -> dict[str, Any]:
    with SMALL_WORLD.open("rb") as fh:
        return tomllib.load(fh)


def small_world_data() -> dict[str, Any]:
    """A fresh (deep) copy of the small world as a dict, safe to modify."""
    return copy.deepcopy(_small_world_data())


def _find(items: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    for item in items:
        if item.get(key) == value:
            return item
    raise KeyError(f"no item with {key} = {value!r}")


def world(
    events: Iterable[dict[str, Any]] = (),
    *,
    states: dict[str, dict[str, Any]] | None = None,
    firms: dict[str, dict[str, Any]] | None = None,
    customers: dict[str, dict[str, Any]] | None = None,
    **changes: Any,
) -> Scenario:
    """The small world as a Scenario, with `events` (dicts as in a scenario file) added.

    `states={"CHN": {"dominance": True}}`, `firms={"Mount Weld": {"capacity_t": 1}}` and
    `customers={"US defence": {...}}` update items by country or name; any other keyword
    replaces a top-level entry: `parameters={...}` is merged into the file's parameters, a
    section given as a list (e.g. `smugglers=[]`) replaces it, `end="2000-12"` sets the end."""
    data = small_world_data()
    data["events"] = [dict(e) for e in events]
    for country, upd in (states or {}).items():
        _find(data["states"], "country", country).update(upd)
    for name, upd in (firms or {}).items():
        section = next(
            s for s in ("miners", "refiners", "magnet_makers", "smugglers") if any(f["name"] == name for f in data[s])
        )
        _find(data[section], "name", name).update(upd)
    for name, upd in (customers or {}).items():
        _find(data["customers"], "name", name).update(upd)
    for key, value in changes.items():
        if key == "parameters":
            data["parameters"] = {**data.get("parameters", {}), **value}
        elif key in ("start", "end", "name", "description"):
            data["scenario"][key] = value
        else:
            data[key] = value
    return parse_scenario(data, str(SMALL_WORLD))


def run_world(
    events: Iterable[dict[str, Any]] = (),
    seed: int = 0,
    until: str | None = None,
    params: dict[str, Any] | None = None,
    **changes: Any,
) -> dict[str, pd.DataFrame]:
    """Run the small world (with `events` and `changes`, see `world`) and return the tables."""
    return run(world(events, **changes), seed=seed, until=until, **(params or {}))


_RUNS: dict[str, dict[str, pd.DataFrame]] = {}


def cached_run(
    events: Iterable[dict[str, Any]] = (),
    seed: int = 0,
    until: str | None = None,
    params: dict[str, Any] | None = None,
    **changes: Any,
) -> dict[str, pd.DataFrame]:
    """`run_world` with the tables kept for the session (counterfactuals shared by tests).
    The tables returned are copies, so a test may change them."""
    key = json.dumps([list(events), seed, until, params, changes], sort_keys=True, default=str)
    if key not in _RUNS:
        _RUNS[key] = run_world(events, seed=seed, until=until, params=params, **changes)
    return {name: df.copy() for name, df in _RUNS[key].items()}


def model_world(
    events: Iterable[dict[str, Any]] = (),
    seed: int = 0,
    until: str | None = None,
    params: dict[str, Any] | None = None,
    **changes: Any,
) -> RareEarthModel:
    """A RareEarthModel of the small world (not yet stepped), with accounting checks on."""
    return RareEarthModel(world(events, **changes), seed=seed, until=until, check=True, **(params or {}))


def run_model(model: RareEarthModel, each_month: Callable[[RareEarthModel], None] | None = None) -> RareEarthModel:
    """Step `model` to its end, calling `each_month(model)` after every month."""
    while model.running and model.month + 1 < model.n_months:
        model.step()
        if each_month is not None:
            each_month(model)
    return model


@pytest.fixture
def small_world() -> dict[str, Any]:
    """The small world as a dict (a fresh copy per test)."""
    return small_world_data()


@pytest.fixture(name="world")
def world_fixture() -> Callable[..., Scenario]:
    """`world(events=[...], **changes)` -> Scenario (see `conftest.world`)."""
    return world


@pytest.fixture(name="run_world")
def run_world_fixture() -> Callable[..., dict[str, pd.DataFrame]]:
    """`run_world(events=[...], seed=0, until=None, params=None, **changes)` -> tables."""
    return run_world
