"""Mesa's DataCollector for the main monthly series, so the model works with `mesa.batch_run`.

The model's own output is the four tables of `model.tables` (built once at the end of a run);
this collector keeps, month by month, the main series of the `series` table (the price index of
each tier, China's shares and unmet demand) in Mesa's usual form, for users of Mesa's tools
(`mesa.batch_run`, `datacollector.get_model_vars_dataframe()`). It reads the row the recorder
has just written, so the numbers are the same as in the `series` table.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import mesa

from model.tables import SERIES_COLUMNS

if TYPE_CHECKING:
    from model.model import RareEarthModel

MAIN_SERIES: tuple[str, ...] = (
    "date",
    "price_concentrate",
    "price_ndpr_oxide",
    "price_dytb_oxide",
    "price_magnet",
    "china_share_mining",
    "china_share_refining",
    "china_share_magnets",
    "unmet_demand_t",
)
"""Columns of the `series` table that the DataCollector reports (USD/kg, shares 0-1, t)."""


def _latest(model: RareEarthModel, position: int) -> Any:
    """One value of the series row recorded this month."""
    return model.recorder.series[-1][position]


def main_series_collector() -> mesa.DataCollector:
    """A DataCollector with one model reporter per column of `MAIN_SERIES`."""
    # the recorder's rows hold the series columns after run_id and seed
    reporters = {name: partial(_latest, position=SERIES_COLUMNS.index(name) - 2) for name in MAIN_SERIES}
    return mesa.DataCollector(model_reporters=reporters)


__all__ = ["MAIN_SERIES", "main_series_collector"]
