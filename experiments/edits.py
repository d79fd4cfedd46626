"""Counterfactual edits of the scenario data shared by several experiments.

Each edit changes causes only (a state's standing policy, a firm's backing, dated events) in the
mapping read from a scenario file, in place, before the scenario is validated. Edits that one
experiment alone needs live in its own module.
"""

from __future__ import annotations

from typing import Any

Data = dict[str, Any]


def state(data: Data, country: str) -> dict[str, Any]:
    """The state entry of `country` (KeyError, naming it, if the scenario has none)."""
    for s in data["states"]:
        if s["country"] == country:
            return s
    raise KeyError(f"the scenario has no state {country!r}")


def firm(data: Data, name: str) -> dict[str, Any]:
    """The firm entry named `name` in any firm section."""
    for section in ("miners", "refiners", "magnet_makers"):
        for f in data.get(section, []):
            if f["name"] == name:
                return f
    raise KeyError(f"the scenario has no firm {name!r}")


def add_event(data: Data, **event: Any) -> None:
    data.setdefault("events", []).append(event)


def drop_events(data: Data, kind: str, state_code: str | None = None, **match: Any) -> None:
    """Remove the dated events of `kind` (of one state, and matching the given fields)."""

    def hit(e: dict[str, Any]) -> bool:
        return (
            e["kind"] == kind
            and (state_code is None or e["state"] == state_code)
            and all(e.get(k) == v for k, v in match.items())
        )

    data["events"] = [e for e in data.get("events", []) if not hit(e)]


def western_env_costs(data: Data) -> None:
    """Chinese firms pay US environmental compliance costs: the US standing costs from the start
    and the US rules dated in the scenario, from their dates."""
    us = state(data, "USA")
    state(data, "CHN")["env_cost_usd_per_kg"] = dict(us.get("env_cost_usd_per_kg", {}))
    rules = [e for e in data.get("events", []) if e["kind"] == "env_cost" and e["state"] == "USA"]
    data["events"] += [{**e, "state": "CHN"} for e in rules]


def no_state_direction(data: Data) -> None:
    """China without state direction: no undercutting rule, no directed growth, no subsidies, and
    its firms are commercial (no bailouts, no state-paid capacity)."""
    chn = state(data, "CHN")
    chn["dominance"] = False
    chn["subsidy_usd_per_kg"] = {}
    chn.pop("directed_growth_max", None)
    drop_events(data, "subsidy", "CHN")
    for section in ("miners", "refiners", "magnet_makers"):
        for f in data.get(section, []):
            if f["country"] == "CHN":
                f["state_backed"] = False


def western_china(data: Data) -> None:
    """Both: commercial Chinese firms at Western environmental costs."""
    western_env_costs(data)
    no_state_direction(data)


def no_crackdown(data: Data) -> None:
    """China never raises enforcement against smuggling (no 2010-11 crackdown)."""
    drop_events(data, "enforcement", "CHN")


__all__ = [
    "add_event",
    "drop_events",
    "firm",
    "no_crackdown",
    "no_state_direction",
    "state",
    "western_china",
    "western_env_costs",
]
