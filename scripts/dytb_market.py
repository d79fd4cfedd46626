"""The DyTb balance of the history run: what separators make, what magnet makers use, the DyTb
the separators hold, and what sets the DyTb price (docs/calibration.md, "DyTb does not fall back").

For each seed and year: DyTb made (t), DyTb used in magnets (t), the separators' DyTb stock in
December (t), the months in which every Chinese separator asked exactly its allocated DyTb cost,
and, for the Southern China separators in December, the DyTb content of their feed and their
feed plus processing cost (USD/kg of feed), beside the DyTb price index (USD/kg).

    .venv/bin/python scripts/dytb_market.py [--seeds 1,2,3] [--years 2008,2009,2011,2012,2013,2015,2016]
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from model import RareEarthModel

TIER = "dytb_oxide"
SEPARATOR = "Southern China separators"
AT_COST_TOLERANCE = 1e-6  # relative gap between ask and allocated cost counted as "at cost"


def dytb_balance(seed: int, last_year: int) -> pd.DataFrame:
    """One row per year from 2005 to `last_year` of the DyTb balance in the history run."""
    model = RareEarthModel("history", seed=seed, until=f"{last_year}-12", check=False)
    rows: dict[int, dict[str, float]] = {}
    while model.month + 1 < model.n_months:
        model.step()
        year = int(model.date[:4])
        if year < 2005:
            continue
        row = rows.setdefault(year, {"seed": seed, "year": year, "made_t": 0.0, "used_t": 0.0, "months_at_cost": 0})
        separators = [f for f in model.firms if f.kind == "refiner" and f.status == "operating"]
        row["made_t"] += sum(f.oxide_output_t[TIER] for f in separators)
        row["used_t"] += sum(f.input_used_t[TIER] for f in model.firms if f.kind == "magnet_maker")
        chinese = [f for f in separators if f.country == "CHN"]
        row["months_at_cost"] += all(
            abs(f.price[TIER] - f.reference_cost(TIER)) <= AT_COST_TOLERANCE * f.price[TIER] for f in chinese
        )
        if model.date.endswith("-12"):
            south = model.firm_by_name[SEPARATOR]
            row["stock_t"] = sum(f.inventory_t[TIER] for f in separators)
            row["feed_dytb_share"] = south.yields()[TIER]
            row["feed_and_processing_usd_per_kg"] = south.feed_cost_usd_per_kg + south.decision_cost()
            row["price_index_usd_per_kg"] = model.last_price_index[TIER]
    return pd.DataFrame(rows.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (default 1,2,3)")
    parser.add_argument("--years", default="2008,2009,2011,2012,2013,2015,2016", help="years to print")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    years = [int(y) for y in args.years.split(",")]
    with ProcessPoolExecutor(min(2, len(seeds))) as pool:
        tables = list(pool.map(dytb_balance, seeds, [max(years)] * len(seeds)))
    table = pd.concat(tables)
    table = table[table["year"].isin(years)]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(
            table.round(
                {
                    "made_t": 0,
                    "used_t": 0,
                    "stock_t": 0,
                    "feed_dytb_share": 4,
                    "feed_and_processing_usd_per_kg": 2,
                    "price_index_usd_per_kg": 1,
                }
            ).to_string(index=False)
        )


if __name__ == "__main__":
    main()
