"""Miners dig rare-earth ore and sell mixed concentrate (t REO).

The deposit fixes the concentrate's content: light deposits (Bayan Obo, Mountain Pass, Mount
Weld) are NdPr-rich mineral ores, ionic clays (south China, Myanmar) are DyTb-rich; a separator
built for one kind of ore buys only that kind (`Refiner.feed`). An illegal miner weighs
the expected penalty, which rises with its state's enforcement, as part of its cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.firm import Firm

if TYPE_CHECKING:
    from agents.state import State
    from model.model import RareEarthModel
    from model.scenario import FirmSpec


class Miner(Firm):
    """A mine (or a cluster of mines) producing concentrate."""

    kind = "miner"
    outputs = ("concentrate",)
    tier = "concentrate"
    default_close_years = 20.0

    def __init__(self, model: RareEarthModel, spec: FirmSpec, state: State) -> None:
        super().__init__(model, spec, state)
        self.ndpr_share = spec.ndpr_share
        self.dytb_share = spec.dytb_share
        self.ore = spec.ore or "mineral"

    def make(self) -> None:
        """Dig what the stock target and expected sales call for, within capacity."""
        out = self.planned_output_t("concentrate")
        self.inventory_t["concentrate"] += out
        self.output_t = out
        self.cost_usd += self.month_unit_cost() * out * 1000.0
