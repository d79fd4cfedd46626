"""Scenario levers: uncertain inputs of a sensitivity study that live in the scenario file.

`ModelParams` (model/params.py) declares the behavioural parameters. Some questions turn on
inputs that are not parameters but parts of the scenario: China's production subsidy, US buyers'
willingness to pay for domestic magnets, the level of a US price floor, US permitting times. A
lever is a named edit of the scenario's data (the mapping read from its TOML file), made before
the scenario is validated with `model.scenario.parse_scenario`, so the usual checks still apply.
Each lever declares its meaning, unit, allowed range and default sampling distribution; its
default is the value the scenario itself holds (`Lever.read`).

A lever names the items it edits (the state CHN, the firm 'Hitachi Metals North Carolina', ...);
used on a scenario without them it raises `LeverError`, one line saying what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAGNET_SECTORS: tuple[str, ...] = ("ev_auto", "wind", "electronics", "defence", "industrial_motors")
"""Customer sectors that buy magnets (`other_uses` buys concentrate; see model/goods.py)."""

Data = dict[str, Any]


class LeverError(ValueError):
    """A lever cannot be used on this scenario; the message is one line."""


@dataclass(frozen=True)
class Lever:
    """A named edit of the scenario data, with its meaning, unit and allowed range."""

    name: str
    meaning: str
    unit: str
    low: float
    high: float
    read: Callable[[Data], float]
    """The scenario's own value (the lever's default); raises LeverError if it does not apply."""
    write: Callable[[Data, float], None]
    """Set the value in the scenario data (in place)."""
    integer: bool = False
    distribution: str = "uniform"

    def default(self, data: Data) -> float:
        """The value this scenario holds."""
        return float(self.read(data))

    def apply(self, data: Data, value: float) -> None:
        """Edit `data` (a scenario mapping) in place to hold `value`."""
        self.read(data)  # raises if the scenario lacks what the lever edits
        self.write(data, int(round(value)) if self.integer else float(value))


# --- helpers: find what a lever edits ------------------------------------------------------------
def _state(data: Data, country: str, lever: str) -> dict[str, Any]:
    for s in data.get("states", []):
        if isinstance(s, dict) and s.get("country") == country:
            return s
    raise LeverError(f"lever {lever} needs the state {country}, which this scenario does not declare")


def _firm(data: Data, name: str, lever: str) -> dict[str, Any]:
    for section in ("miners", "refiners", "magnet_makers"):
        for f in data.get(section, []):
            if isinstance(f, dict) and f.get("name") == name:
                return f
    raise LeverError(f"lever {lever} needs the firm {name!r}, which this scenario does not have")


def _floor_events(data: Data, state: str, firm: str, tier: str) -> list[dict[str, Any]]:
    return [
        e
        for e in data.get("events", [])
        if isinstance(e, dict)
        and e.get("kind") == "price_floor"
        and e.get("state") == state
        and e.get("firm") == firm
        and e.get("tier") == tier
    ]


def _build_date(data: Data, firm: str) -> str:
    """The month the firm's construction is decided (its `build` event), else the scenario start."""
    for e in data.get("events", []):
        if isinstance(e, dict) and e.get("kind") == "build" and e.get("firm") == firm:
            return str(e["date"])
    return str(data["scenario"]["start"])


# --- the levers ----------------------------------------------------------------------------------
def _state_dict_lever(
    name: str,
    meaning: str,
    unit: str,
    low: float,
    high: float,
    country: str,
    key: str,
    tiers: tuple[str, ...],
    **kw: Any,
) -> Lever:
    """A lever on a tier-keyed standing policy of a state (set for every tier in `tiers`)."""

    def read(data: Data) -> float:
        return float(_state(data, country, name).get(key, {}).get(tiers[0], 0))

    def write(data: Data, value: float) -> None:
        state = _state(data, country, name)
        state[key] = {**state.get(key, {}), **dict.fromkeys(tiers, value)}

    return Lever(name, meaning, unit, low, high, read, write, **kw)


