"""Measure the magnet85 indicators on one or more seeds, optionally with edits to the history world.

usage: PYTHONPATH=$PWD python scripts/magnet85/measure.py SEEDS [until] [edit ...]
  SEEDS: e.g. 1,2,3;  edit: param=value, or "Firm Name:field=value" (a firm spec's field)
Prints the yearly magnet price (mean), world magnet output, China's magnet share, the DyTb and
NdPr price indices, unmet demand, and Magnequench's cash at 2008-12 and at the end.
"""
import sys

import pandas as pd

import os

if os.environ.get("M85_RULE"):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import rule_short_no_raise  # noqa: F401
from model import load_scenario, run

args = sys.argv[1:]
seeds = [int(s) for s in args[0].split(",")]
until = None
edits = args[1:]
if edits and edits[0][:2] in ("19", "20") and "=" not in edits[0]:
    until, edits = edits[0], edits[1:]

scen, _src = load_scenario("history")
params = {}
for e in edits:
    if ":" in e:
        name, kv = e.split(":", 1)
        k, v = kv.split("=")
        found = False
        for group in ("miners", "refiners", "magnet_makers"):
            specs = list(getattr(scen, group))
            for i, f in enumerate(specs):
                if f.name == name:
                    old = getattr(f, k)
                    specs[i] = f.model_copy(update={k: type(old)(v) if old is not None else v})
                    found = True
            scen = scen.model_copy(update={group: specs})
        assert found, name
    else:
        k, v = e.split("=")
        params[k] = float(v)

years = ["1985", "1987", "1988", "1990", "1991", "1993", "1995", "1997", "2000", "2003", "2006", "2008", "2010",
         "2011", "2012", "2015", "2020", "2024", "2030"]
for seed in seeds:
    t = run(scen, seed=seed, until=until, **params)
    s = t["series"]
    s["y"] = s.date.str[:4]
    g = s.groupby("y").agg(magnet=("price_magnet", "mean"), ndpr=("price_ndpr_oxide", "mean"),
                           dytb=("price_dytb_oxide", "mean"), out_kt=("output_magnet_t", "sum"),
                           dytb_t=("output_dytb_oxide_t", "sum"),
                           cn_share=("china_share_magnets", "mean"), unmet=("unmet_demand_t", "sum"))
    g["out_kt"] /= 1000
    g = g[g.index.isin(years)]
    print(f"seed {seed} edits {edits}")
    print(g.round(3).to_string())
    a = t["agents"]
    mq = a[a.name == "Magnequench"].set_index("date")["cash"]
    print("Magnequench cash bn USD:", {d: round(mq.get(d, float("nan")) / 1e9, 3) for d in ("1995-12", "2000-12", "2008-12", mq.index[-1])})
