"""Magnet makers buy NdPr and DyTb oxide and make sintered NdFeB magnets.

A tonne of magnet takes `ndpr_per_t_magnet` of NdPr and `dytb_per_t_magnet` of DyTb; output is
limited by capacity and by the oxides in stock. The asking price is anchored to processing cost
plus the cost of the oxides at the prices last paid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.firm import KG_PER_T, Firm

if TYPE_CHECKING:
    from agents.state import State
    from model.model import RareEarthModel
    from model.scenario import FirmSpec


class MagnetMaker(Firm):
    """A sintered NdFeB plant; capacity in t of magnet per year, unit cost for processing."""

    kind = "magnet_maker"
    inputs = ("ndpr_oxide", "dytb_oxide")
    outputs = ("magnet",)
    tier = "magnet"
    default_close_years = 2.0

    def __init__(self, model: RareEarthModel, spec: FirmSpec, state: State) -> None:
        self.input_t = {"ndpr_oxide": 0.0, "dytb_oxide": 0.0}
        self.input_cost_usd_per_kg = {"ndpr_oxide": 30.0, "dytb_oxide": 150.0}
        self._bought_month: dict[str, int] = {}  # the last month the firm bought each oxide
        self.dytb_intensity = 1.0  # DyTb per t of magnet, as a share of the parameter (thrifting)
        self.input_used_t = {"ndpr_oxide": 0.0, "dytb_oxide": 0.0}  # oxide turned into magnets this month
        self.dytb_price_memory = 0.0  # long memory of the DyTb price paid, USD/kg (0 = none yet)
        self._planned_month: int | None = None  # the month `_planned_t` is for (see `input_demand_t`)
        self._planned_t = 0.0
        super().__init__(model, spec, state)
        if self.status == "operating":
            for t, per_t in self.recipe().items():
                self.input_t[t] = self.capacity_t / 12 * per_t

    def dytb_per_t(self) -> float:
        """t of DyTb oxide per t of magnet now: the grade mix's content this month
        (`RareEarthModel.dytb_grade_share`) times the firm's thrifting."""
        m = self.model
        return m.params.dytb_per_t_magnet * m.dytb_grade_share() * self.dytb_intensity

    def recipe(self) -> dict[str, float]:
        """t of each oxide per t of magnet (DyTb less once the firm has learnt to thrift it)."""
        p = self.model.params
        return {"ndpr_oxide": p.ndpr_per_t_magnet, "dytb_oxide": self.dytb_per_t()}

    def per_t_magnet(self, tier: str) -> float:
        """t of oxide `tier` per t of magnet: `recipe()[tier]` without building the dict."""
        p = self.model.params
        return p.ndpr_per_t_magnet if tier == "ndpr_oxide" else self.dytb_per_t()

    def reference_cost(self, tier: str) -> float:
        """Processing cost plus oxide cost per kg of magnet."""
        p, cost = self.model.params, self.input_cost_usd_per_kg
        return self.decision_cost() + (
            p.ndpr_per_t_magnet * cost["ndpr_oxide"] + self.dytb_per_t() * cost["dytb_oxide"]
        )  # the recipe() times the oxide costs, in the order of `inputs`

    def thrift_dytb(self) -> None:
        """A DyTb price well above what the firm is used to paying makes it adopt leaner grades
        (grain-boundary diffusion): its DyTb per t of magnet falls toward a target set by the
        price ratio, over `dytb_thrift_months`, never below `dytb_thrift_floor`; the know-how
        stays when the price falls again."""
        p = self.model.params
        paid = self.input_cost_usd_per_kg["dytb_oxide"]
        if self.dytb_price_memory <= 0:
            self.dytb_price_memory = paid
            return
        self.dytb_price_memory += (paid - self.dytb_price_memory) / p.dytb_memory_months
        ratio = self.dytb_price_memory / max(paid, 1e-9)
        target = max(p.dytb_thrift_floor, min(1.0, ratio**p.dytb_thrift_elasticity))
        if target < self.dytb_intensity:
            self.dytb_intensity += (target - self.dytb_intensity) / p.dytb_thrift_months

    def worth_producing(self) -> bool:
        """Make magnets while they sell for more than processing plus oxides."""
        return self.directed or self.expected_price("magnet") >= self.reference_cost("magnet")

    def margin_note(self) -> str:
        return (
            f"price {self.price['magnet']:.2f} USD/kg vs {self.reference_cost('magnet'):.2f} USD/kg "
            "processing and oxides"
        )

    def input_demand_t(self, tier: str) -> float:
        """Oxide to buy: next month's planned use plus the gap to a month of it in stock."""
        if self.status not in ("operating", "construction") or (
            self.status == "construction" and self.phase_end and self.phase_end - self.model.month > 1
        ):
            return 0.0
        m = self.model
        p = m.params
        per_t = self.per_t_magnet(tier)
        if self._planned_month != m.month:
            # the month's planned output, once for both oxides: between the two oxide markets'
            # orders nothing it depends on changes (magnet stock, orders, capacity, quota); set
            # only here, as output (`make`) changes the magnet stock earlier in the month
            self._planned_month = m.month
            self._planned_t = self.planned_output_t("magnet")
        need = self._planned_t * per_t
        extra = min(p.alarm_cap_months, p.alarm_stock_months * self.model.alarm_level(tier))
        target = need * (1.0 + extra)  # a month of planned use, more on news of a supply cut
        return max(need + (target - self.input_t[tier]) / p.inventory_adjust_months, 0.0)

    def produce(self) -> None:
        self.input_used_t = {"ndpr_oxide": 0.0, "dytb_oxide": 0.0}
        super().produce()

    def settle(self) -> None:
        super().settle()
        self.reprice_unbought_inputs()
        if self.status == "operating":
            self.thrift_dytb()

    def reprice_unbought_inputs(self) -> None:
        """An oxide the firm bought none of this month is costed at what it would pay now (the
        price of that oxide seen from its country), not at a price paid long ago: a maker that
        stopped selling after a price spike would otherwise keep asking the spike's cost."""
        m = self.model
        for tier in self.inputs:
            if self._bought_month.get(tier) != m.month:
                now = m.price_seen_by(self.country, tier)
                if now > 0:
                    self.input_cost_usd_per_kg[tier] = now

    def receive_input(self, tier: str, quantity_t: float, value_usd: float) -> None:
        """Add bought oxide to stock and remember its price."""
        if quantity_t <= 0:
            return
        self.input_t[tier] += quantity_t
        self.input_cost_usd_per_kg[tier] = value_usd / (quantity_t * KG_PER_T)
        self._bought_month[tier] = self.model.month

    def make(self) -> None:
        """Make magnets within capacity, the sales plan and the oxides in stock."""
        r = self.recipe()
        wanted = out = self.planned_output_t("magnet")
        for t in self.inputs:
            if r[t] > 0:
                out = min(out, self.input_t[t] / r[t])
        self.input_short = out < wanted * (1.0 - 1e-9)
        self.input_shortfall = 1.0 - out / wanted if self.input_short else 0.0
        if out <= 0:
            return
        for t in self.inputs:
            self.input_t[t] = max(self.input_t[t] - out * r[t], 0.0)
            self.input_used_t[t] = out * r[t]
        self.inventory_t["magnet"] += out
        self.output_t = out
        self.cost_usd += self.month_unit_cost() * out * KG_PER_T