def _domestic_premium_lever(name: str, country: str, low: float, high: float) -> Lever:
    def buyers(data: Data) -> list[dict[str, Any]]:
        found = [
            c
            for c in data.get("customers", [])
            if isinstance(c, dict) and c.get("country") == country and c.get("sector") in MAGNET_SECTORS
        ]
        if not found:
            raise LeverError(f"lever {name} needs magnet customers in {country}; this scenario has none")
        return found

    def read(data: Data) -> float:
        return max(float(c.get("domestic_premium", 0.0)) for c in buyers(data))

    def write(data: Data, value: float) -> None:
        for c in buyers(data):
            c["domestic_premium"] = value

    meaning = (
        f"premium over the landed price of imports that {country}'s magnet buyers will pay for "
        f"{country}-made magnets (all magnet sectors), from the scenario start"
    )
    return Lever(name, meaning, "1", low, high, read, write)


def _existing_floor_lever(name: str, state: str, firm: str, tier: str, low: float, high: float) -> Lever:
    """The level of a price floor the scenario already dates (every such event gets the value)."""

    def events(data: Data) -> list[dict[str, Any]]:
        found = _floor_events(data, state, firm, tier)
        if not found:
            raise LeverError(f"lever {name} needs a price_floor event of {state} for {firm!r} ({tier}); there is none")
        return found

    def read(data: Data) -> float:
        return max(float(e["usd_per_kg"]) for e in events(data))

    def write(data: Data, value: float) -> None:
        for e in events(data):
            e["usd_per_kg"] = value

    meaning = f"level of {state}'s price floor for {firm!r} ({tier}) at the dates the scenario gives"
    return Lever(name, meaning, "USD/kg", low, high, read, write)


def _new_floor_lever(name: str, state: str, firm: str, tier: str, years: float, low: float, high: float) -> Lever:
    """A counterfactual price floor for one firm, from its construction decision for `years`
    (0 = no floor, as in the history; at 0 the scenario is left as it is)."""

    def read(data: Data) -> float:
        _state(data, state, name)
        _firm(data, firm, name)
        return max([float(e["usd_per_kg"]) for e in _floor_events(data, state, firm, tier)] + [0.0])

    def write(data: Data, value: float) -> None:
        existing = _floor_events(data, state, firm, tier)
        for e in existing:
            e["usd_per_kg"] = value
        if not existing and value > 0:
            event = {"date": _build_date(data, firm), "kind": "price_floor", "state": state, "firm": firm}
            event |= {"tier": tier, "usd_per_kg": value, "years": years, "note": f"sensitivity lever {name}"}
            data.setdefault("events", []).append(event)

    meaning = (
        f"a price floor from {state} for the {tier} of {firm!r}, from its construction decision for "
        f"{years:g} years (a counterfactual; 0 = none)"
    )
    return Lever(name, meaning, "USD/kg", low, high, read, write)


LEVERS: dict[str, Lever] = {
    lever.name: lever
    for lever in (
        _state_dict_lever(
            "china_subsidy_magnet_usd_per_kg",
            "China's production subsidy to its magnet makers, per kg of magnet, standing from the scenario start",
            "USD/kg",
            0.0,
            5.0,
            "CHN",
            "subsidy_usd_per_kg",
            ("magnet",),
        ),
        _state_dict_lever(
            "china_subsidy_separation_usd_per_kg",
            "China's production subsidy to its separators, per kg of concentrate processed, standing from the start",
            "USD/kg",
            0.0,
            2.0,
            "CHN",
            "subsidy_usd_per_kg",
            ("ndpr_oxide", "dytb_oxide"),
        ),
        _domestic_premium_lever("us_domestic_premium", "USA", 0.0, 0.5),
        _existing_floor_lever("us_ndpr_floor_usd_per_kg", "USA", "Mountain Pass Separation", "ndpr_oxide", 0.0, 200.0),
        _new_floor_lever(
            "us_magnet_floor_usd_per_kg", "USA", "Hitachi Metals North Carolina", "magnet", 10.0, 0.0, 50.0
        ),
        _state_dict_lever(
            "us_permitting_mine_months",
            "months a new US mine (or a mine's expansion, half of it) waits for its permits",
            "months",
            0,
            600,
            "USA",
            "permitting_months",
            ("concentrate",),
            integer=True,
        ),
        _state_dict_lever(
            "us_permitting_magnet_months",
            "months a new US magnet plant (or an expansion, half of it) waits for its permits",
            "months",
            0,
            60,
            "USA",
            "permitting_months",
            ("magnet",),
            integer=True,
        ),
    )
}
"""Every lever, by name."""


__all__ = ["LEVERS", "Lever", "LeverError", "MAGNET_SECTORS"]
