"""A state's policy instruments (DESIGN section 6) and the dated causes that change them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agents.state import State


@dataclass
class PriceFloor:
    """A guaranteed price for one firm's output, with an optional share bought by the state."""

    firm: str
    tier: str
    usd_per_kg: float
    until_step: int
    offtake_share: float
    margin_usd_per_kg: float | None = None  # cost-plus offtake: at least full unit cost plus this margin
    offtake_cap_t_per_month: float = float("inf")  # a cost-plus offtake takes at most the plant's capacity then


@dataclass
class Policy:
    """The instruments one state holds. Tier-keyed dicts; absent keys mean 'none'."""

    export_quota_t: dict[str, float] = field(default_factory=dict)  # t per year, shared by tiers in the set
    quota_tiers: dict[str, frozenset[str]] = field(default_factory=dict)  # tier -> tiers sharing its quota
    quota_batch: dict[str, tuple[int, int]] = field(default_factory=dict)  # tier -> (first, end) step of a batch
    production_quota_t: dict[str, float] = field(default_factory=dict)  # tier -> t per year of legal output
    embargo_until: dict[tuple[str, str], int] = field(default_factory=dict)  # (target, tier) -> end step
    licence_delay_months: dict[str, int] = field(default_factory=dict)
    licence_since: dict[str, int] = field(default_factory=dict)
    export_duty: dict[str, float] = field(default_factory=dict)
    import_tariff: dict[tuple[str, str], float] = field(default_factory=dict)  # (origin, tier) -> rate
    subsidy_usd_per_kg: dict[str, float] = field(default_factory=dict)
    env_cost_usd_per_kg: dict[str, float] = field(default_factory=dict)
    permitting_months: dict[str, int] = field(default_factory=dict)
    enforcement: float = 0.0
    stockpile_target_t: dict[str, float] = field(default_factory=dict)
    stockpile_release_t: dict[str, float] = field(default_factory=dict)
    price_floors: list[PriceFloor] = field(default_factory=list)
    mandates: set[tuple[str, str, str]] = field(default_factory=set)  # (sector, banned origin, tier)
    risk_premium: dict[str, float] = field(default_factory=dict)  # origin -> premium on landed cost
    export_premium: dict[str, float] = field(default_factory=dict)  # tier -> emergent quota rent

    def embargoes(self, target: str, step: int) -> bool:
        """True while an embargo on `target` is in force for any tier."""
        return any(t == target and end > step for (t, _), end in self.embargo_until.items())

    def embargoed(self, target: str, tier: str, step: int) -> bool:
        """True while an embargo on `target` for `tier` is in force."""
        return self.embargo_until.get((target, tier), -1) > step


class Cause:
    """A dated cause from a scenario file, applied to a state at its month via Mesa's events."""

    def __init__(self, state: State, spec: Any, step: int) -> None:
        self.state = state
        self.spec = spec
        self.step = step

    def apply(self) -> None:
        """Change the state's instruments and record the change in the events table."""
        self.state.model.month = self.step  # causes fire just before their month's step
        self.state.apply_cause(self.spec, self.step)
        self.state.model.policy_changed()
