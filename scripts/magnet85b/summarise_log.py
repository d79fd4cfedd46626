"""Summarise a log of log_prices.py: per year, the 1980s makers' output, capacity, months input-short,
mean shortfall, months raising on excess orders, price/cost, and the customers' unmet demand.

usage: python scripts/magnet85/summarise_log.py LOG.csv
"""
import sys

import pandas as pd

d = pd.read_csv(sys.argv[1])
d = d[d.status == "operating"]
d["y"] = d.date.str[:4]
d["raising"] = (d.sold >= 0.999 * d.offered) & (d.asked > d.offered) & (d.spare <= 0.25)
g = d.groupby("y").agg(output_t=("output", "sum"), cap_t=("cap_m", "sum"), short_share=("input_short", "mean"),
                       shortfall=("shortfall", "mean"), raising_share=("raising", "mean"),
                       price=("price", "mean"), cost=("cost", "mean"), dytb_cost=("dytb_cost", "mean"))
g["util"] = g.output_t / g.cap_t
g["p_over_c"] = g.price / g.cost
s = pd.read_pickle(sys.argv[1].replace(".csv", ".series.pkl"))
s["y"] = s.date.str[:4]
g = g.join(s.groupby("y").agg(unmet_t=("unmet_demand_t", "sum"), dytb_out_t=("output_dytb_oxide_t", "sum")))
print(g.round(2).to_string())
