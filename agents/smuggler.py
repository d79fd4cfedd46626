"""Smugglers buy in their home market below the export price and sell abroad around quotas and
embargoes; they lose shipments to seizures with a probability that rises with enforcement.

A network ships more when the expected margin (foreign price net of expected seizures, less the
domestic price and handling) is wider, up to its capacity.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from agents.firm import KG_PER_T

if TYPE_CHECKING:
    from agents.state import State
    from model.model import RareEarthModel
    from model.scenario import SmugglerSpec


class Smuggler(mesa.Agent):
    """A smuggling network for one tier, leaving one country."""

    kind = "smuggler"

    def __init__(self, model: RareEarthModel, spec: SmugglerSpec, state: State) -> None:
        super().__init__(model)
        self.name = spec.name
        self.country = spec.country
        self.state = state
        self.tier = spec.tier
        self.capacity_t = spec.capacity_t
        self.base_capacity_t = spec.capacity_t
        self.handling_usd_per_kg = spec.unit_cost_usd_per_kg
        self.status = "operating"
        self.grade = 0.99
        self.stock_t = 0.0
        self.purchase_usd_per_kg = 0.0
        self.price = {self.tier: 0.0}
        self.sold_t = {self.tier: 0.0}
        self.revenue_usd = 0.0
        self.cost_usd = 0.0
        self.cash_usd = 0.0
        self.seized_t = 0.0
        self.output_t = 0.0

    @property
    def inventory_t(self) -> dict[str, float]:
        return {self.tier: self.stock_t}

    def seizure_probability(self) -> float:
        """Chance that one shipment is seized, rising with the state's enforcement."""
        p = self.model.params
        return min(1.0, p.seizure_base + p.seizure_per_enforcement * self.state.policy.enforcement)

    def ship(self) -> None:
        """Send the month's stock abroad; seized shipments are lost (drawn per shipment), and
        arrests cost the network capacity that it rebuilds only slowly."""
        p = self.model.params
        self.capacity_t += p.network_recovery * (self.base_capacity_t - self.capacity_t)
        self.seized_t = 0.0
        self.revenue_usd = 0.0
        self.cost_usd = 0.0
        self.sold_t[self.tier] = 0.0
        if self.stock_t <= 1e-9:
            return
        n = max(1, math.ceil(self.stock_t / self.model.params.shipment_t))
        lost = self.model.rng.binomial(n, self.seizure_probability())
        if lost:
            self.seized_t = self.stock_t * lost / n
            self.stock_t -= self.seized_t
            # arrests: the network loses capacity in proportion to what was seized
            self.capacity_t *= 1.0 - self.model.params.arrest_capacity_loss * lost / n
            self.model.log_event(
                "seizure", self, f"{self.seized_t:.1f} t of {self.tier} seized ({lost} of {n} shipments)"
            )

    def offer_t(self, tier: str) -> float:
        """Offered abroad: what survived shipping."""
        return self.stock_t

    def reference_cost(self, tier: str) -> float:
        """Purchase price plus handling, per kg, what the asking price is anchored to."""
        return max(self.purchase_usd_per_kg + self.handling_usd_per_kg, 0.01)

    def decision_cost(self) -> float:
        return self.reference_cost(self.tier)

    def expected_margin(self) -> float:
        """Foreign price (with the export duty evaded) after expected seizures, less what the
        network pays at home (the cheapest ask of a firm at home, or the domestic price if lower)
        and handling, as a share of cost."""
        # buyers abroad pay the legal export price plus the export duty, which smugglers evade
        duty = self.state.policy.export_duty.get(self.tier, 0.0)
        foreign = self.model.export_price.get(self.tier, 0.0) * (1.0 + duty)
        domestic = self.model.domestic_price.get(self.tier, 0.0)
        if foreign <= 0 or domestic <= 0:
            return 0.0
        # a network buys where it is cheapest at home, often from illegal mines below the domestic price
        cost = min(domestic, self.model.cheapest_ask(self.country, self.tier)) + self.handling_usd_per_kg
        return (foreign * (1.0 - self.seizure_probability()) - cost) / cost

    def undercut_price(self) -> float:
        """The ask that sells the network's goods abroad: `smuggle_discount` below what buyers
        there pay for the legal export (with the duty the network evades), USD/kg."""
        duty = self.state.policy.export_duty.get(self.tier, 0.0)
        legal = self.model.export_price.get(self.tier, 0.0) * (1.0 + duty)
        return legal * (1.0 - self.model.params.smuggle_discount)

    def demand_t(self) -> float:
        """What the network buys at home this month: more when the margin is wider."""
        full = self.model.params.smuggle_full_margin
        use = min(max(self.expected_margin() / full, 0.0), 1.0)
        return self.capacity_t / 12 * use

    def receive(self, quantity_t: float, value_usd: float) -> None:
        """Goods bought at home join the stock for next month's shipment."""
        if quantity_t <= 0:
            return
        self.purchase_usd_per_kg = value_usd / (quantity_t * KG_PER_T)
        self.stock_t += quantity_t
        self.cost_usd += value_usd

    def settle(self) -> None:
        """Book the month's cash."""
        self.cash_usd += self.revenue_usd - self.cost_usd
