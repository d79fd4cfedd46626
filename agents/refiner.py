"""Refiners (separators) buy concentrate and separate it into NdPr and DyTb oxides.

The oxide yields follow the content of the concentrate the refiner actually bought, so a refiner
fed with ionic-clay concentrate makes heavy rare earths and one fed from Bayan Obo does not.
A separation plant is built for one chemistry: `feed` is the kind of ore it takes (mineral
concentrate, ionic-clay concentrate, or any). A separator of ionic-clay ore, which is mined for
its heavy rare earths, plans its feed by whichever of its two oxides needs more; the others plan
by NdPr, with DyTb as a co-product. Grade (purity, e.g. 0.9999) decides which customers may buy
its oxides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.firm import KG_PER_T, Firm

if TYPE_CHECKING:
    from agents.state import State
    from model.model import RareEarthModel
    from model.scenario import FirmSpec


class Refiner(Firm):
    """A separation plant; capacity and unit cost are per t of concentrate processed."""

    kind = "refiner"
    inputs = ("concentrate",)
    outputs = ("ndpr_oxide", "dytb_oxide")
    tier = "ndpr_oxide"  # policies on separation (subsidy, environmental cost) are keyed by it
    default_close_years = 8.0

    def __init__(self, model: RareEarthModel, spec: FirmSpec, state: State) -> None:
        self.feed_t = 0.0
        self.feed_ndpr_t = 0.0
        self.feed_dytb_t = 0.0
        self.feed_cost_usd_per_kg = 3.0
        self.expected_yield = {"ndpr_oxide": spec.ndpr_share or 0.2, "dytb_oxide": spec.dytb_share or 0.01}
        self.feed = spec.feed or "any"
        super().__init__(model, spec, state)
        first = self.capacity_t / 12 * model.params.initial_utilisation
        self.orders_ema_t = {t: first * self.expected_yield[t] for t in self.outputs}
        if self.status == "operating":
            self.stock_up()
            self.receive_feed(
                self.capacity_t / 12,
                self.capacity_t / 12 * self.expected_yield["ndpr_oxide"],
                self.capacity_t / 12 * self.expected_yield["dytb_oxide"],
                self.capacity_t / 12 * 1000.0 * self.feed_cost_usd_per_kg,
            )

    def output_ratio(self) -> float:
        """Oxide (NdPr plus DyTb) per t of feed capacity."""
        return sum(self.yields().values())

    def yields(self) -> dict[str, float]:
        """Oxide per t of feed in stock (or expected, before any feed arrives)."""
        if self.feed_t > 1e-9:
            return {"ndpr_oxide": self.feed_ndpr_t / self.feed_t, "dytb_oxide": self.feed_dytb_t / self.feed_t}
        return dict(self.expected_yield)

    def yield_of(self, tier: str) -> float:
        """Oxide of `tier` (NdPr or DyTb) per t of feed: `yields()[tier]` without building the dict."""
        if self.feed_t > 1e-9:
            return (self.feed_ndpr_t if tier == "ndpr_oxide" else self.feed_dytb_t) / self.feed_t
        return self.expected_yield[tier]

    def value_per_kg_feed(self) -> float:
        """What one kg of feed yields at the refiner's own asking prices, USD."""
        nd, dy = self.yield_of("ndpr_oxide"), self.yield_of("dytb_oxide")  # `yields()` without the dict
        return nd * self.expected_price("ndpr_oxide") + dy * self.expected_price("dytb_oxide")

    def reference_cost(self, tier: str) -> float:
        """Feed plus processing cost per kg of feed, split over the two oxides by the fixed
        `dytb_cost_share`, per kg of oxide (joint products have no cost of their own)."""
        per_feed = self.decision_cost() + self.feed_cost_usd_per_kg
        share = self.model.params.dytb_cost_share
        share = share if tier == "dytb_oxide" else 1.0 - share
        return max(per_feed * share / max(self.yield_of(tier), 1e-4), 0.01)

    def worth_producing(self) -> bool:
        """Separate while the oxides are worth more than feed plus processing."""
        if self.directed:
            return True
        return self.value_per_kg_feed() >= self.decision_cost() + self.feed_cost_usd_per_kg

    def margin_note(self) -> str:
        cost = self.decision_cost() + self.feed_cost_usd_per_kg
        return (
            f"oxides worth {self.value_per_kg_feed():.2f} USD per kg of feed vs {cost:.2f} USD/kg feed and processing"
        )

    def feed_demand_t(self) -> float:
        """Concentrate to buy: next month's planned processing plus the gap to a month of it in
        stock."""
        if self.status not in ("operating", "construction") or (
            self.status == "construction" and self.phase_end and self.phase_end - self.model.month > 1
        ):
            return 0.0
        p = self.model.params
        need = min(self.planned_feed_t(), self.usable_capacity_t())
        target = need  # a month of planned processing in stock
        return max(need + (target - self.feed_t) / p.inventory_adjust_months, 0.0)

    def planned_output_t(self, tier: str) -> float:
        """Oxide output to aim for, with the stock target scaled by the oxide's yield."""
        p = self.model.params
        y = self.yield_of(tier)
        target = p.stock_target_months * self.capacity_t / 12 * y
        want = self.orders_ema_t[tier] + (target - self.inventory_t[tier]) / p.output_adjust_months
        return min(max(want, 0.0), self.usable_capacity_t() * y)

    def planned_feed_t(self) -> float:
        """Feed to process: what the NdPr sales plan needs (DyTb follows as a co-product), or,
        for a separator of ionic-clay ore, what the larger of its NdPr and DyTb plans needs."""
        y = self.yield_of("ndpr_oxide")
        feed = self.planned_output_t("ndpr_oxide") / y if y > 0 else self.capacity_t / 12
        if self.feed == "ionic_clay":
            y_dytb = self.yield_of("dytb_oxide")
            if y_dytb > 0:
                feed = max(feed, self.planned_output_t("dytb_oxide") / y_dytb)
        return feed

    def receive_feed(self, quantity_t: float, ndpr_t: float, dytb_t: float, value_usd: float) -> None:
        """Add bought concentrate and its content to the feed stock."""
        if quantity_t <= 0:
            return
        self.feed_cost_usd_per_kg = value_usd / (quantity_t * KG_PER_T)
        self.feed_t += quantity_t
        self.feed_ndpr_t += ndpr_t
        self.feed_dytb_t += dytb_t

    def make(self) -> None:
        """Separate feed into oxides, within capacity and the feed in stock."""
        wanted = min(self.planned_feed_t(), self.usable_capacity_t())
        process = min(wanted, self.feed_t)
        self.input_short = process < wanted * (1.0 - 1e-9)
        self.input_shortfall = 1.0 - process / wanted if self.input_short else 0.0
        if process <= 0:
            return
        frac = process / self.feed_t
        nd, dy = self.feed_ndpr_t * frac, self.feed_dytb_t * frac
        self.feed_t -= process
        self.feed_ndpr_t -= nd
        self.feed_dytb_t -= dy
        self.inventory_t["ndpr_oxide"] += nd
        self.inventory_t["dytb_oxide"] += dy
        self.output_t = process
        self.oxide_output_t = {"ndpr_oxide": nd, "dytb_oxide": dy}
        self.cost_usd += self.month_unit_cost() * process * KG_PER_T

    def produce(self) -> None:
        self.oxide_output_t = {"ndpr_oxide": 0.0, "dytb_oxide": 0.0}
        super().produce()
